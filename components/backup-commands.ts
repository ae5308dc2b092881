// The commands of a logical backup and its restore, as plain data. The CronJob runs exactly what
// dumpCommand returns, the restore runbook runs restoreScript, and tests/day2/backup-restore.test.ts
// runs both against real PostgreSQL 15 servers; so what is tested is what runs in the cluster.
//
// The scripts avoid `$(` and `$$`: Kubernetes expands `$(VAR)` and collapses `$$` in a
// container's command and args before the shell sees them.
import * as crypto from "crypto";

/** Supabase schemas every dump carries besides the app schemas: users, sessions, bucket metadata. */
export const PLATFORM_SCHEMAS = ["auth", "storage"] as const;

/** Files of one backup directory (`<BACKUP_DIR>/<UTC timestamp>/`). */
export const BACKUP_FILES = { roles: "roles.sql", database: "database.dump" } as const;

/** Schemas a dump of this platform contains, in a stable order. */
export function dumpedSchemas(apps: string[]): string[] {
    return [...PLATFORM_SCHEMAS, ...apps];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * argv of the dump. Reads the libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD),
 * BACKUP_DIR and BACKUP_RETAIN from the environment and writes `<BACKUP_DIR>/<stamp>/`:
 * - roles.sql: every role with its attributes and memberships, no password hashes (login roles
 *   keep the passwords the target already has); each CREATE ROLE tolerates an existing role, so
 *   it applies to a fresh platform whose image already created the Supabase roles.
 * - database.dump: one pg_dump archive (one consistent snapshot) of auth, storage and the app
 *   schemas: tables, rows, grants, RLS policies, functions.
 * The directory appears only when complete; then all but the newest BACKUP_RETAIN are deleted.
 */
export function dumpCommand(apps: string[]): string[] {
    const schemaFlags = dumpedSchemas(apps).map((s) => `--schema=${shellQuote(s)}`).join(" ");
    const script = [
        "set -eu",
        ': "${BACKUP_DIR:?}" "${BACKUP_RETAIN:?}"',
        "stamp=`date -u +%Y%m%dT%H%M%SZ`",
        'out="$BACKUP_DIR/$stamp"',
        'if [ -e "$out" ]; then echo "backup $out already exists" >&2; exit 1; fi',
        'rm -rf "$BACKUP_DIR"/*.partial',
        'mkdir -p "$out.partial"',
        `pg_dumpall --roles-only --no-role-passwords --file="$out.partial/roles.raw.sql"`,
        `sed -E 's/^CREATE ROLE (.+);$/DO $r$ BEGIN CREATE ROLE \\1; EXCEPTION WHEN duplicate_object THEN NULL; END $r$;/' ` +
            `"$out.partial/roles.raw.sql" > "$out.partial/${BACKUP_FILES.roles}"`,
        'rm "$out.partial/roles.raw.sql"',
        `pg_dump --format=custom ${schemaFlags} --file="$out.partial/${BACKUP_FILES.database}"`,
        'mv "$out.partial" "$out"',
        "first_old=`expr \"$BACKUP_RETAIN\" + 1`",
        'ls -1d "$BACKUP_DIR"/*Z | sort -r | tail -n "+$first_old" | while read -r old; do rm -rf "$old"; echo "deleted old backup $old"; done',
        'echo "backup $out complete"',
    ].join("\n");
    return ["sh", "-c", script];
}

/**
 * The restore, as a shell script. Reads RESTORE_FROM (one backup directory) and the libpq
 * variables; must connect as a superuser (supabase_admin). In ONE transaction it applies the
 * roles, drops the dumped schemas (CASCADE: what the image and GoTrue created on a fresh
 * platform, or the damaged state) and recreates them from the archive. Any error rolls it all back.
 */
export function restoreScript(apps: string[]): string {
    const drops = dumpedSchemas(apps).reverse().map((s) => `DROP SCHEMA IF EXISTS ${quoteIdent(s)} CASCADE;`).join(" ");
    return [
        "#!/bin/sh",
        "# Restores one logical backup; see docs/runbooks/restore.md.",
        "set -eu",
        'from="${RESTORE_FROM:?set RESTORE_FROM to one backup directory, e.g. /backups/20260101T023000Z}"',
        `for f in ${BACKUP_FILES.roles} ${BACKUP_FILES.database}; do [ -f "$from/$f" ] || { echo "$from/$f is missing" >&2; exit 1; }; done`,
        "work=`mktemp -d`",
        "trap 'rm -rf \"$work\"' EXIT",
        `pg_restore --file="$work/database.sql" "$from/${BACKUP_FILES.database}"`,
        "psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --single-transaction \\",
        `  --file="$from/${BACKUP_FILES.roles}" \\`,
        `  --command=${shellQuote(drops)} \\`,
        '  --file="$work/database.sql"',
        'echo "restored $from"',
        "",
    ].join("\n");
}

/** argv that runs the restore script (what the runbook's Job and the test execute). */
export function restoreCommand(apps: string[]): string[] {
    return ["sh", "-c", restoreScript(apps)];
}

/**
 * argv of the S3 upload container: copies every finished backup directory under BACKUP_DIR to
 * s3://S3_BUCKET/S3_PREFIX/<stamp>/, then deletes all but the newest BACKUP_RETAIN there.
 * S3_ENDPOINT (optional) points the AWS CLI at a self-hosted S3.
 */
export function uploadCommand(): string[] {
    const script = [
        "set -eu",
        ': "${BACKUP_DIR:?}" "${BACKUP_RETAIN:?}" "${S3_BUCKET:?}" "${S3_PREFIX:?}"',
        'set -- s3',
        'if [ -n "${S3_ENDPOINT:-}" ]; then set -- --endpoint-url "$S3_ENDPOINT" s3; fi',
        'base="s3://$S3_BUCKET/$S3_PREFIX"',
        'for dir in "$BACKUP_DIR"/*Z; do',
        '  [ -d "$dir" ] || { echo "no backup to upload" >&2; exit 1; }',
        '  aws "$@" cp --recursive --only-show-errors "$dir" "$base/`basename "$dir"`/"',
        '  echo "uploaded $base/`basename "$dir"`/"',
        "done",
        "first_old=`expr \"$BACKUP_RETAIN\" + 1`",
        'aws "$@" ls "$base/" | sed -n "s#^ *PRE \\(.*Z\\)/\\$#\\1#p" | sort -r | tail -n "+$first_old" | while read -r old; do',
        '  aws "$@" rm --recursive --only-show-errors "$base/$old/"',
        '  echo "deleted old backup $base/$old/"',
        "done",
    ].join("\n");
    return ["sh", "-c", script];
}

/** A Kubernetes/Longhorn name of at most `max` characters; a hash keeps shortened names unique. */
export function boundedName(base: string, max = 40): string {
    if (base.length <= max) return base;
    const hash = crypto.createHash("sha256").update(base).digest("hex").slice(0, 8);
    return `${base.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Longhorn RecurringJob group of a stack's database volumes (one per namespace, so stacks sharing a cluster stay apart). */
export function longhornGroup(namespace: string): string {
    return boundedName(`${namespace}-postgres`);
}

/** Names of the RecurringJobs (Longhorn caps them at 40 characters). */
export function longhornJobNames(namespace: string): { snapshot: string; backup: string } {
    return { snapshot: boundedName(`${namespace}-pg-snapshot`), backup: boundedName(`${namespace}-pg-backup`) };
}

/**
 * Labels of the database PVCs that attach them to the group. With `source=enabled` Longhorn's PVC
 * controller copies the PVC's recurring-job labels to the volume (and keeps them in sync).
 */
export function longhornPvcLabels(namespace: string): Record<string, string> {
    return {
        "recurring-job.longhorn.io/source": "enabled",
        [`recurring-job-group.longhorn.io/${longhornGroup(namespace)}`]: "enabled",
    };
}
