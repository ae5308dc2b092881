// Every pinned tag of kong's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { KONG_CONTRACT } from "./2.8.1";
import { KONG_3_9_3_CONTRACT } from "./3.9.3";

export const CONTRACTS: ImageContract[] = [KONG_CONTRACT, KONG_3_9_3_CONTRACT];
