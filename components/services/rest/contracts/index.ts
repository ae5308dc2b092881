// Every pinned tag of rest's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { REST_CONTRACT } from "./v12.0.2";
import { REST_V14_17_CONTRACT } from "./v14.17";

export const CONTRACTS: ImageContract[] = [REST_CONTRACT, REST_V14_17_CONTRACT];
