// Every pinned tag of storage's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { storageContract } from "./v0.43.11";
import { STORAGE_V1_74_0_CONTRACT } from "./v1.74.0";

export const CONTRACTS: ImageContract[] = [storageContract, STORAGE_V1_74_0_CONTRACT];
