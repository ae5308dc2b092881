// The connection pooler (PgBouncer) as facts: which image each release runs, its ports, its user,
// its pool defaults, and how many PostgreSQL connections it may hold (its share of the budget).
// Pure data and arithmetic; the renderers are ini.ts and connection.ts, the checks validate.ts.
import { Release } from "../../../policies/rules/releases";
import { PGBOUNCER_VERSION as V1_23_1 } from "./contracts/v1.23.1-p3";
import { PGBOUNCER_VERSION as V1_25_2 } from "./contracts/v1.25.2-p0";

export interface PoolerImage {
    image: string;
    /** The PgBouncer release inside it (its contract's Dockerfile ARG VERSION). */
    pgbouncer: string;
    why: string;
}

export const POOLER_IMAGES: Record<Release, PoolerImage> = {
    "v0.8.2": {
        image: "edoburu/pgbouncer:v1.25.2-p0",
        pgbouncer: V1_25_2.version,
        why: "the image upstream's PgBouncer override pins (supabase/supabase docker/docker-compose.pgbouncer.yml, read at 27291edf and f179badd)",
    },
    seed: {
        image: "edoburu/pgbouncer:v1.23.1-p3",
        pgbouncer: V1_23_1.version,
        why: "the seed's set is mid-2024 (supabase/postgres 15.1.1.78 is tagged 2024-07-15, Studio 20240729); PgBouncer 1.23 was "
            + "the current line then (edoburu moved to 1.23.0 on 2024-07-29, v1.23.1-p0 on 2024-08-02). v1.23.1-p3 (2024-11-11) is the "
            + "last image of that line: the same Dockerfile and entrypoint as -p2 (only the Makefile tag differs), rebuilt for the "
            + "base image's CVE fixes, and the earliest tag whose entrypoint a snapshot holds. It is >= 1.21, so protocol-level "
            + "prepared statements work in transaction mode (max_prepared_statements), which the seed's PostgREST and ORMs use",
    },
};

/** The program's ports, chosen to match what Supabase documents for its pooler (Supavisor). */
export const POOLER_PORTS = {
    /**
     * Transaction mode: 6543 in upstream's compose (POOLER_PROXY_PORT_TRANSACTION) and the supabase/postgres
     * image's own pgbouncer.ini.j2 (listen_port = 6543, pool_mode = transaction).
     */
    transaction: 6543,
    /**
     * Session mode: 5432, Supavisor's session port in upstream's compose and on the hosted platform, so an
     * app repo's migration URL differs from its runtime URL only in the port. A Service of its own (the
     * pooler's) carries it, so it does not clash with the database's 5432.
     */
    session: 5432,
} as const;

export type PoolMode = keyof typeof POOLER_PORTS;

/**
 * PgBouncer listens on one port per process (pgbouncer.ini `listen_port`), and the pool mode belongs
 * to the database entry or the whole process, not to the port. So the two ports are two processes:
 * two containers of one pod, each with its own ini, sharing userlist.txt. Both serve the database
 * `postgres` under its own name, so the session URL is the transaction URL with another port.
 */
export const POOLER_CONTAINERS: Record<PoolMode, string> = { transaction: "pgbouncer-transaction", session: "pgbouncer-session" };

/**
 * The image's USER is `postgres` by name (Dockerfile:31 at both tags), Alpine's uid/gid 70. The pod
 * sets it as a number so that runAsNonRoot can be verified; PgBouncer only reads its mounted files.
 */
export const POOLER_UID = 70;
export const POOLER_GID = 70;

/** Where the image's CMD reads its config, and the auth_file the ini names (both mounted, read-only). */
export const POOLER_PATHS = { ini: "/etc/pgbouncer/pgbouncer.ini", authFile: "/etc/pgbouncer/userlist.txt" } as const;

/** The role PgBouncer logs in as to look passwords up; the image creates it (pgbouncer_auth_schema.sql). */
export const POOLER_AUTH_USER = "pgbouncer";
/**
 * The lookup through the image's function (supabase/postgres ansible/files/pgbouncer_config/pgbouncer.ini.j2:124
 * at 15.1.1.78 and f183a83: `auth_query = SELECT * FROM pgbouncer.get_auth($1)`), so no password list is kept.
 */
export const POOLER_AUTH_QUERY = "SELECT * FROM pgbouncer.get_auth($1)";
export const POOLER_DATABASE = "postgres";

/**
 * pgbouncer.get_auth(p_usename text) RETURNS TABLE(username text, password text), SECURITY DEFINER, at each
 * release's image. The lookup needs its owner to read pg_authid, which a non-superuser can only as its owner.
 * Seed (supabase/postgres 15.1.1.78, ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql, run as
 * init-scripts/00-schema.sql): created by `postgres`, reads pg_catalog.pg_shadow, no search_path set,
 * EXECUTE to pgbouncer. migrations/10000000000000_demote-postgres.sql makes postgres NOSUPERUSER, yet the
 * lookup keeps working: postgres is the image's POSTGRES_USER, initdb's bootstrap user, which owns the
 * catalogs (pg_authid and pg_shadow included). v0.8.2 (17.6.1.136, replayed from f183a83): initdb's user
 * is supabase_admin; migrations 20250312095419_pgbouncer_ownership.sql (owner supabase_admin),
 * 20250417190610_update_pgbouncer_get_auth.sql and 20251121132723_correct_search_path_pgbouncer.sql
 * (reads pg_authid where rolcanlogin, NULL once rolvaliduntil passed, SET search_path = '', EXECUTE
 * revoked from postgres, granted to pgbouncer). Migrations after f183a83 are unread (sandbox/image-sources.ts).
 */
export const GET_AUTH_AT: Record<Release, { owner: string; reads: "pg_shadow" | "pg_authid"; searchPathPinned: boolean }> = {
    seed: { owner: "postgres", reads: "pg_shadow", searchPathPinned: false },
    "v0.8.2": { owner: "supabase_admin", reads: "pg_authid", searchPathPinned: true },
};

/** PgBouncer's protocol-level prepared statements in transaction mode arrived in 1.21.0. */
export const PREPARED_STATEMENTS_SINCE = "1.21.0";
/** How many prepared statements per server connection PgBouncer tracks (1.24's default; set explicitly). */
export const MAX_PREPARED_STATEMENTS = 200;

export interface PoolSizes {
    /** Server connections per (user, database) pair: each app role gets a pool this large. */
    defaultPoolSize: number;
    /** Cap on all server connections of the process to the database, whatever the number of users. */
    maxDbConnections: number;
    /** Client connections the process accepts. */
    maxClientConn: number;
}

/**
 * Defaults per process. The budget counts maxDbConnections (the hard cap), not defaultPoolSize (per
 * user, unbounded in the number of users). The supabase/postgres image's own ini uses default_pool_size 15
 * for a whole machine; here the pooler shares max_connections with every service, so it is smaller.
 */
export const POOLER_DEFAULTS: Record<PoolMode, PoolSizes> = {
    transaction: { defaultPoolSize: 10, maxDbConnections: 10, maxClientConn: 200 },
    session: { defaultPoolSize: 5, maxDbConnections: 5, maxClientConn: 50 },
};

/** PostgreSQL connections one pooler pod may hold: the two processes' caps (auth lookups included, tests/services/pooler.test.ts). */
export function poolerConnectionsPerPod(sizes: Record<PoolMode, Pick<PoolSizes, "maxDbConnections">>): number {
    return sizes.transaction.maxDbConnections + sizes.session.maxDbConnections;
}

/** The pooler's line in the connection budget (config/budget.ts configuredClients): RollingUpdate with maxSurge 1. */
export function poolerBudgetClient(replicas: number, sizes: Record<PoolMode, Pick<PoolSizes, "maxDbConnections">>) {
    return { label: "pooler", perPod: poolerConnectionsPerPod(sizes), pods: replicas + 1 };
}

/** `pooler: auto` follows the release: on for v0.8.2, off for the seed. */
export const poolerDeployed = (setting: "auto" | "true" | "false", release: Release) =>
    setting === "auto" ? release === "v0.8.2" : setting === "true";
