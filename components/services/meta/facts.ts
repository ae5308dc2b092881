// postgres-meta's fixed facts: port, user and the connections it reserves. A leaf.

/** postgres-meta's port (PG_META_PORT), behind Kong at /pg. */
export const META_PORT = 8080;

/**
 * UID 1000: the program's choice, as hardening. The v0.68.0 image (node:16-bullseye-slim) has no
 * USER line and would run as root (contracts/v0.68.0.ts); that base is a floating tag, so no UID of
 * its `node` user is pinned. v0.68.0 writes no files, so no volume is needed for this UID.
 */
export const META_UID = 1000;

/**
 * Connections one meta pod is budgeted: the requests it has in flight. meta's pg pool is `max: 1`
 * (DEFAULT_POOL_CONFIG, supabase/postgres-meta@v0.68.0:src/server/constants.ts:28, @v0.98.0:69-70),
 * but every route builds its own `new PostgresMeta({ ...DEFAULT_POOL_CONFIG, connectionString })`
 * per request and ends it after answering (v0.68.0 src/server/routes/query.ts:23-25, 40 such calls
 * under src/server/routes; v0.98.0 query.ts:25-31, 68 calls); src/lib/db.ts makes a `new pg.Pool`
 * per PostgresMeta (v0.68.0:33, v0.98.0:110). So N concurrent requests hold N connections, and
 * nothing in meta bounds N: no concurrency limit in its Fastify server at either tag (the v0.98.0
 * format pool bounds worker threads, not connections). The budget reserves this many per pod for
 * the dashboard's parallel requests (the services tier measures N requests holding N connections);
 * past it they come out of the admin margin. Equal to DATABASE_POOLS["supabase/postgres-meta"]
 * in the policy pack (policies/rules/connections.ts), which imports nothing.
 */
export const META_DB_CONNECTIONS = 10;
