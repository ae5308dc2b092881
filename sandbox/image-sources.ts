// Which upstream source each release's database is replayed from, and where that differs from
// the image or service the release pins (the skew). The one place these refs are chosen.
import { PostgresMajor } from "./postgres-binaries";
import { SourceRequest } from "../tools/source-request";

export type PostgresImage = "15.1.1.78" | "17.6.1.136";

export interface PostgresImageSource {
    /** The supabase/postgres tag the release runs. */
    image: PostgresImage;
    major: PostgresMajor;
    repo: "supabase/postgres";
    /** The ref replayed: the tag itself, or the stand-in below. */
    ref: string;
    /** Forks whose snapshots also carry `ref`. */
    alsoIn?: string[];
    /** Set when `ref` is not the image's tag: what stands in, and why. */
    skew?: string;
    /** The image's POSTGRES_USER, initdb's bootstrap superuser (contracts: postgres.ts, postgres-17.6.1.136.ts). */
    bootstrapUser: "postgres" | "supabase_admin";
    /** The Dockerfile whose COPY lines put the init files in place. */
    dockerfile: string;
    /** sha256 of migrations/db/migrate.sh at `ref`: the replay (image-bootstrap.ts) follows that exact script. */
    migrateShSha256: string;
}

export const POSTGRES_IMAGE_SOURCES: Record<PostgresImage, PostgresImageSource> = {
    "15.1.1.78": {
        image: "15.1.1.78",
        major: 15,
        repo: "supabase/postgres",
        ref: "15.1.1.78",
        bootstrapUser: "postgres",
        dockerfile: "Dockerfile",
        migrateShSha256: "414eb8eea389061c699f0f0a8efc8da295ff4dd3eeebe0dd72be4b6d46e16654",
    },
    "17.6.1.136": {
        image: "17.6.1.136",
        major: 17,
        repo: "supabase/postgres",
        // Upstream PR #2046 (2026-02-12), ansible/vars.yml postgres17 "17.6.1.084": the newest
        // upstream commit any readable git snapshot holds (the fork KBVE/postgres carries it; its
        // own changes start after it). The same ref the 17.6.1.136 contract was read at.
        ref: "f183a83f0bd0122c9dcc438f17a106533435c963",
        alsoIn: ["KBVE/postgres"],
        skew:
            "17.6.1.136 is replayed from upstream f183a83 (release 17.6.1.084, 2026-02-12): the supabase/postgres " +
            "snapshot stops in 2024-10 (newest tag 16.3.1.010) and no snapshot holds the 17.6.1.136 tag. Upstream " +
            "migrations dated after 20251121132723 (the last at f183a83) are not replayed; which of them the tag ships " +
            "is unknown (file index: 20251121141100 … 20261010094800, e.g. pg_graphql off by default, the realtime " +
            "schema grant to postgres, revoking CREATEROLE from supabase_auth_admin).",
        bootstrapUser: "supabase_admin",
        dockerfile: "Dockerfile-17",
        migrateShSha256: "30460eafacbd68fb012c7fb166e9d81a7672b459a7e5abdbe1cf7b0260bd06a5",
    },
};

/** What the replay reads from the supabase/postgres tree (migrate.sh, its scripts, the Dockerfile's extra files). */
export const POSTGRES_IMAGE_PATHS = (source: PostgresImageSource) => [
    "migrations/db/migrate.sh",
    "migrations/db/init-scripts",
    "migrations/db/migrations",
    "ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql",
    "ansible/files/stat_extension.sql",
    source.dockerfile,
];

export const postgresImageRequest = (source: PostgresImageSource): SourceRequest => ({
    repo: source.repo,
    ref: source.ref,
    alsoIn: source.alsoIn,
    paths: POSTGRES_IMAGE_PATHS(source),
    purpose: `the supabase/postgres:${source.image} init scripts and migrations`,
});

/**
 * Realtime's tenant schema. Both releases' database tests replay v2.129.8: v0.8.2 pins v2.134.10,
 * which no snapshot holds (the realtime snapshot's newest tag is v2.129.8, as in
 * components/services/realtime/contracts/v2.134.10.ts); the seed's v2.29.15 predates the tenant schema the
 * program's channel policies need (realtime.messages).
 */
export const REALTIME_SOURCE = {
    repo: "supabase/realtime",
    ref: "v2.129.8",
    skew: "Realtime v2.134.10 (v0.8.2) is replayed from v2.129.8: the realtime snapshot's newest tag.",
};

/**
 * At v2.129.8 a fresh tenant (empty realtime.schema_migrations) gets priv/repo/tenant_db_dump_<major>.sql
 * in one query (lib/realtime/tenants/migrations.ex load_db_dump), and Ecto's migrations only when that
 * fails; then Connect creates the daily partitions of realtime.messages (lib/realtime/tenants.ex).
 */
export const REALTIME_PATHS = ["priv/repo/tenant_db_dump_15.sql", "priv/repo/tenant_db_dump_17.sql", "lib/realtime/tenants/migrations.ex", "lib/realtime/tenants.ex"];

export const realtimeRequest = (): SourceRequest => ({
    repo: REALTIME_SOURCE.repo,
    ref: REALTIME_SOURCE.ref,
    paths: REALTIME_PATHS,
    purpose: `Realtime's tenant schema`,
});

/** Everything `tsx tools/sources.ts --prefetch` puts into the tools cache. */
export const SOURCES_THE_TESTS_NEED: SourceRequest[] = [
    ...Object.values(POSTGRES_IMAGE_SOURCES).map(postgresImageRequest),
    realtimeRequest(),
];
