// Every pinned tag of studio's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { studioContract } from "./20240729-ce42139";
import { STUDIO_2026_09_07_CONTRACT } from "./2026.09.07-sha-7996410";

export const CONTRACTS: ImageContract[] = [studioContract, STUDIO_2026_09_07_CONTRACT];
