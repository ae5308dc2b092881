// supabase/postgres:17.6.1.136. The tag itself could NOT be read: the stored snapshot of
// supabase/postgres stops in 2024-10 (newest tag 16.3.1.010) and the file index holds no version of
// Dockerfile-17 newer than 2024. A third-party note names d156ba65c14694c12cc5e782bc15b9b8ed2d1376 as
// the tag's source commit; no stored copy has that object. So the facts below are read at the nearest
// upstream commit that could be read: f183a83f0bd0122c9dcc438f17a106533435c963 (upstream PR #2046,
// 2026-02-12, ansible/vars.yml postgres17 "17.6.1.084"), as carried by the fork KBVE/postgres (whose
// own changes start after that commit). Each SourceRef says "supabase/postgres" with that commit.
// Files also read there: migrations/db/migrate.sh, migrations/db/init-scripts/*,
// migrations/db/migrations/10000000000000_demote-postgres.sql, ansible/files/pgsodium_getkey_urandom.sh.j2,
// ansible/files/postgresql_config/postgresql.conf.j2. Newer upstream files were read from the index at
// the commits cited (realtime init script, pg_graphql-off migration). The entrypoint is pinned by the
// Dockerfile to docker-library/postgres 889f9447 (Dockerfile-17:162-164), read there.
import { ImageContract, SourceRef } from "../../contract-types";

const NEAREST = "f183a83f0bd0122c9dcc438f17a106533435c963";
const SUPABASE = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres", tag: NEAREST, path, line });
const DOCKERFILE = (line: number): SourceRef => SUPABASE("Dockerfile-17", line);
const ENTRYPOINT = (line: number): SourceRef => ({
    repo: "docker-library/postgres",
    tag: "889f9447cd2dfe21cccfbe9bb7945e3b037e02d8",
    path: "17/bullseye/docker-entrypoint.sh",
    line,
});
const MIGRATE = "migrations/db/migrate.sh";

export const POSTGRES_17_6_1_136_CONTRACT: ImageContract = {
    service: "postgres",
    image: "supabase/postgres",
    tag: "17.6.1.136",
    env: {
        reads: [
            { name: "POSTGRES_PASSWORD", required: true, source: ENTRYPOINT(247), note: "initdb refuses an empty one unless POSTGRES_HOST_AUTH_METHOD=trust (entrypoint:124); migrate.sh:19,36,46 uses it for the postgres role and supabase_admin.", aliases: ["POSTGRES_PASSWORD_FILE"] },
            { name: "POSTGRES_PASSWORD_FILE", required: false, source: ENTRYPOINT(247), note: "file_env" },
            { name: "POSTGRES_USER", required: false, default: "supabase_admin", source: DOCKERFILE(175), note: "ENV in the image (the entrypoint's own default is postgres, entrypoint:249). initdb's bootstrap superuser; migrate.sh connects as supabase_admin (migrate.sh:31), so changing it breaks init." },
            { name: "POSTGRES_USER_FILE", required: false, source: ENTRYPOINT(249), note: "file_env" },
            { name: "POSTGRES_DB", required: false, default: "postgres", source: DOCKERFILE(176), note: "Also migrate.sh:16." },
            { name: "POSTGRES_DB_FILE", required: false, source: ENTRYPOINT(250), note: "file_env" },
            { name: "POSTGRES_INITDB_ARGS", required: false, default: "--allow-group-access --locale-provider=icu --encoding=UTF-8 --icu-locale=en_US.UTF-8", source: DOCKERFILE(177), note: "Used at entrypoint:92." },
            { name: "POSTGRES_INITDB_ARGS_FILE", required: false, source: ENTRYPOINT(251), note: "file_env" },
            { name: "POSTGRES_INITDB_WALDIR", required: false, source: ENTRYPOINT(48) },
            { name: "POSTGRES_HOST_AUTH_METHOD", required: false, source: ENTRYPOINT(252), note: "Appended to PGDATA/pg_hba.conf; the server uses /etc/postgresql/pg_hba.conf (postgresql.conf.j2:44)." },
            { name: "PGDATA", required: false, default: "/var/lib/postgresql/data", source: DOCKERFILE(173), note: "Entrypoint initdb target (entrypoint:39-58). The server itself reads data_directory from postgresql.conf (postgresql.conf.j2:42, fixed /var/lib/postgresql/data), so moving PGDATA alone splits the two." },
            { name: "PGPORT", required: false, default: "5432", source: ENTRYPOINT(301), note: "Port of the init-time server (listen_addresses='')." },
            { name: "PGUSER", required: false, source: ENTRYPOINT(306), note: "pg_ctl during init; defaults to POSTGRES_USER." },
            { name: "PGPASSWORD", required: false, default: "$POSTGRES_PASSWORD", source: ENTRYPOINT(363), note: "For psql while the init scripts run; supabase/supabase docker/volumes/db/roles.sql reads it (UNVERIFIED at v0.8.2)." },
            { name: "POSTGRES_HOST", required: false, default: "/var/run/postgresql", source: DOCKERFILE(174), note: "migrate.sh:17 (its own default localhost)." },
            { name: "POSTGRES_PORT", required: false, default: "5432", source: SUPABASE(MIGRATE, 18) },
            { name: "USE_DBMATE", required: false, source: SUPABASE(MIGRATE, 30) },
            { name: "DATABASE_URL", required: false, source: SUPABASE(MIGRATE, 24), note: "Only when migrate.sh is called with arguments (dbmate)." },
            { name: "PG_MAJOR", required: false, source: ENTRYPOINT(106), note: "Not set by this image; the entrypoint only uses it for 18+ layout checks (entrypoint:106, 260)." },
            { name: "LANG", required: false, default: "en_US.UTF-8", source: DOCKERFILE(178) },
            { name: "LANGUAGE", required: false, default: "en_US:en", source: DOCKERFILE(179) },
            { name: "LC_ALL", required: false, default: "en_US.UTF-8", source: DOCKERFILE(180) },
            { name: "GRN_PLUGINS_DIR", required: false, default: "/usr/lib/groonga/plugins", source: DOCKERFILE(181) },
            { name: "LOCALE_ARCHIVE", required: false, default: "/nix/var/nix/profiles/default/lib/locale/locale-archive", source: DOCKERFILE(183) },
        ],
    },
    ports: [
        { port: 5432, protocol: "TCP", purpose: "PostgreSQL", source: DOCKERFILE(188) },
    ],
    health: [
        { path: "exec", port: 5432, source: DOCKERFILE(186), note: "HEALTHCHECK `pg_isready -U postgres -h localhost`." },
    ],
    // No USER: the entrypoint starts as root, prepares PGDATA and /var/run/postgresql, then
    // re-executes itself as postgres with gosu (entrypoint:343-348). The postgres user is an Alpine
    // system user (`adduser -S`), so its numeric UID is assigned at build time, not stated.
    // No USER in Dockerfile-17: the container starts as root (uid null, as for 15.1.1.78) and the
    // entrypoint drops to postgres, whose number `adduser -S` does not fix (see unknowns).
    user: { uid: null, name: "root (drops to postgres via gosu)", source: ENTRYPOINT(347) },
    shippedPaths: [
        { path: "/etc/postgresql", source: DOCKERFILE(128), note: "postgresql.conf, pg_hba.conf, pg_ident.conf, logging.conf (Dockerfile-17:128-132)." },
        { path: "/etc/postgresql-custom", source: DOCKERFILE(131), note: "conf.d/, supautils.conf, extension-custom-scripts/, wal-g.conf, read-replica.conf (Dockerfile-17:131-137); postgresql.conf includes supautils.conf, wal-g.conf (sed, :145-146), read-replica.conf and include_dir conf.d (postgresql.conf.j2:764,769)." },
        {
            path: "/docker-entrypoint-initdb.d",
            source: DOCKERFILE(157),
            mountsInsideAllowed: true,
            note: "migrate.sh, init-scripts/, migrations/ (Dockerfile-17:157-159). migrate.sh runs every init-scripts/*.sql and migrations/*.sql (migrate.sh:42-51); the entrypoint every top-level file (entrypoint:367).",
        },
        { path: "/nix", source: DOCKERFILE(93), note: "The whole Nix store: server, extensions, client tools, locale archive." },
        { path: "/usr/lib/postgresql/bin", source: DOCKERFILE(113), note: "Symlinks into /nix; pgsodium_getkey.sh (Dockerfile-17:135)." },
        { path: "/usr/share/postgresql", source: DOCKERFILE(120), note: "Share symlinks; extension/pgsodium_getkey (Dockerfile-17:167-168)." },
        { path: "/usr/lib/groonga/plugins", source: DOCKERFILE(96) },
        { path: "/usr/local/bin/docker-entrypoint.sh", source: DOCKERFILE(162) },
        { path: "/usr/local/bin/gosu", source: DOCKERFILE(99) },
        { path: "/home/postgres/wal_fetch.sh", source: DOCKERFILE(138) },
    ],
    writablePaths: [
        { path: "/var/lib/postgresql/data", env: "PGDATA", source: ENTRYPOINT(39) },
        { path: "/var/run/postgresql", source: ENTRYPOINT(44), note: "Unix socket directory (Dockerfile-17:143)." },
        { path: "/etc/postgresql-custom", source: SUPABASE("ansible/files/pgsodium_getkey_urandom.sh.j2", 5), note: "pgsodium_root.key is created on first start by the getkey script (pgsodium and supabase_vault both call it, Dockerfile-17:147-148)." },
    ],
    entrypoint: {
        command: ["docker-entrypoint.sh"],
        args: ["postgres", "-D", "/etc/postgresql"],
        source: DOCKERFILE(185),
        note: "CMD at Dockerfile-17:190 (upstream compose overrides it with `postgres -c config_file=/etc/postgresql/postgresql.conf -c log_min_messages=fatal`, UNVERIFIED at v0.8.2). Init runs only when PGDATA has no PG_VERSION (entrypoint:258, 351). STOPSIGNAL SIGINT (Dockerfile-17:187).",
    },
    unknowns: [
        {
            fact: "the image's source at tag 17.6.1.136 itself",
            why: "No stored copy of supabase/postgres holds that tag or commit d156ba65 (snapshot ends 2024-10; forks end 2026-02). Facts are read at upstream f183a83 (release 17.6.1.084, 2026-02-12). Later changes (e.g. base image alpine:3.21 -> 3.23, migrations dated after 2025-11-21) are not reflected here except where cited.",
        },
        {
            fact: "numeric UID/GID of the postgres user",
            why: "Alpine `addgroup -S postgres && adduser -S -G postgres ...` (Dockerfile-17:86-90) assigns the next free system id at build time; no source states the number. Check with `docker run --rm --entrypoint id supabase/postgres:17.6.1.136 postgres`.",
            user: true,
        },
        {
            fact: "exact set of migrations/db/migrations/*.sql shipped at the tag",
            why: "Read at f183a83 (last 20251121132723). The index holds upstream files dated up to 20261010 (e.g. 20260421000000_pg_graphql-off-by-default.sql, init-scripts/00000000000003-realtime-schema.sql creating supabase_realtime_admin); which of them are in 17.6.1.136 is not stated.",
        },
        {
            fact: "libpq variables read by the shipped client tools (PGHOST, PGDATABASE, ...)",
            why: "They are libpq's, not this image's. migrate.sh overrides PGDATABASE/PGHOST/PGPORT/PGPASSWORD (migrate.sh:16-19).",
        },
    ],
};
