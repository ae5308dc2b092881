// Every pinned tag of realtime's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { REALTIME_V2_134_10_CONTRACT } from "./v2.134.10";
import { REALTIME_V2_29_15_CONTRACT } from "./v2.29.15";

export const CONTRACTS: ImageContract[] = [REALTIME_V2_134_10_CONTRACT, REALTIME_V2_29_15_CONTRACT];
