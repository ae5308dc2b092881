// What wal-g v2.0.1 reads and does, as the point-in-time recovery rendering relies on it; each fact
// read from wal-g/wal-g at tag v2.0.1 (commit b7d53dd74d92), or from the image that ships it.
// Data only: tests/pitr.test.ts holds every env name the rendering emits against `env.reads`.
//
// Which wal-g the images ship:
// - supabase/postgres 15.1.1.78 builds v2.0.1 (`ARG wal_g_release=2.0.1`, ansible/vars.yml
//   `wal_g_release: "2.0.1"`) from the release tarball into /usr/local/bin/wal-g.
// - 17.6.1.136 is read at upstream f183a83 (sandbox/image-sources.ts says why). There, the only wal-g
//   is nix/packages/wal-g.nix `wal-g-2` = 2.0.1, which the AMI's ansible links as /usr/local/bin/wal-g.
//   Dockerfile-17 installs only `psql_17_slim/bin` and groonga into the Nix profile: the container
//   image ships NO wal-g binary (it still ships the commented wal-g.conf and wal_fetch.sh).
import { EnvVarFact, SourceRef, UnknownFact } from "../../contract-types";

export const WALG_VERSION = "v2.0.1";
export const WALG_COMMIT = "b7d53dd74d92dd92dce224190361ad0607d680e2";

const WALG = (path: string, line?: number): SourceRef => ({ repo: "wal-g/wal-g", tag: WALG_VERSION, path, line });
const CONFIG = (line: number) => WALG("internal/config.go", line);
const S3 = (path: "folder.go" | "session.go", line: number) => WALG(`pkg/storages/s3/${path}`, line);
const PGX = (line: number): SourceRef => ({ repo: "jackc/pgx", tag: "v3.6.0", path: "conn.go", line });
const SEED_IMAGE = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres", tag: "15.1.1.78", path, line });
const V082_IMAGE = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres", tag: "f183a83f0bd0122c9dcc438f17a106533435c963", path, line });

export interface WalgCommandFact {
    usage: string;
    source: SourceRef;
    note?: string;
}

export interface WalgImageFact {
    /** Absolute path of the image's wal-g; absent when the image ships none. */
    binary?: string;
    source: SourceRef;
    note: string;
}

/** A small contract of its own: wal-g is a tool inside an image, not an image (components/contracts/types.ts). */
export interface WalgContract {
    tool: "wal-g";
    repo: "wal-g/wal-g";
    version: string;
    commit: string;
    env: { reads: EnvVarFact[] };
    commands: Record<"walPush" | "walFetch" | "backupPush" | "backupFetch" | "backupList" | "deleteBefore" | "deleteRetain", WalgCommandFact>;
    behaviours: { fact: string; source: SourceRef }[];
    /** Keyed by supabase/postgres tag. */
    images: Record<"15.1.1.78" | "17.6.1.136", WalgImageFact>;
    unknowns: UnknownFact[];
}

export const WALG_CONTRACT: WalgContract = {
    tool: "wal-g",
    repo: "wal-g/wal-g",
    version: WALG_VERSION,
    commit: WALG_COMMIT,
    env: {
        reads: [
            // Storage: the first *_PREFIX found picks the storage (internal/storage_adapter.go:49-56).
            { name: "WALG_S3_PREFIX", required: false, source: WALG("internal/storage_adapter.go", 50), note: "s3://bucket/path. Adapter prefix S3_PREFIX, read as WALG_S3_PREFIX (or WALE_S3_PREFIX); allowed at internal/config.go:273.", aliases: ["WALE_S3_PREFIX"] },
            { name: "WALG_FILE_PREFIX", required: false, source: WALG("internal/storage_adapter.go", 51), note: "A local directory; it must exist (pkg/storages/fs/folder.go:34-38: os.Stat, else \"Folder not exists or is inaccessible\"). Allowed at internal/config.go:329." },
            { name: "AWS_ENDPOINT", required: false, source: S3("folder.go", 22), note: "session.go:141-143: config.WithEndpoint. Unset means AWS." },
            { name: "AWS_REGION", required: false, source: S3("folder.go", 23), note: "session.go:51-64: when unset, AWS endpoints ask s3:GetBucketLocation and any other endpoint gets us-east-1." },
            { name: "AWS_S3_FORCE_PATH_STYLE", required: false, default: "false", source: S3("folder.go", 24), note: "session.go:145-151: strconv.ParseBool; unset leaves the SDK's virtual-host style." },
            { name: "AWS_ACCESS_KEY_ID", required: false, source: S3("folder.go", 25), note: "session.go:110-128: used with AWS_SECRET_ACCESS_KEY as a static provider, ahead of the SDK's default chain.", aliases: ["AWS_ACCESS_KEY"] },
            { name: "AWS_SECRET_ACCESS_KEY", required: false, source: S3("folder.go", 27), aliases: ["AWS_SECRET_KEY"] },
            { name: "WALG_COMPRESSION_METHOD", required: false, default: "lz4", source: CONFIG(163), note: "The image's build adds brotli (Dockerfile ARG, Makefile BUILD_TAGS); the rendering keeps the default." },
            { name: "WALG_PREVENT_WAL_OVERWRITE", required: false, default: "false", source: CONFIG(160), note: "wal-push refuses to replace an archived segment with different content; the rendering sets true (two servers archiving into one prefix is the classic PITR corruption)." },
            { name: "WALG_UPLOAD_CONCURRENCY", required: false, default: "16", source: CONFIG(157) },
            { name: "WALG_DOWNLOAD_CONCURRENCY", required: false, default: "10", source: CONFIG(156) },
            { name: "WALG_DELTA_MAX_STEPS", required: false, default: "0", source: CONFIG(162), note: "0: every backup-push is a full backup; retention counts full backups." },
            { name: "WALG_LIBSODIUM_KEY", required: false, source: CONFIG(58), note: "Encryption; needs the libsodium build tag (the image has it, the services tier's build does not); not rendered." },
            { name: "PGDATA", required: false, source: CONFIG(65), note: "backup-push checks its argument against PGDATA when set (docs/PostgreSQL.md:216); wal-push uses it to find pg_wal (internal/configure.go:168-171)." },
            // libpq-style connection (backup-push; wal-push does not connect): pgx.ParseEnvLibpq.
            { name: "PGHOST", required: false, source: PGX(1293), note: "internal/databases/postgres/connect.go:15-16 calls pgx.ParseEnvLibpq; a socket directory is preferred (docs/PostgreSQL.md:61). The image's socket: /var/run/postgresql (Dockerfile:957)." },
            { name: "PGPORT", required: false, default: "5432", source: PGX(1295) },
            { name: "PGUSER", required: false, source: PGX(1304) },
            { name: "PGPASSWORD", required: false, source: PGX(1305) },
            { name: "PGDATABASE", required: false, source: PGX(1303) },
            { name: "PGSSLMODE", required: false, source: PGX(1323) },
        ],
    },
    commands: {
        walPush: { usage: "wal-g wal-push %p", source: WALG("docs/PostgreSQL.md", 366), note: "archive_command; exit 0 only once the segment is stored." },
        walFetch: { usage: "wal-g wal-fetch %f %p", source: WALG("docs/PostgreSQL.md", 351), note: "restore_command; exits 74 when the segment is not in the archive (docs/PostgreSQL.md:361), which recovery reads as the end of the archive." },
        backupPush: { usage: "wal-g backup-push $PGDATA", source: WALG("docs/PostgreSQL.md", 209), note: "Run beside the server as the postgres user; it connects (PGHOST...) for pg_start_backup and reads the data directory. Without the argument it streams over the replication protocol instead (docs/PostgreSQL.md:222-253), not used here." },
        backupFetch: { usage: "wal-g backup-fetch DIR NAME|LATEST", source: WALG("docs/PostgreSQL.md", 160), note: "Creates DIR if missing. No selector by time at this version: the restore script picks the name." },
        backupList: { usage: "wal-g backup-list [--detail]", source: WALG("internal/backup_list_handler.go", 73), note: "Columns `name modified wal_segment_backup_start` (:75-78), times RFC3339 (internal/backup_list_time_format.go:14-16), oldest first (internal/backup_util.go:110-113). --detail adds start_time finish_time hostname data_dir pg_version start_lsn finish_lsn is_permanent (internal/databases/postgres/backup_list_handler.go:47-54), LSNs as X/Y." },
        deleteBefore: { usage: "wal-g delete before [FIND_FULL] NAME|TIME --confirm", source: WALG("internal/delete_handler.go", 213), note: "Deletes every backup older than the target backup, and the WAL before it; the target is kept. By TIME the target is the first backup at or after TIME (:230-242), so the backup just before TIME is deleted: the retention passes a NAME. Dry run without --confirm (docs/README.md:145)." },
        deleteRetain: { usage: "wal-g delete retain [FULL|FIND_FULL] N --confirm", source: WALG("cmd/pg/delete.go", 35), note: "The README documents `--after NAME|TIME` (docs/README.md:149-152), but PostgreSQL's command runs HandleDeleteRetain (cmd/pg/delete.go:75-85), which has no --after at this tag (only fdb wires HandleDeleteRetainAfter, cmd/fdb/delete.go:86). So count and window cannot be combined by one retain call." },
    },
    behaviours: [
        { fact: "Settings come from the environment (viper AutomaticEnv) and ~/.walg.json or --config; the file's values are copied into the environment.", source: CONFIG(591) },
        { fact: "With no --config, the config search calls user.Current() and fails fatally when the process's uid has no passwd entry (the image's postgres user has one).", source: CONFIG(608) },
        { fact: "A command without any *_PREFIX fails: \"Failed to find any configured storage\".", source: CONFIG(670) },
        { fact: "Backups are ordered by the sentinel's modification time unless --use-sentinel-time (internal/databases/postgres/delete.go:23-45); the retention uses the same `modified` column.", source: WALG("internal/databases/postgres/delete.go", 104) },
    ],
    images: {
        "15.1.1.78": {
            binary: "/usr/local/bin/wal-g",
            source: SEED_IMAGE("Dockerfile", 933),
            note: "ARG wal_g_release=2.0.1 (Dockerfile:40; ansible/vars.yml:41); the release tarball wal-g-pg-ubuntu-20.04 (Dockerfile:860-866), built with brotli and libsodium. /etc/postgresql-custom/wal-g.conf is included by postgresql.conf (Dockerfile:960) and sets hot_standby = off (custom_walg.conf.j2:21), so a server in recovery accepts no connections until it is promoted.",
        },
        "17.6.1.136": {
            source: V082_IMAGE("Dockerfile-17", 38),
            note: "Read at f183a83 (sandbox/image-sources.ts): Dockerfile-17 installs only psql_17_slim/bin (:38) and groonga (:43) into the Nix profile; wal-g-2 (2.0.1, nix/packages/wal-g.nix:74-75, main/pg with brotli and libsodium :38-42) is linked as /usr/local/bin/wal-g only on the AMI (ansible/tasks/setup-wal-g.yml:33-45). The image still ships /etc/postgresql-custom/wal-g.conf (Dockerfile-17:136, hot_standby = off at custom_walg.conf:9) and /home/postgres/wal_fetch.sh (:138), which call a wal-g it lacks.",
        },
    },
    unknowns: [
        {
            fact: "whether supabase/postgres:17.6.1.136 itself ships a wal-g binary",
            why: "No stored copy holds the tag; at f183a83 (17.6.1.084) the container image does not. Check with `docker run --rm --entrypoint sh supabase/postgres:17.6.1.136 -c 'command -v wal-g'`. Until then the v0.8.2 database needs a wal-g supplied beside the image (the renderer refuses to guess a path).",
        },
    ],
};

/** The image's own wal-g, or why there is none to use. */
export function imageWalg(tag: string): { binary: string } | { missing: string } {
    const fact = (WALG_CONTRACT.images as Record<string, WalgImageFact | undefined>)[tag];
    if (!fact) return { missing: `supabase/postgres:${tag} has no wal-g fact in components/services/postgres/pitr/walg-contract.ts; read its Dockerfile and add one` };
    if (!fact.binary) return { missing: `supabase/postgres:${tag} ships no wal-g binary (${fact.source.path}:${fact.source.line} at ${fact.source.tag.slice(0, 12)}); supply one beside the image and pass its path` };
    return { binary: fact.binary };
}
