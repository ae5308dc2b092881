// What continuous archiving and point-in-time recovery run, rendered from PitrSettings: the wal-g
// env, the postgresql settings, and the shell scripts of the base backup, the retention and the
// restore. docs/runbooks/pitr-restore.md shows these scripts verbatim (tests/pitr.test.ts checks
// that) and tests/services/pitr.test.ts runs them against real PostgreSQL 15 and 17 with wal-g.
//
// Scripts avoid `$(` and `$$`, as components/backup-commands.ts does: Kubernetes expands `$(VAR)`
// and collapses `$$` in a container's command and args before the shell sees them. They call
// `wal-g` from PATH and read their inputs from the environment, so one text serves the CronJob,
// the restore Job, the runbook and the test. Every wal-g fact: ./walg-contract.ts.
import { PitrSettings, windowSeconds } from "./settings";

/** An env var of the wal-g processes: a literal, or the value of another variable of the container. */
export type WalgEnvVar = { name: string; value: string } | { name: string; fromEnv: string };

/** How wal-g reaches the server for backup-push (libpq variables); the image's socket and superuser. */
export interface WalgConnection {
    /** Socket directory or host: /var/run/postgresql in both images (unix_socket_directories). */
    host: string;
    port: number;
    user: string;
    database: string;
    /** The variable holding the user's password in the container (the program sets PGPASSWORD). */
    passwordEnv?: string;
}

export const IMAGE_CONNECTION: WalgConnection = {
    host: "/var/run/postgresql", port: 5432, user: "supabase_admin", database: "postgres", passwordEnv: "PGPASSWORD",
};

/** The storage part of the env: where the archive is and how to reach it. */
export function walgStorageEnv(target: PitrSettings["target"]): WalgEnvVar[] {
    if (target.s3) {
        const s3 = target.s3;
        const prefix = s3.prefix.replace(/^\/+|\/+$/g, "");
        return [
            { name: "WALG_S3_PREFIX", value: `s3://${s3.bucket}/${prefix}` },
            ...(s3.endpoint ? [{ name: "AWS_ENDPOINT", value: s3.endpoint }] : []),
            { name: "AWS_REGION", value: s3.region },
            { name: "AWS_S3_FORCE_PATH_STYLE", value: String(s3.forcePathStyle ?? false) },
            s3.accessKeyIdEnv === "AWS_ACCESS_KEY_ID" ? undefined : { name: "AWS_ACCESS_KEY_ID", fromEnv: s3.accessKeyIdEnv },
            s3.secretAccessKeyEnv === "AWS_SECRET_ACCESS_KEY" ? undefined : { name: "AWS_SECRET_ACCESS_KEY", fromEnv: s3.secretAccessKeyEnv },
        ].filter((v): v is WalgEnvVar => v !== undefined);
    }
    if (target.volume) return [{ name: "WALG_FILE_PREFIX", value: target.volume.path.replace(/\/+$/, "") }];
    throw new Error("pitr: no target (validate with pitrProblems first)");
}

/** Every variable the server (for archive_command), the base-backup and the restore processes need. */
export function walgEnv(settings: PitrSettings, connection: WalgConnection = IMAGE_CONNECTION): WalgEnvVar[] {
    return [
        ...walgStorageEnv(settings.target),
        // Two servers archiving into one prefix (a restored copy left running) must fail, not overwrite.
        { name: "WALG_PREVENT_WAL_OVERWRITE", value: "true" },
        { name: "PGHOST", value: connection.host },
        { name: "PGPORT", value: String(connection.port) },
        { name: "PGUSER", value: connection.user },
        { name: "PGDATABASE", value: connection.database },
        ...(connection.passwordEnv && connection.passwordEnv !== "PGPASSWORD" ? [{ name: "PGPASSWORD", fromEnv: connection.passwordEnv }] : []),
    ];
}

/** For a Kubernetes container: `fromEnv` as a dependent variable `$(NAME)`, which must be defined earlier in the list. */
export function kubernetesEnv(vars: WalgEnvVar[]): { name: string; value: string }[] {
    return vars.map((v) => ("value" in v ? { name: v.name, value: v.value } : { name: v.name, value: `$(${v.fromEnv})` }));
}

/** For a process started here: literal values, each `fromEnv` read from `from`. */
export function processEnv(vars: WalgEnvVar[], from: NodeJS.ProcessEnv): Record<string, string> {
    const out: Record<string, string> = {};
    for (const v of vars) {
        const value = "value" in v ? v.value : from[v.fromEnv];
        if (value === undefined) throw new Error(`pitr: ${v.name} comes from ${"fromEnv" in v ? v.fromEnv : ""}, which is not set`);
        out[v.name] = value;
    }
    return out;
}

const quoteConf = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** archive_command: the image's wal-g, the segment path PostgreSQL substitutes for %p. */
export const archiveCommand = (walg: string) => `${walg} wal-push "%p"`;
/** restore_command of the recovery: wal-g on the restoring server's PATH. */
export const RESTORE_COMMAND = 'wal-g wal-fetch "%f" "%p"';

/**
 * The server settings of continuous archiving (archive_mode needs a restart; the others a reload).
 * `walg` is the absolute path of the image's wal-g (walg-contract.ts imageWalg), or of one supplied beside it.
 */
export function archivingSettings(settings: PitrSettings, walg: string): Record<string, string> {
    return {
        archive_mode: "on",
        archive_command: archiveCommand(walg),
        archive_timeout: String(settings.archiveTimeoutSeconds),
        // Archiving needs replica or more; both images run logical (postgresql.conf.j2:205), which includes it.
    };
}

/** `-c name=value` arguments for the postgres command line (they override postgresql.conf and postgresql.auto.conf). */
export function commandLineSettings(values: Record<string, string>): string[] {
    return Object.entries(values).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
}

/** postgresql.conf lines of the same settings. */
export function configurationLines(values: Record<string, string>): string[] {
    return Object.entries(values).map(([name, value]) => `${name} = ${quoteConf(value)}`);
}

/** The environment of the retention script (the CronJob sets these beside walgEnv). */
export function retentionEnv(settings: PitrSettings): { name: string; value: string }[] {
    return [
        { name: "PITR_RETAIN_FULL", value: String(settings.retention.fullBackups) },
        { name: "PITR_WINDOW_SECONDS", value: String(windowSeconds(settings)) },
    ];
}

/** The base backup: the running server's data directory, read beside it as the postgres user. */
export const BASE_BACKUP_SCRIPT = [
    "set -eu",
    ': "${PGDATA:?PGDATA must name the running server\'s data directory}"',
    'wal-g backup-push "$PGDATA"',
].join("\n");

/**
 * Retention that keeps both: at least PITR_RETAIN_FULL full backups, and every second of the last
 * PITR_WINDOW_SECONDS restorable. The window's oldest second needs the newest backup finished before
 * it, so the script keeps the older of (the PITR_RETAIN_FULL-th newest backup) and (the newest backup
 * whose `modified` time is at or before now - window; the oldest backup when none is), and deletes
 * everything before that one with `delete before FIND_FULL NAME` (backups and the WAL before it).
 * wal-g v2.0.1's PostgreSQL `delete retain` has no --after, and `delete before TIME` keeps the first
 * backup after TIME, not the one the window needs (walg-contract.ts).
 */
export const RETENTION_SCRIPT = [
    "set -eu",
    ': "${PITR_RETAIN_FULL:?}" "${PITR_WINDOW_SECONDS:?}"',
    "now=`date -u +%s`",
    'cutoff=`expr "$now" - "$PITR_WINDOW_SECONDS"`',
    'cutoff=`date -u -d "@$cutoff" +%Y-%m-%dT%H:%M:%SZ`',
    // backup-list: a header, then `name modified wal_segment_backup_start`, oldest first; TZ=UTC so
    // that `modified` is written with Z and compares as text with the cutoff.
    "list=`TZ=UTC wal-g backup-list`",
    'keep=`printf \'%s\\n\' "$list" | awk -v cutoff="$cutoff" -v n="$PITR_RETAIN_FULL" \'',
    "  NR > 1 && $1 ~ /^base_/ { k++; name[k] = $1; if ($2 <= cutoff) anchor = k }",
    "  END { if (k == 0) exit; if (anchor == 0) anchor = 1; bycount = k - n + 1; if (bycount < 1) bycount = 1;",
    "        print name[anchor < bycount ? anchor : bycount] }'`",
    'if [ -z "$keep" ]; then echo "pitr retention: no base backup yet, nothing to delete"; exit 0; fi',
    'echo "pitr retention: keeping $keep and everything after it (at least $PITR_RETAIN_FULL full backups; restorable back to $cutoff)"',
    'wal-g delete before FIND_FULL "$keep" --confirm',
].join("\n");

/**
 * Restore, step 1: the base backup to start from, for PITR_TARGET_TIME (RFC3339 UTC, e.g.
 * 2026-12-07T14:04:00Z) or PITR_TARGET_LSN (e.g. 0/3000060): the newest backup finished at or
 * before the target. Prints its name; fails when there is none (the target predates every backup).
 */
export const SELECT_BACKUP_SCRIPT = [
    "set -eu",
    'if [ -n "${PITR_TARGET_TIME:-}" ] && [ -n "${PITR_TARGET_LSN:-}" ]; then echo "set PITR_TARGET_TIME or PITR_TARGET_LSN, not both" >&2; exit 1; fi',
    'if [ -n "${PITR_TARGET_TIME:-}" ]; then',
    '  if ! echo "$PITR_TARGET_TIME" | grep -Eq \'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\'; then echo "PITR_TARGET_TIME must be UTC in RFC 3339 with seconds, e.g. 2026-12-07T14:04:00Z" >&2; exit 1; fi',
    "  backup=`TZ=UTC wal-g backup-list | awk -v t=\"$PITR_TARGET_TIME\" 'NR > 1 && $1 ~ /^base_/ && $2 <= t && $2 >= best { best = $2; b = $1 } END { print b }'`",
    'elif [ -n "${PITR_TARGET_LSN:-}" ]; then',
    // LSN X/Y as one number: X * 2^32 + Y (hex halves through printf, as POSIX sh can).
    "  lsn() { expr `printf '%d' \"0x${1%/*}\"` \\* 4294967296 + `printf '%d' \"0x${1#*/}\"`; }",
    '  target=`lsn "$PITR_TARGET_LSN"`; backup=""; best=-1',
    "  for pair in `TZ=UTC wal-g backup-list --detail | awk 'NR > 1 && $1 ~ /^base_/ { f = NF - 1; print $1 \",\" $f }'`; do",
    '    at=`lsn "${pair#*,}"`',
    '    if [ "$at" -le "$target" ] && [ "$at" -gt "$best" ]; then best=$at; backup=${pair%,*}; fi',
    "  done",
    "else",
    '  echo "set PITR_TARGET_TIME (e.g. 2026-12-07T14:04:00Z) or PITR_TARGET_LSN (e.g. 0/3000060)" >&2; exit 1',
    "fi",
    'if [ -z "$backup" ]; then echo "no base backup finished before the target: it lies outside the recovery window" >&2; exit 1; fi',
    'echo "$backup"',
].join("\n");

/**
 * Restore, step 2: that backup into PITR_RESTORE_PGDATA, a NEW empty directory on a new volume, and
 * the recovery settings beside it. Never the live data directory: refused when it holds a database
 * or is this container's PGDATA. The server started on it replays the archive up to the target and
 * is promoted there; it does not archive (archive_mode off) until it is switched in.
 */
export const RESTORE_SCRIPT = [
    "set -eu",
    ': "${PITR_RESTORE_PGDATA:?}" "${PITR_BACKUP:?run the select step first and set PITR_BACKUP to the name it printed}"',
    'if [ "$PITR_RESTORE_PGDATA" = "${PGDATA:-}" ]; then echo "refusing: $PITR_RESTORE_PGDATA is this server\'s live data directory; restore into a new volume" >&2; exit 1; fi',
    'if [ -e "$PITR_RESTORE_PGDATA/PG_VERSION" ]; then echo "refusing: $PITR_RESTORE_PGDATA already holds a database; restore into a new, empty volume" >&2; exit 1; fi',
    'wal-g backup-fetch "$PITR_RESTORE_PGDATA" "$PITR_BACKUP"',
    "{",
    // The restored server runs restore_command: wal-g from its PATH, or PITR_WALG (a supplied copy, off PATH).
    `  echo "restore_command = '\${PITR_WALG:-wal-g} ${RESTORE_COMMAND.replace(/^wal-g /, "").replace(/"/g, '\\"')}'"`,
    // PostgreSQL 15 refused the `Z` of RFC 3339 in recovery_target_time at start-up ("invalid value"):
    // the same instant is written with a numeric offset.
    '  if [ -n "${PITR_TARGET_TIME:-}" ]; then',
    "    at=`echo \"$PITR_TARGET_TIME\" | sed 's/T/ /; s/Z$/+00/'`",
    '    echo "recovery_target_time = \'$at\'"',
    '  else echo "recovery_target_lsn = \'$PITR_TARGET_LSN\'"; fi',
    "  echo \"recovery_target_action = 'promote'\"",
    // The backup's own timeline: a trial restore promoted earlier must not lead this one astray.
    "  echo \"recovery_target_timeline = 'current'\"",
    "  echo \"archive_mode = 'off'\"",
    '} >> "$PITR_RESTORE_PGDATA/postgresql.auto.conf"',
    'touch "$PITR_RESTORE_PGDATA/recovery.signal"',
    'chmod 700 "$PITR_RESTORE_PGDATA"',
    'echo "restored $PITR_BACKUP into $PITR_RESTORE_PGDATA; start PostgreSQL on it to replay to the target"',
].join("\n");

/** The scripts by the name the runbook's fenced blocks carry (```sh pitr:<name>). */
export const PITR_SCRIPTS = {
    "base-backup": BASE_BACKUP_SCRIPT,
    retention: RETENTION_SCRIPT,
    "select-backup": SELECT_BACKUP_SCRIPT,
    restore: RESTORE_SCRIPT,
} as const;
export type PitrScriptName = keyof typeof PITR_SCRIPTS;

/** Restore, step 3 (after PostgreSQL started on the restored directory): recovery must have ended. */
export const CHECK_RESTORED_SQL = "SELECT pg_is_in_recovery() AS in_recovery, now() AS checked_at";
