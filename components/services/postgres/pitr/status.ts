// Is WAL archiving working? One query over pg_stat_archiver that computes the verdict in SQL (so
// psql in the runbook and the smoke test read the same word), and one line for people.
//
// stuck: the newest archive attempt failed (PostgreSQL retries the same segment forever, and pg_wal
//        grows until the volume is full); archiving: the newest attempt succeeded; waiting: nothing
//        archived since the statistics were reset (a fresh server, or an idle one); off: archive_mode
//        is off, so there is no point-in-time recovery at all.

export type ArchiverState = "off" | "stuck" | "archiving" | "waiting";

export const ARCHIVER_STATUS_SQL = `SELECT
  CASE
    WHEN current_setting('archive_mode') = 'off' THEN 'off'
    WHEN last_failed_time IS NOT NULL AND (last_archived_time IS NULL OR last_failed_time >= last_archived_time) THEN 'stuck'
    WHEN last_archived_time IS NOT NULL THEN 'archiving'
    ELSE 'waiting'
  END AS state,
  archived_count, last_archived_wal, last_archived_time,
  failed_count, last_failed_wal, last_failed_time,
  stats_reset, now() AS checked_at
FROM pg_stat_archiver`;

export interface ArchiverStatusRow {
    state: ArchiverState;
    archived_count: number | string;
    last_archived_wal: string | null;
    last_archived_time: Date | string | null;
    failed_count: number | string;
    last_failed_wal: string | null;
    last_failed_time: Date | string | null;
    stats_reset: Date | string | null;
    checked_at: Date | string;
}

const iso = (t: Date | string | null) => (t === null ? "never" : new Date(t).toISOString());
const ago = (t: Date | string | null, now: Date | string) =>
    t === null ? "" : ` (${Math.max(0, Math.round((new Date(now).getTime() - new Date(t).getTime()) / 1000))} s ago)`;

/** One line for the smoke test, the runbook and an alert: the state first, in capitals when it needs a person. */
export function describeArchiver(row: ArchiverStatusRow): string {
    const last = `last archived ${row.last_archived_wal ?? "nothing"} at ${iso(row.last_archived_time)}${ago(row.last_archived_time, row.checked_at)}`;
    const failures = `${row.failed_count} failed attempt${Number(row.failed_count) === 1 ? "" : "s"} since ${iso(row.stats_reset)}`;
    switch (row.state) {
        case "off":
            return "pitr archiver: OFF (archive_mode = off): no WAL is archived, no point-in-time recovery";
        case "stuck":
            return `pitr archiver: STUCK: archiving ${row.last_failed_wal} keeps failing (last failure at ${iso(row.last_failed_time)}${ago(row.last_failed_time, row.checked_at)}, ${failures}); ${last}. `
                + "pg_wal grows until this is fixed: check the archive target and the postgres log for wal-g's error";
        case "archiving":
            return `pitr archiver: archiving: ${last}; ${failures}`;
        case "waiting":
            return `pitr archiver: waiting: nothing archived yet since ${iso(row.stats_reset)}; ${failures}`;
    }
}
