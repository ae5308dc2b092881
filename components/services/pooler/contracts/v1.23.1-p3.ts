// edoburu/pgbouncer:v1.23.1-p3, the PgBouncer image chosen for the seed release (releases.ts says why).
// Read at edoburu/docker-pgbouncer@v1.23.1-p3 (commit 078df15): Dockerfile, entrypoint.sh, README.md.
// PgBouncer itself is not this repository's: the Dockerfile builds pgbouncer-<VERSION>.tar.gz from
// pgbouncer.github.io; what a pgbouncer.ini setting means is PgBouncer's documentation.
import { ImageContract, SourceRef } from "../../contract-types";
import { EDOBURU, EntrypointKey, entrypointReads } from "./entrypoint";

const AT = (path: string, line?: number): SourceRef => ({ repo: EDOBURU, tag: "v1.23.1-p3", path, line });
const ENTRYPOINT = "entrypoint.sh";

/** The PgBouncer release the image builds (Dockerfile `ARG VERSION`). */
export const PGBOUNCER_VERSION = { version: "1.23.1", source: AT("Dockerfile", 2) };

/** [variable, default, line in entrypoint.sh, note]: every variable the entrypoint reads. */
const KEYS: EntrypointKey[] = [
    ["AUTH_FILE", "/etc/pgbouncer/userlist.txt", 42, "Where userlist.txt is (touched if missing, line after). The program leaves it at the default and mounts the file there."],
    ["DB_NAME", "*", 69],
    ["DB_PORT", "5432", 70],
    ["DB_USER", "postgres", 70],
    ["CLIENT_ENCODING", undefined, 71],
    ["LISTEN_ADDR", "0.0.0.0", 74],
    ["LISTEN_PORT", "5432", 75],
    ["AUTH_HBA_FILE", undefined, 79],
    ["AUTH_TYPE", "md5", 80],
    ["AUTH_USER", undefined, 81],
    ["AUTH_QUERY", undefined, 82],
    ["AUTH_DBNAME", undefined, 83],
    ["POOL_MODE", undefined, 84],
    ["MAX_CLIENT_CONN", undefined, 85],
    ["POOL_SIZE", undefined, 86],
    ["DEFAULT_POOL_SIZE", undefined, 87],
    ["MIN_POOL_SIZE", undefined, 88],
    ["RESERVE_POOL_SIZE", undefined, 89],
    ["RESERVE_POOL_TIMEOUT", undefined, 90],
    ["MAX_DB_CONNECTIONS", undefined, 91],
    ["MAX_USER_CONNECTIONS", undefined, 92],
    ["SERVER_ROUND_ROBIN", undefined, 93],
    ["IGNORE_STARTUP_PARAMETERS", "extra_float_digits", 94],
    ["DISABLE_PQEXEC", undefined, 95],
    ["APPLICATION_NAME_ADD_HOST", undefined, 96],
    ["TIMEZONE", undefined, 97],
    ["MAX_PREPARED_STATEMENTS", undefined, 98],
    ["LOG_CONNECTIONS", undefined, 101],
    ["LOG_DISCONNECTIONS", undefined, 102],
    ["LOG_POOLER_ERRORS", undefined, 103],
    ["LOG_STATS", undefined, 104],
    ["STATS_PERIOD", undefined, 105],
    ["VERBOSE", undefined, 106],
    ["ADMIN_USERS", "postgres", 107],
    ["STATS_USERS", undefined, 108],
    ["SERVER_RESET_QUERY", undefined, 111],
    ["SERVER_RESET_QUERY_ALWAYS", undefined, 112],
    ["SERVER_CHECK_DELAY", undefined, 113],
    ["SERVER_CHECK_QUERY", undefined, 114],
    ["SERVER_LIFETIME", undefined, 115],
    ["SERVER_IDLE_TIMEOUT", undefined, 116],
    ["SERVER_CONNECT_TIMEOUT", undefined, 117],
    ["SERVER_LOGIN_RETRY", undefined, 118],
    ["CLIENT_LOGIN_TIMEOUT", undefined, 119],
    ["AUTODB_IDLE_TIMEOUT", undefined, 120],
    ["DNS_MAX_TTL", undefined, 121],
    ["DNS_NXDOMAIN_TTL", undefined, 122],
    ["CLIENT_TLS_SSLMODE", undefined, 125],
    ["CLIENT_TLS_KEY_FILE", undefined, 126],
    ["CLIENT_TLS_CERT_FILE", undefined, 127],
    ["CLIENT_TLS_CA_FILE", undefined, 128],
    ["CLIENT_TLS_PROTOCOLS", undefined, 129],
    ["CLIENT_TLS_CIPHERS", undefined, 130],
    ["CLIENT_TLS_ECDHCURVE", undefined, 131],
    ["CLIENT_TLS_DHEPARAMS", undefined, 132],
    ["SERVER_TLS_SSLMODE", undefined, 133],
    ["SERVER_TLS_CA_FILE", undefined, 134],
    ["SERVER_TLS_KEY_FILE", undefined, 135],
    ["SERVER_TLS_CERT_FILE", undefined, 136],
    ["SERVER_TLS_PROTOCOLS", undefined, 137],
    ["SERVER_TLS_CIPHERS", undefined, 138],
    ["QUERY_TIMEOUT", undefined, 141],
    ["QUERY_WAIT_TIMEOUT", undefined, 142],
    ["CLIENT_IDLE_TIMEOUT", undefined, 143],
    ["IDLE_TRANSACTION_TIMEOUT", undefined, 144],
    ["PKT_BUF", undefined, 145],
    ["MAX_PACKET_SIZE", undefined, 146],
    ["LISTEN_BACKLOG", undefined, 147],
    ["SBUF_LOOPCNT", undefined, 148],
    ["SUSPEND_TIMEOUT", undefined, 149],
    ["TCP_DEFER_ACCEPT", undefined, 150],
    ["TCP_KEEPALIVE", undefined, 151],
    ["TCP_KEEPCNT", undefined, 152],
    ["TCP_KEEPIDLE", undefined, 153],
    ["TCP_KEEPINTVL", undefined, 154],
    ["TCP_USER_TIMEOUT", undefined, 155],
    ["DATABASE_URL", undefined, 11],
    ["DB_PASSWORD", undefined, 50],
    ["DB_HOST", undefined, 69, "`${DB_HOST:?...}`: the entrypoint exits when it renders the ini without it; with a mounted ini it is never read."],
    ["UNIX_SOCKET_DIR", undefined, 76, "Rendered as `unix_socket_dir = ${UNIX_SOCKET_DIR}` (empty: no Unix socket). Only without a mounted ini."],
];

export const POOLER_V1_23_1_P3_CONTRACT: ImageContract = {
    service: "pooler",
    image: "edoburu/pgbouncer",
    tag: "v1.23.1-p3",
    env: { reads: entrypointReads(KEYS, (line) => AT(ENTRYPOINT, line), ["DB_USER", "DB_PASSWORD", "DATABASE_URL", "AUTH_TYPE"]) },
    ports: [
        {
            port: 5432, protocol: "TCP", purpose: "PgBouncer (listen_port of the ini the entrypoint renders; a mounted ini sets its own)", env: "LISTEN_PORT",
            source: AT(ENTRYPOINT, 75),
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
            note: "Ships userlist.txt (empty, line 23) and the *.example files (lines 28-29). The README documents mounting pgbouncer.ini (and userlist.txt) here: `-v pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro` (README.md:88-108, \"When the pgbouncer.ini file exists, the startup script will not override it\").",
        },
    ],
    // With pgbouncer.ini and userlist.txt mounted and no DB_USER/DB_PASSWORD, the entrypoint writes
    // nothing (entrypoint.sh:46-48 touches userlist.txt only if missing; 60 renders the ini only if absent).
    // PgBouncer writes a Unix socket only where unix_socket_dir says (the program's ini: none), a
    // pidfile and a logfile only if set (not set: logs go to stderr).
    writablePaths: [],
    entrypoint: {
        command: ["/entrypoint.sh"],
        args: ["/usr/bin/pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
        source: AT("Dockerfile", 32),
        note: "ENTRYPOINT [\"/entrypoint.sh\"], CMD [\"/usr/bin/pgbouncer\", \"/etc/pgbouncer/pgbouncer.ini\"] (Dockerfile:32-33). The entrypoint renders /etc/pgbouncer/pgbouncer.ini from env only when that file is absent (entrypoint.sh:60), then execs CMD. Its ini has `user = postgres` and `auth_file` but never auth_query unless AUTH_QUERY is set; auth_user/auth_query/auth_dbname are rendered from AUTH_USER/AUTH_QUERY/AUTH_DBNAME.",
    },
    unknowns: [
        {
            fact: "the numeric UID of `postgres`",
            why: "Dockerfile:31 says USER postgres; the user comes from Alpine 3.20 (Dockerfile:19)'s postgresql-client dependencies (docker-library/postgres says 70 is Alpine's standard uid/gid for postgres, citing aports postgresql-common.pre-install). Kubernetes cannot check runAsNonRoot against a named user, so the pod sets runAsUser itself; PgBouncer only reads the mounted files, so any non-root UID works.",
            user: true,
        },
        {
            fact: "PgBouncer's own defaults (pool_mode session, default_pool_size 20, max_client_conn 100, unix_socket_dir /tmp, ...)",
            why: "They are PgBouncer 1.23.1's (pgbouncer/pgbouncer, its doc/config.md), not this repository's; the program's ini sets every one it relies on.",
        },
    ],
};
