// Every image contract, keyed by image reference without registry host ("kong:2.8.1"): each
// service lists its pinned tags in components/services/<service>/contracts/index.ts.
import { CONTRACTS as KONG } from "./kong/contracts";
import { CONTRACTS as POSTGRES } from "./postgres/contracts";
import { CONTRACTS as GOTRUE } from "./gotrue/contracts";
import { CONTRACTS as REST } from "./rest/contracts";
import { CONTRACTS as STORAGE } from "./storage/contracts";
import { CONTRACTS as IMGPROXY } from "./imgproxy/contracts";
import { CONTRACTS as META } from "./meta/contracts";
import { CONTRACTS as STUDIO } from "./studio/contracts";
import { CONTRACTS as REALTIME } from "./realtime/contracts";
import { CONTRACTS as POOLER } from "./pooler/contracts";
import { ImageContract } from "./contract-types";

export const CONTRACTS: Record<string, ImageContract> = Object.fromEntries(
    [...KONG, ...POSTGRES, ...GOTRUE, ...REST, ...STORAGE, ...IMGPROXY, ...META, ...STUDIO, ...REALTIME, ...POOLER].map((c) => [`${c.image}:${c.tag}`, c]),
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
