// What an app repo reads to reach its data through the pooler: its login role, the connection
// string templates for both ports, and what transaction pooling asks of its client library.
import { POOLER_DATABASE, POOLER_PORTS, PoolMode, PREPARED_STATEMENTS_SINCE } from "./facts";
import { versionAtLeast } from "./ini";

/**
 * An app's login role for the pooler: LOGIN, NOINHERIT, member of the API roles and of the app's
 * `<schema>_service`, so it holds no privilege until a transaction says `SET LOCAL ROLE` (as
 * PostgREST's authenticator does). RLS then applies per transaction to the role and claims it sets.
 */
export const appLoginRole = (schema: string) => `${schema}_login`;
/** What appLoginRole is granted (the database layer's GrantRole resources). */
export const appLoginMemberships = (schema: string) => ["anon", "authenticated", `${schema}_service`];

export const PASSWORD_PLACEHOLDER = "[PASSWORD]";

/**
 * libpq URLs for one app, the password left as PASSWORD_PLACEHOLDER (a secret output or a command
 * supplies it: withPassword). No TLS is offered by the pooler yet, hence sslmode=disable.
 */
export function appConnectionTemplates(schema: string, host: string): Record<PoolMode, string> {
    const url = (port: number) => `postgresql://${appLoginRole(schema)}:${PASSWORD_PLACEHOLDER}@${host}:${port}/${POOLER_DATABASE}?sslmode=disable`;
    return { transaction: url(POOLER_PORTS.transaction), session: url(POOLER_PORTS.session) };
}

/** A template with its password filled in, percent-encoded as a URL's userinfo needs. */
export function withPassword(template: string, password: string): string {
    if (!template.includes(PASSWORD_PLACEHOLDER)) throw new Error(`pooler: '${template}' has no ${PASSWORD_PLACEHOLDER} to fill in`);
    return template.replace(PASSWORD_PLACEHOLDER, encodeURIComponent(password));
}

/** The note beside the templates in the outputs and docs, for the PgBouncer the release runs. */
export function preparedStatementsNote(pgbouncerVersion: string): string {
    const protocolLevel = versionAtLeast(pgbouncerVersion, PREPARED_STATEMENTS_SINCE)
        ? `PgBouncer ${pgbouncerVersion} keeps protocol-level prepared statements working in transaction mode (max_prepared_statements is set), so drivers that prepare through the extended protocol (node-postgres named queries, pgx, asyncpg, JDBC) work on port ${POOLER_PORTS.transaction}.`
        : `PgBouncer ${pgbouncerVersion} predates ${PREPARED_STATEMENTS_SINCE}: turn prepared statements off in the driver on port ${POOLER_PORTS.transaction} (e.g. Prisma ?pgbouncer=true, asyncpg statement_cache_size=0).`;
    return [
        protocolLevel,
        `SQL-level PREPARE/EXECUTE, session SET, advisory locks, LISTEN and temporary tables do not survive a transaction on port ${POOLER_PORTS.transaction}: the next transaction may run on another server connection, and one a previous client left a plain SET on. Per request, use SET LOCAL / set_config(..., true) inside a transaction.`,
        `Migrations and anything that needs a session use port ${POOLER_PORTS.session} (session mode; DISCARD ALL when the client leaves).`,
    ].join(" ");
}
