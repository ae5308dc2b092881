// pgbouncer.ini for one pooler process, rendered whole by the program and mounted at the path the
// image's CMD reads. edoburu/pgbouncer's entrypoint renders an ini from env only when that file is
// absent (contracts/v1.25.2-p0.ts), so no env variable of the image is set: this text is the config.
import {
    MAX_PREPARED_STATEMENTS, POOLER_AUTH_USER, poolerAuthQuery, POOLER_DATABASE, POOLER_PATHS, POOLER_PORTS, PoolMode, PoolSizes,
    PREPARED_STATEMENTS_SINCE,
} from "./facts";

export interface PgbouncerIniInput {
    /** The database Service's in-cluster name (or an address). */
    databaseHost: string;
    databasePort: number;
    poolMode: PoolMode;
    /** Defaults to POOLER_PORTS[poolMode]. */
    listenPort?: number;
    sizes: PoolSizes;
    authUser?: string;
    /** The login roles clients may use (the apps' `<schema>_login`); everything else is refused. */
    allowedRoles: readonly string[];
    /** userlist.txt, holding authUser's password only. */
    authFile?: string;
    /** The PgBouncer release that reads this file (the image's contract): settings it lacks are left out. */
    pgbouncerVersion: string;
    /** Default 0.0.0.0 (the pod's address); the tests use 127.0.0.1. */
    listenAddr?: string;
}

/** "1.21.0" >= "1.18.0", numerically per part. */
export function versionAtLeast(version: string, minimum: string): boolean {
    const a = version.split(".").map(Number);
    const b = minimum.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
    }
    return true;
}

/** A libpq-style value PgBouncer reads literally: no spaces, quotes or semicolons. */
function plain(key: string, value: string): string {
    if (!/^[A-Za-z0-9._:-]+$/.test(value)) throw new Error(`pooler: ${key} '${value}' cannot go into pgbouncer.ini unquoted; use a host name or address`);
    return value;
}

export function renderPgbouncerIni(input: PgbouncerIniInput): string {
    const port = input.listenPort ?? POOLER_PORTS[input.poolMode];
    const prepared = versionAtLeast(input.pgbouncerVersion, PREPARED_STATEMENTS_SINCE);
    const authUser = input.authUser ?? POOLER_AUTH_USER;
    const lines = [
        `; ${input.poolMode} pooler, rendered by the program (components/services/pooler/ini.ts) for PgBouncer ${input.pgbouncerVersion}.`,
        "[databases]",
        // One entry, the only database clients may name; its pool_mode and cap are this process's.
        `${POOLER_DATABASE} = host=${plain("databaseHost", input.databaseHost)} port=${input.databasePort} dbname=${POOLER_DATABASE}`
            + ` auth_user=${authUser} pool_mode=${input.poolMode} max_db_connections=${input.sizes.maxDbConnections}`,
        "",
        "[pgbouncer]",
        `listen_addr = ${input.listenAddr ?? "0.0.0.0"}`,
        `listen_port = ${port}`,
        // No Unix socket: nothing in the container needs one, and the root filesystem stays read-only.
        "unix_socket_dir =",
        "auth_type = scram-sha-256",
        `auth_file = ${input.authFile ?? POOLER_PATHS.authFile}`,
        `auth_user = ${authUser}`,
        `auth_query = ${poolerAuthQuery(input.allowedRoles)}`,
        `pool_mode = ${input.poolMode}`,
        `default_pool_size = ${input.sizes.defaultPoolSize}`,
        "min_pool_size = 0",
        // No reserve: the budget counts max_db_connections and nothing beyond it.
        "reserve_pool_size = 0",
        `max_db_connections = ${input.sizes.maxDbConnections}`,
        `max_client_conn = ${input.sizes.maxClientConn}`,
        // JDBC and others send it at startup; PgBouncer refuses unknown startup parameters otherwise.
        "ignore_startup_parameters = extra_float_digits",
        // The auth user may read SHOW POOLS / SHOW STATS on the admin console, and change nothing.
        `stats_users = ${authUser}`,
        // Session mode hands a clean connection to the next client; transaction mode never runs it.
        "server_reset_query = DISCARD ALL",
        ...(prepared ? [`max_prepared_statements = ${MAX_PREPARED_STATEMENTS}`] : []),
        "",
    ];
    return lines.join("\n");
}

/** userlist.txt: the auth user's line only (PgBouncer logs in to run auth_query with it). */
export function renderAuthFile(password: string, authUser = POOLER_AUTH_USER): string {
    if (password.includes('"')) throw new Error(`pooler: the ${authUser} password contains a double quote, which userlist.txt cannot hold`);
    return `"${authUser}" "${password}"\n`;
}

/** Both processes' files, keyed as the pooler's ConfigMap holds them. */
export function renderPoolerConfig(base: Omit<PgbouncerIniInput, "poolMode" | "sizes" | "listenPort">, sizes: Record<PoolMode, PoolSizes>): Record<`${PoolMode}.ini`, string> {
    return {
        "transaction.ini": renderPgbouncerIni({ ...base, poolMode: "transaction", sizes: sizes.transaction }),
        "session.ini": renderPgbouncerIni({ ...base, poolMode: "session", sizes: sizes.session }),
    };
}
