// The release table: the releases the program supports, each one a whole image set as upstream
// tags them. The program owns it (config defaults, components); the policy pack reads it (an image
// that does not belong to the stack's release) and outputs.ts mirrors its names. A leaf: it imports
// nothing. Adding a release is a row here plus, per service whose image changed, a contract in
// components/services/<service>/contracts/ (ARCHITECTURE.md).

export const RELEASE_NAMES = ["seed", "v0.8.2"] as const;
export type Release = (typeof RELEASE_NAMES)[number];

/** The image of every workload in a release (registry host omitted: Docker Hub). */
export interface ReleaseImages {
    postgres: string;
    gotrue: string;
    rest: string;
    storage: string;
    imgproxy: string;
    meta: string;
    studio: string;
    kong: string;
    realtime: string;
    /** The connection pooler (PgBouncer), deployed with config `pooler` (components/services/pooler). */
    pooler: string;
}

export interface ReleaseInfo {
    images: ReleaseImages;
    /** What the release is, for the docs and error messages. */
    summary: string;
}

export const RELEASES: Record<Release, ReleaseInfo> = {
    // The seed's mid-2024 set. Realtime v2.29.15 is what supabase/cli pinned beside this Studio
    // build (supabase/cli@06133db0:pkg/config/constants.go:19), the source that dates Studio 20240729-ce42139.
    seed: {
        summary: "the seed's mid-2024 image set (PostgreSQL 15, Kong 2.8, legacy HS256 keys only)",
        images: {
            postgres: "supabase/postgres:15.1.1.78",
            gotrue: "supabase/gotrue:v2.132.3",
            rest: "postgrest/postgrest:v12.0.2",
            storage: "supabase/storage-api:v0.43.11",
            imgproxy: "darthsim/imgproxy:v3.8.0",
            meta: "supabase/postgres-meta:v0.68.0",
            studio: "supabase/studio:20240729-ce42139",
            kong: "kong:2.8.1",
            realtime: "supabase/realtime:v2.29.15",
            // No upstream pin exists for this set (upstream's PgBouncer override arrived later). The
            // set is mid-2024 (postgres 15.1.1.78 tagged 2024-07-15, Studio 20240729); PgBouncer 1.23
            // was current then, and v1.23.1-p3 (2024-11-11) is that line's last image: -p2's
            // Dockerfile and entrypoint rebuilt for base-image CVE fixes, and >= 1.21, so prepared
            // statements work in transaction mode (components/services/pooler/contracts/v1.23.1-p3.ts).
            pooler: "edoburu/pgbouncer:v1.23.1-p3",
        },
    },
    // Upstream's self-hosted/v0.8.2 set with its Kong override (docker-compose.kong.yml).
    "v0.8.2": {
        summary: "upstream self-hosted/v0.8.2 (PostgreSQL 17, Kong 3.9, ES256 signing keys and opaque sb_ API keys beside the legacy ones)",
        images: {
            postgres: "supabase/postgres:17.6.1.136",
            gotrue: "supabase/gotrue:v2.196.0",
            rest: "postgrest/postgrest:v14.17",
            storage: "supabase/storage-api:v1.74.0",
            imgproxy: "darthsim/imgproxy:v3.31.4",
            meta: "supabase/postgres-meta:v0.99.0",
            studio: "supabase/studio:2026.09.07-sha-7996410",
            kong: "kong/kong:3.9.3",
            realtime: "supabase/realtime:v2.134.10",
            // What upstream's PgBouncer override pins (docker/docker-compose.pgbouncer.yml).
            pooler: "edoburu/pgbouncer:v1.25.2-p0",
        },
    },
};

/** The annotation every workload carries naming the release it was rendered for. */
export const RELEASE_ANNOTATION = "platform.supabase.io/release";


/** "docker.io/library/kong:2.8.1@sha256:…" → { repository: "kong", tag: "2.8.1" }. */
export function repositoryAndTag(image: string): { repository: string; tag?: string } {
    let ref = image.split("@")[0];
    const [first, ...rest] = ref.split("/");
    if (rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost")) ref = rest.join("/");
    if (ref.startsWith("library/")) ref = ref.slice("library/".length);
    const colon = ref.lastIndexOf(":");
    return colon > ref.lastIndexOf("/") ? { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repository: ref };
}

/**
 * The release images of a repository, e.g. "supabase/gotrue" → { seed: "v2.132.3", … }. The
 * repository of a pinned image is how the pack knows which service a container runs.
 */
export function releaseTagsOf(repository: string): Partial<Record<Release, string>> {
    const tags: Partial<Record<Release, string>> = {};
    for (const release of RELEASE_NAMES) {
        for (const image of Object.values(RELEASES[release].images)) {
            const ref = repositoryAndTag(image);
            if (ref.repository === repository) tags[release] = ref.tag;
        }
    }
    return tags;
}
