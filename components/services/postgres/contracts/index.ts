// Every pinned tag of postgres's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { POSTGRES_CONTRACT } from "./15.1.1.78";
import { POSTGRES_17_6_1_136_CONTRACT } from "./17.6.1.136";

export const CONTRACTS: ImageContract[] = [POSTGRES_CONTRACT, POSTGRES_17_6_1_136_CONTRACT];
