// supabase/postgres:15.1.1.78. Read at supabase/postgres@15.1.1.78 (Dockerfile, its migrate.sh
// init script) and at docker-library/postgres, whose 15/bullseye/docker-entrypoint.sh the
// Dockerfile downloads from `master` at build time (Dockerfile:974-976). The image does not
// record which revision it got; the entrypoint facts are read at ce5bf6e, the last change to that
// file before the 15.1.1.78 tag (2024-07-15), and are marked as such.
import { ImageContract, SourceRef } from "../../contract-types";

const SUPABASE = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres", tag: "15.1.1.78", path, line });
const ENTRYPOINT = (line: number): SourceRef => ({
    repo: "docker-library/postgres",
    tag: "ce5bf6e7eb8f339b2a8561bf8fb5fe5d4e8c96aa",
    path: "15/bullseye/docker-entrypoint.sh",
    line,
});
const MIGRATE = "migrations/db/migrate.sh";

export const POSTGRES_CONTRACT: ImageContract = {
    service: "postgres",
    image: "supabase/postgres",
    tag: "15.1.1.78",
    env: {
        reads: [
            { name: "POSTGRES_PASSWORD", required: true, source: ENTRYPOINT(224), note: "initdb refuses an empty one unless POSTGRES_HOST_AUTH_METHOD=trust (entrypoint:124); migrate.sh:19 sets supabase_admin's password from it.", aliases: ["POSTGRES_PASSWORD_FILE"] },
            { name: "POSTGRES_PASSWORD_FILE", required: false, source: ENTRYPOINT(224), note: "file_env" },
            { name: "POSTGRES_USER", required: false, default: "postgres", source: ENTRYPOINT(226) },
            { name: "POSTGRES_USER_FILE", required: false, source: ENTRYPOINT(226), note: "file_env" },
            { name: "POSTGRES_DB", required: false, default: "$POSTGRES_USER", source: ENTRYPOINT(227), note: "Also migrate.sh:16 (default postgres)." },
            { name: "POSTGRES_DB_FILE", required: false, source: ENTRYPOINT(227), note: "file_env" },
            { name: "POSTGRES_INITDB_ARGS", required: false, source: ENTRYPOINT(228) },
            { name: "POSTGRES_INITDB_ARGS_FILE", required: false, source: ENTRYPOINT(228), note: "file_env" },
            { name: "POSTGRES_INITDB_WALDIR", required: false, source: ENTRYPOINT(48) },
            { name: "POSTGRES_HOST_AUTH_METHOD", required: false, source: ENTRYPOINT(229), note: "Appended to pg_hba.conf for host connections (entrypoint:239-258)." },
            { name: "PGDATA", required: false, default: "/var/lib/postgresql/data", source: SUPABASE("Dockerfile", 101), note: "Entrypoint creates and chowns it (entrypoint:39-58)." },
            { name: "PGPORT", required: false, default: "5432", source: ENTRYPOINT(270), note: "Port of the init-time server (listen_addresses='')." },
            { name: "PGUSER", required: false, source: ENTRYPOINT(272), note: "pg_ctl during init; defaults to POSTGRES_USER." },
            { name: "PGPASSWORD", required: false, default: "$POSTGRES_PASSWORD", source: ENTRYPOINT(328), note: "For psql while the init scripts run." },
            { name: "POSTGRES_HOST", required: false, default: "/var/run/postgresql", source: SUPABASE(MIGRATE, 17), note: "ENV in Dockerfile:983; migrate.sh's own default is localhost." },
            { name: "POSTGRES_PORT", required: false, default: "5432", source: SUPABASE(MIGRATE, 18) },
            { name: "USE_DBMATE", required: false, source: SUPABASE(MIGRATE, 30) },
            { name: "DATABASE_URL", required: false, source: SUPABASE(MIGRATE, 24), note: "Only when migrate.sh is called with arguments (dbmate)." },
        ],
    },
    ports: [
        // The port is the config file's; PGPORT moves only the init-time server (entrypoint:270).
        { port: 5432, protocol: "TCP", purpose: "PostgreSQL", source: SUPABASE("Dockerfile", 981) },
    ],
    health: [
        { path: "exec", port: 5432, source: SUPABASE("Dockerfile", 979), note: "HEALTHCHECK `pg_isready -U postgres -h localhost`." },
    ],
    // No USER in the Dockerfile: the entrypoint starts as root, prepares PGDATA and
    // /var/run/postgresql, then re-executes itself as postgres with gosu (entrypoint:310-314).
    user: { uid: null, name: "root (drops to postgres via gosu)", source: ENTRYPOINT(313) },
    shippedPaths: [
        { path: "/etc/postgresql", source: SUPABASE("Dockerfile", 944), note: "postgresql.conf, pg_hba.conf, pg_ident.conf, logging.conf (Dockerfile:944-947)." },
        { path: "/etc/postgresql-custom", source: SUPABASE("Dockerfile", 948), note: "supautils.conf, extension-custom-scripts, read-replica.conf, wal-g.conf (Dockerfile:948-952); postgresql.conf includes them (Dockerfile:959-960)." },
        {
            path: "/docker-entrypoint-initdb.d",
            source: SUPABASE("Dockerfile", 968),
            mountsInsideAllowed: true,
            note: "migrate.sh, init-scripts/, migrations/ (Dockerfile:968-970). Built to take extra files: migrate.sh runs every init-scripts/*.sql (migrate.sh:32-35), the entrypoint every top-level file (entrypoint:332).",
        },
        { path: "/usr/lib/postgresql/15/bin", source: SUPABASE("Dockerfile", 100), note: "Server binaries; pgsodium_getkey.sh (Dockerfile:950)." },
        { path: "/usr/local/bin/docker-entrypoint.sh", source: SUPABASE("Dockerfile", 976) },
        { path: "/usr/local/bin/gosu", source: SUPABASE("Dockerfile", 973) },
        { path: "/usr/local/bin/wal-g", source: SUPABASE("Dockerfile", 933) },
        { path: "/home/postgres/wal_fetch.sh", source: SUPABASE("Dockerfile", 953) },
    ],
    writablePaths: [
        { path: "/var/lib/postgresql/data", env: "PGDATA", source: ENTRYPOINT(39) },
        { path: "/var/run/postgresql", source: ENTRYPOINT(44), note: "Unix socket directory (Dockerfile:957)." },
        { path: "/etc/postgresql-custom", source: SUPABASE("ansible/files/pgsodium_getkey_urandom.sh.j2", 5), note: "pgsodium_root.key is created on first start." },
    ],
    entrypoint: {
        command: ["docker-entrypoint.sh"],
        args: ["postgres", "-D", "/etc/postgresql"],
        source: SUPABASE("Dockerfile", 977),
        note: "CMD at Dockerfile:984. Init runs only on an empty PGDATA (entrypoint:317). STOPSIGNAL SIGINT (Dockerfile:980).",
    },
    unknowns: [
        {
            fact: "the exact docker-entrypoint.sh revision in the image",
            why: "Dockerfile:974-976 ADDs it from docker-library/postgres master at build time; the facts above are read at the last revision before the tag.",
        },
        {
            fact: "numeric UID/GID of the postgres user",
            why: "Created by the postgresql-common package install (Dockerfile:94) as a system user; no source states the number. Check with `docker run --rm --entrypoint id supabase/postgres:15.1.1.78 postgres`.",
        },
        {
            fact: "libpq variables read by the shipped client tools (PGHOST, PGDATABASE, ...)",
            why: "They are libpq's (postgres/postgres src/interfaces/libpq), not this image's; not read here. The image's own scripts override PGDATABASE/PGHOST/PGPORT (migrate.sh:16-18) and psql gets --dbname from POSTGRES_DB (entrypoint:197-198).",
        },
    ],
};
