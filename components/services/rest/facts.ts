// PostgREST's fixed facts: ports, user and pool. A leaf.

/** PostgREST's API port (PGRST_SERVER_PORT), behind Kong at /rest/v1. */
export const REST_PORT = 3000;

/** UID 1000: the official image is built by nix with `User = "1000"` (postgrest nix/tools/docker). */
export const POSTGREST_UID = 1000;

/** PGRST_DB_POOL, set explicitly so the connection budget does not depend on a release default. */
export const POSTGREST_DB_POOL = 10;

/**
 * The admin server (PostgREST ≥ 9.0.0.20220107) serves /live and /ready on its own port, so
 * probes never touch the API port or the database through a request.
 */
export const POSTGREST_ADMIN_PORT = 3001;

/** The connection PostgREST holds outside its pool: LISTEN pgrst, for schema-cache reloads. */
export const POSTGREST_LISTENER = 1;
