// Every image contract, keyed by image reference without registry host ("kong:2.8.1").
import { GOTRUE_CONTRACT } from "./gotrue";
import { imgproxyContract } from "./imgproxy";
import { KONG_CONTRACT } from "./kong";
import { metaContract } from "./meta";
import { POSTGRES_CONTRACT } from "./postgres";
import { REST_CONTRACT } from "./rest";
import { storageContract } from "./storage";
import { studioContract } from "./studio";
import { ImageContract } from "./types";

export const CONTRACTS: Record<string, ImageContract> = Object.fromEntries(
    [KONG_CONTRACT, POSTGRES_CONTRACT, GOTRUE_CONTRACT, REST_CONTRACT, storageContract, imgproxyContract, metaContract, studioContract].map((c) => [`${c.image}:${c.tag}`, c]),
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
