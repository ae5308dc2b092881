// Every pinned tag of the pooler's image (edoburu/pgbouncer) that some release runs: one file per
// tag, each fact cited. A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { POOLER_V1_23_1_P3_CONTRACT } from "./v1.23.1-p3";
import { POOLER_V1_25_2_P0_CONTRACT } from "./v1.25.2-p0";

export const CONTRACTS: ImageContract[] = [POOLER_V1_23_1_P3_CONTRACT, POOLER_V1_25_2_P0_CONTRACT];
