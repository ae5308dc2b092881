// Every pinned tag of gotrue's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { GOTRUE_CONTRACT } from "./v2.132.3";
import { GOTRUE_V2_196_0_CONTRACT } from "./v2.196.0";

export const CONTRACTS: ImageContract[] = [GOTRUE_CONTRACT, GOTRUE_V2_196_0_CONTRACT];
