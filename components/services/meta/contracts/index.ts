// Every pinned tag of meta's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { metaContract } from "./v0.68.0";
import { META_V0_99_0_CONTRACT } from "./v0.99.0";

export const CONTRACTS: ImageContract[] = [metaContract, META_V0_99_0_CONTRACT];
