// edoburu/pgbouncer:v1.25.2-p0, the PgBouncer image upstream's self-hosted compose pins for v0.8.2 (supabase/supabase docker/docker-compose.pgbouncer.yml, read at 27291edf and f179badd: `image: edoburu/pgbouncer:v1.25.2-p0`, LISTEN_PORT 6432, POOL_MODE transaction, AUTH_TYPE scram-sha-256, DB_USER postgres with DB_PASSWORD: a userlist with the superuser's password, no auth_query).
// Read at edoburu/docker-pgbouncer@v1.25.2-p0 (commit 0ac4ce5): Dockerfile, entrypoint.sh, README.md.
// PgBouncer itself is not this repository's: the Dockerfile builds pgbouncer-<VERSION>.tar.gz from
// pgbouncer.github.io; what a pgbouncer.ini setting means is PgBouncer's documentation.
import { ImageContract, SourceRef } from "../../contract-types";
import { EDOBURU, EntrypointKey, entrypointReads } from "./entrypoint";

const AT = (path: string, line?: number): SourceRef => ({ repo: EDOBURU, tag: "v1.25.2-p0", path, line });
const ENTRYPOINT = "entrypoint.sh";

/** The PgBouncer release the image builds (Dockerfile `ARG VERSION`). */
export const PGBOUNCER_VERSION = { version: "1.25.2", source: AT("Dockerfile", 2) };

/** [variable, default, line in entrypoint.sh, note]: every variable the entrypoint reads. */
const KEYS: EntrypointKey[] = [
    ["AUTH_FILE", "/etc/pgbouncer/userlist.txt", 11, "Where userlist.txt is (touched if missing, line after). The program leaves it at the default and mounts the file there."],
    ["DB_NAME", "*", 69],
    ["DB_PORT", "5432", 70],
    ["DB_USER", "postgres", 70],
    ["CLIENT_ENCODING", undefined, 71],
    ["LISTEN_ADDR", "0.0.0.0", 114],
    ["LISTEN_PORT", "5432", 115],
    ["AUTH_HBA_FILE", undefined, 119],
    ["AUTH_TYPE", "md5", 120],
    ["AUTH_USER", undefined, 121],
    ["AUTH_QUERY", undefined, 122],
    ["AUTH_DBNAME", undefined, 123],
    ["POOL_MODE", undefined, 124],
    ["MAX_CLIENT_CONN", undefined, 125],
    ["POOL_SIZE", undefined, 126],
    ["DEFAULT_POOL_SIZE", undefined, 127],
    ["MIN_POOL_SIZE", undefined, 128],
    ["RESERVE_POOL_SIZE", undefined, 129],
    ["RESERVE_POOL_TIMEOUT", undefined, 130],
    ["MAX_DB_CONNECTIONS", undefined, 131],
    ["MAX_USER_CONNECTIONS", undefined, 132],
    ["SERVER_ROUND_ROBIN", undefined, 133],
    ["IGNORE_STARTUP_PARAMETERS", "extra_float_digits", 134],
    ["DISABLE_PQEXEC", undefined, 135],
    ["APPLICATION_NAME_ADD_HOST", undefined, 136],
    ["TIMEZONE", undefined, 137],
    ["MAX_PREPARED_STATEMENTS", undefined, 138],
    ["LOG_CONNECTIONS", undefined, 141],
    ["LOG_DISCONNECTIONS", undefined, 142],
    ["LOG_POOLER_ERRORS", undefined, 143],
    ["LOG_STATS", undefined, 144],
    ["STATS_PERIOD", undefined, 145],
    ["VERBOSE", undefined, 146],
    ["ADMIN_USERS", "postgres", 147],
    ["STATS_USERS", undefined, 148],
    ["LOGFILE", undefined, 149],
    ["SERVER_RESET_QUERY", undefined, 152],
    ["SERVER_RESET_QUERY_ALWAYS", undefined, 153],
    ["SERVER_CHECK_DELAY", undefined, 154],
    ["SERVER_CHECK_QUERY", undefined, 155],
    ["SERVER_LIFETIME", undefined, 156],
    ["SERVER_IDLE_TIMEOUT", undefined, 157],
    ["SERVER_CONNECT_TIMEOUT", undefined, 158],
    ["SERVER_LOGIN_RETRY", undefined, 159],
    ["CLIENT_LOGIN_TIMEOUT", undefined, 160],
    ["AUTODB_IDLE_TIMEOUT", undefined, 161],
    ["DNS_MAX_TTL", undefined, 162],
    ["DNS_NXDOMAIN_TTL", undefined, 163],
    ["CLIENT_TLS_SSLMODE", undefined, 166],
    ["CLIENT_TLS_KEY_FILE", undefined, 167],
    ["CLIENT_TLS_CERT_FILE", undefined, 168],
    ["CLIENT_TLS_CA_FILE", undefined, 169],
    ["CLIENT_TLS_PROTOCOLS", undefined, 170],
    ["CLIENT_TLS_CIPHERS", undefined, 171],
    ["CLIENT_TLS_ECDHCURVE", undefined, 172],
    ["CLIENT_TLS_DHEPARAMS", undefined, 173],
    ["SERVER_TLS_SSLMODE", undefined, 174],
    ["SERVER_TLS_CA_FILE", undefined, 175],
    ["SERVER_TLS_KEY_FILE", undefined, 176],
    ["SERVER_TLS_CERT_FILE", undefined, 177],
    ["SERVER_TLS_PROTOCOLS", undefined, 178],
    ["SERVER_TLS_CIPHERS", undefined, 179],
    ["QUERY_TIMEOUT", undefined, 182],
    ["QUERY_WAIT_TIMEOUT", undefined, 183],
    ["CLIENT_IDLE_TIMEOUT", undefined, 184],
    ["IDLE_TRANSACTION_TIMEOUT", undefined, 185],
    ["PKT_BUF", undefined, 186],
    ["MAX_PACKET_SIZE", undefined, 187],
    ["LISTEN_BACKLOG", undefined, 188],
    ["SBUF_LOOPCNT", undefined, 189],
    ["SUSPEND_TIMEOUT", undefined, 190],
    ["TCP_DEFER_ACCEPT", undefined, 191],
    ["TCP_KEEPALIVE", undefined, 192],
    ["TCP_KEEPCNT", undefined, 193],
    ["TCP_KEEPIDLE", undefined, 194],
    ["TCP_KEEPINTVL", undefined, 195],
    ["TCP_USER_TIMEOUT", undefined, 196],
    ["DATABASE_URL", undefined, 83],
    ["DATABASE_URLS", undefined, 77],
    ["DB_PASSWORD", undefined, 55],
    ["DB_HOST", undefined, 69, "`${DB_HOST:?...}`: the entrypoint exits when it renders the ini without it; with a mounted ini it is never read."],
    ["UNIX_SOCKET_DIR", undefined, 116, "Rendered as `unix_socket_dir = ${UNIX_SOCKET_DIR}` (empty: no Unix socket). Only without a mounted ini."],
];

export const POOLER_V1_25_2_P0_CONTRACT: ImageContract = {
    service: "pooler",
    image: "edoburu/pgbouncer",
    tag: "v1.25.2-p0",
    env: { reads: entrypointReads(KEYS, (line) => AT(ENTRYPOINT, line), ["DB_USER", "DB_PASSWORD", "DATABASE_URL", "DATABASE_URLS", "AUTH_TYPE"]) },
    ports: [
        {
            port: 5432, protocol: "TCP", purpose: "PgBouncer (listen_port of the ini the entrypoint renders; a mounted ini sets its own)", env: "LISTEN_PORT",
            source: AT(ENTRYPOINT, 115),
        },
    ],
    health: [
        { path: "tcp", port: 5432, source: AT("Dockerfile", 30), note: "EXPOSE 5432; the port is the ini's listen_port." },
        { path: "exec", port: 0, source: AT("Dockerfile", 21), note: "postgresql-client is installed, so `pg_isready -h 127.0.0.1 -p <listen_port>` works (upstream's compose healthcheck)." },
    ],
    // USER postgres: the user comes from Alpine's postgresql packages; this repository fixes no number.
    user: { uid: null, gid: null, name: "postgres", uidUnstated: true, source: AT("Dockerfile", 31) },
    shippedPaths: [
        { path: "/usr/bin/pgbouncer", source: AT("Dockerfile", 27) },
        { path: "/entrypoint.sh", source: AT("Dockerfile", 26) },
        {
            path: "/etc/pgbouncer", source: AT("Dockerfile", 22), mountsInsideAllowed: true,
            note: "Ships userlist.txt (empty, line 23) and the *.example files (lines 28-29). The README documents mounting pgbouncer.ini (and userlist.txt) here: `-v pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro` (README.md:98-118, \"When the pgbouncer.ini file exists, the startup script will not override it\").",
        },
    ],
    // With pgbouncer.ini and userlist.txt mounted and no DB_USER/DB_PASSWORD, the entrypoint writes
    // nothing (entrypoint.sh:15-17 touches userlist.txt only if missing; 89 renders the ini only if absent).
    // PgBouncer writes a Unix socket only where unix_socket_dir says (the program's ini: none), a
    // pidfile and a logfile only if set (not set: logs go to stderr).
    writablePaths: [],
    entrypoint: {
        command: ["/entrypoint.sh"],
        args: ["/usr/bin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
        source: AT("Dockerfile", 32),
        note: "ENTRYPOINT [\"/entrypoint.sh\"], CMD [\"/usr/bin/pgbouncer\", \"/etc/pgbouncer/pgbouncer.ini\"] (Dockerfile:32-33). The entrypoint renders /etc/pgbouncer/pgbouncer.ini from env only when that file is absent (entrypoint.sh:89), then execs CMD. Its ini has `user = postgres` and `auth_file` but never auth_query unless AUTH_QUERY is set; auth_user/auth_query/auth_dbname are rendered from AUTH_USER/AUTH_QUERY/AUTH_DBNAME.",
    },
    unknowns: [
        {
            fact: "the numeric UID of `postgres`",
            why: "Dockerfile:31 says USER postgres; the user comes from Alpine 3.23 (Dockerfile:19)'s postgresql-client dependencies (docker-library/postgres says 70 is Alpine's standard uid/gid for postgres, citing aports postgresql-common.pre-install). Kubernetes cannot check runAsNonRoot against a named user, so the pod sets runAsUser itself; PgBouncer only reads the mounted files, so any non-root UID works.",
            user: true,
        },
        {
            fact: "PgBouncer's own defaults (pool_mode session, default_pool_size 20, max_client_conn 100, unix_socket_dir /tmp, ...)",
            why: "They are PgBouncer 1.25.2's (pgbouncer/pgbouncer, its doc/config.md), not this repository's; the program's ini sets every one it relies on.",
        },
    ],
};
