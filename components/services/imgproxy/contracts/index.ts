// Every pinned tag of imgproxy's image that some release runs: one file per tag, each fact cited.
// A new tag is a new file here, listed below, and a row in releases.ts.
import { ImageContract } from "../../contract-types";
import { IMGPROXY_V3_31_4_CONTRACT } from "./v3.31.4";
import { imgproxyContract } from "./v3.8.0";

export const CONTRACTS: ImageContract[] = [IMGPROXY_V3_31_4_CONTRACT, imgproxyContract];
