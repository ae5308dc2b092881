// Every image contract, keyed by image reference without registry host ("kong:2.8.1"): the seed's
// images (<service>.ts) and those of release v0.8.2 and Realtime (<service>-<tag>.ts).
import { GOTRUE_CONTRACT } from "./gotrue";
import { GOTRUE_V2_196_0_CONTRACT } from "./gotrue-v2.196.0";
import { IMGPROXY_V3_31_4_CONTRACT } from "./imgproxy-v3.31.4";
import { KONG_3_9_3_CONTRACT } from "./kong-3.9.3";
import { META_V0_99_0_CONTRACT } from "./meta-v0.99.0";
import { POSTGRES_17_6_1_136_CONTRACT } from "./postgres-17.6.1.136";
import { REALTIME_V2_134_10_CONTRACT } from "./realtime-v2.134.10";
import { REALTIME_V2_29_15_CONTRACT } from "./realtime-v2.29.15";
import { REST_V14_17_CONTRACT } from "./rest-v14.17";
import { STORAGE_V1_74_0_CONTRACT } from "./storage-v1.74.0";
import { STUDIO_2026_09_07_CONTRACT } from "./studio-2026.09.07-sha-7996410";
import { imgproxyContract } from "./imgproxy";
import { KONG_CONTRACT } from "./kong";
import { metaContract } from "./meta";
import { POSTGRES_CONTRACT } from "./postgres";
import { REST_CONTRACT } from "./rest";
import { storageContract } from "./storage";
import { studioContract } from "./studio";
import { ImageContract } from "./types";

export const CONTRACTS: Record<string, ImageContract> = Object.fromEntries(
    [
        KONG_CONTRACT, POSTGRES_CONTRACT, GOTRUE_CONTRACT, REST_CONTRACT, storageContract, imgproxyContract, metaContract, studioContract,
        KONG_3_9_3_CONTRACT, POSTGRES_17_6_1_136_CONTRACT, GOTRUE_V2_196_0_CONTRACT, REST_V14_17_CONTRACT, STORAGE_V1_74_0_CONTRACT,
        IMGPROXY_V3_31_4_CONTRACT, META_V0_99_0_CONTRACT, STUDIO_2026_09_07_CONTRACT, REALTIME_V2_29_15_CONTRACT, REALTIME_V2_134_10_CONTRACT,
    ].map((c) => [`${c.image}:${c.tag}`, c]),
);

/**
 * "docker.io/library/kong:2.8.1" → "kong:2.8.1": drops a registry host (a first segment with a
 * dot, a port or "localhost"), Docker Hub's implicit "library/" and a digest.
 */
export function imageKey(imageRef: string): string {
    let ref = imageRef.split("@")[0];
    const [first, ...rest] = ref.split("/");
    if (rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost")) ref = rest.join("/");
    return ref.startsWith("library/") ? ref.slice("library/".length) : ref;
}

export function contractFor(imageRef: string): ImageContract | undefined {
    return CONTRACTS[imageKey(imageRef)];
}
