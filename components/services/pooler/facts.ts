// The connection pooler (PgBouncer) as facts: which image each release runs, its ports, its user,
// its pool defaults, and how many PostgreSQL connections it may hold (its share of the budget).
// Pure data and arithmetic; the renderers are ini.ts and connection.ts, the checks validate.ts. A leaf.
import { Release, repositoryAndTag } from "../../../releases";

/**
 * The PgBouncer release inside each pinned image (its Dockerfile's `ARG VERSION`, recorded in
 * contracts/<tag>.ts as PGBOUNCER_VERSION; a test keeps the two equal). edoburu/pgbouncer tags are
 * `v<PgBouncer version>-p<n>`, so an override's tag says its version too.
 */
export const PGBOUNCER_IN_IMAGE: Record<string, string> = { "v1.25.2-p0": "1.25.2", "v1.23.1-p3": "1.23.1" };

/** The PgBouncer version an image runs: the pinned table, else what an edoburu tag spells. */
export function pgbouncerVersionOf(image: string): string {
    const tag = repositoryAndTag(image).tag ?? "";
    const known = PGBOUNCER_IN_IMAGE[tag];
    if (known) return known;
    const spelled = /^v?([0-9]+\.[0-9]+\.[0-9]+)(-p[0-9]+)?$/.exec(tag);
    if (!spelled) throw new Error(`pooler: cannot tell the PgBouncer version of ${image}; pin an edoburu/pgbouncer tag (v<version>-p<n>)`);
    return spelled[1];
}

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
export const IMAGE_AUTH_QUERY = "SELECT * FROM pgbouncer.get_auth($1)";

/**
 * The program's auth_query: the image's function, narrowed to the app login roles the stack
 * declares, and never a role that is superuser, may replicate or bypasses RLS, whatever its name.
 * get_auth itself returns every login role's secret (superusers included: the services tier shows
 * it at both releases), so without this a client could reach supabase_admin or postgres through the
 * pooler with their password. A refused role finds no row: PgBouncer answers as for an unknown user.
 * PgBouncer sends this as one extended-protocol query with the user name as $1 (both uses are that value).
 */
export function poolerAuthQuery(allowedRoles: readonly string[]): string {
    for (const role of allowedRoles) {
        if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error(`pooler: role name '${role}' cannot go into auth_query literally`);
    }
    return `SELECT username, password FROM pgbouncer.get_auth($1) WHERE username = ANY ('{${allowedRoles.join(",")}}'::text[])`
        + " AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = username AND (r.rolsuper OR r.rolreplication OR r.rolbypassrls))";
}
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

/** PostgreSQL connections one pooler pod may hold: the two processes' caps (auth lookups included, tests/services/pooler.test.ts). */
export function poolerConnectionsPerPod(sizes: Record<PoolMode, Pick<PoolSizes, "maxDbConnections">>): number {
    return sizes.transaction.maxDbConnections + sizes.session.maxDbConnections;
}

/** The pooler's line in the connection budget (components/configured-budget.ts): RollingUpdate with maxSurge 1. */
export function poolerBudgetClient(replicas: number, sizes: Record<PoolMode, Pick<PoolSizes, "maxDbConnections">>) {
    return { label: "pooler", perPod: poolerConnectionsPerPod(sizes), pods: replicas + 1 };
}
