// Point-in-time recovery, for real: PostgreSQL 15 (seed) and 17 (v0.8.2) bootstrapped by the
// image's own scripts, archiving with wal-g v2.0.1 (npm run tools -- --only wal-g) into a
// file-system target with the settings components/services/postgres/pitr renders, and the
// runbook's own scripts (read from docs/runbooks/pitr-restore.md, held equal to the rendered ones)
// for the base backup, the restore to a time between two writes, and the retention.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    ARCHIVER_STATUS_SQL, ArchiverStatusRow, archivingSettings, CHECK_RESTORED_SQL, commandLineSettings, describeArchiver,
    PITR_SCRIPTS, PitrScriptName, PitrSettings, pitrProblems, processEnv, walgEnv, WALG_VERSION,
} from "../../components/services/postgres/pitr";
import { Release } from "../../releases";
import { serverUser } from "../../sandbox/postgres-binaries";
import { bootstrapFromImage, imageSourceFor, imageSourcesStatus } from "../../sandbox/postgres-image";
import { SERVICES_SQL } from "../database/support/world";
import { startPostgres, TestPostgres } from "../support/postgres";
import { startExistingServer } from "./support/pitr-server";
import { archiverVerdict } from "../../scripts/smoke-checks";
import { namedBlocks } from "./support/runbook-blocks";
import { binaryPath, present } from "./support/services";

const WALG_BINARY = `wal-g-${WALG_VERSION}`;
const RUNBOOK = "docs/runbooks/pitr-restore.md";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The runbook's block, after checking it is the rendered script: what the test runs is what the page shows. */
function runbookScript(name: PitrScriptName): string {
    const block = namedBlocks(RUNBOOK)[`pitr:${name}`];
    if (!block) throw new Error(`${RUNBOOK} has no \`\`\`sh pitr:${name} block`);
    if (block.text !== PITR_SCRIPTS[name]) throw new Error(`${RUNBOOK} pitr:${name} differs from the rendered script (components/services/postgres/pitr/render.ts)`);
    return block.text;
}
const runbookSql = (name: string) => {
    const block = namedBlocks(RUNBOOK)[`pitr:${name}`];
    if (!block) throw new Error(`${RUNBOOK} has no \`\`\`sql pitr:${name} block`);
    return block.text;
};

/** Runs a script with sh as the server's user (as the CronJob and the restore Job do), returning stdout. */
function runScript(script: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
    const user = serverUser();
    return new Promise((resolve, reject) => {
        execFile("sh", ["-c", script], { env, uid: user?.uid, gid: user?.gid, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`script failed (${error.message}):\n${stderr.slice(-3000)}`));
            else resolve({ stdout, stderr });
        });
    });
}

const chownToServer = (p: string) => {
    const user = serverUser();
    if (user) fs.chownSync(p, user.uid, user.gid);
};

/** Archived segments and base backups, straight from the file-system target. */
function archive(dir: string) {
    const walDir = path.join(dir, "wal_005");
    const wal = fs.existsSync(walDir) ? fs.readdirSync(walDir).filter((f) => /^[0-9A-F]{24}\.lz4$/.test(f)).sort() : [];
    const bytes = fs.existsSync(walDir) ? fs.readdirSync(walDir).reduce((n, f) => n + fs.statSync(path.join(walDir, f)).size, 0) : 0;
    const backupsDir = path.join(dir, "basebackups_005");
    const backups = fs.existsSync(backupsDir)
        ? fs.readdirSync(backupsDir).filter((f) => f.endsWith("_backup_stop_sentinel.json")).map((f) => f.replace("_backup_stop_sentinel.json", "")).sort()
        : [];
    return { wal: wal.map((f) => f.slice(0, 24)), bytes, backups };
}

const MAJORS: { release: Release; major: 15 | 17 }[] = [{ release: "seed", major: 15 }, { release: "v0.8.2", major: 17 }];

describe.each(MAJORS)("point-in-time recovery with wal-g $release (PostgreSQL $major)", ({ release, major }) => {
    let work: string;
    let archiveDir: string;
    let bin: string;
    let pg: TestPostgres;
    let settings: PitrSettings;
    let baseEnv: Record<string, string>;
    let dataDir: string;
    let socketDir: string;
    const savedEnv = { ...process.env };

    beforeAll(async () => {
        if (!present(WALG_BINARY)) throw new Error(`no ${binaryPath(WALG_BINARY)}; build it with: npm run tools -- --only wal-g`);
        const status = imageSourcesStatus(release);
        if (!status.available) throw new Error(`the PITR test bootstraps the image's scripts: ${status.missing}`);
        work = fs.mkdtempSync(path.join(os.tmpdir(), `pitr-${major}-`));
        fs.chmodSync(work, 0o755);
        chownToServer(work);
        archiveDir = path.join(work, "archive");
        bin = path.join(work, "bin");
        for (const d of [archiveDir, bin]) {
            fs.mkdirSync(d);
            chownToServer(d);
        }
        // The server's user cannot reach root's cache: wal-g is copied beside the test, onto PATH.
        fs.copyFileSync(binaryPath(WALG_BINARY), path.join(bin, "wal-g"));
        fs.chmodSync(path.join(bin, "wal-g"), 0o755);

        settings = {
            target: { volume: { path: archiveDir } },
            archiveTimeoutSeconds: 60,
            baseBackupSchedule: "0 * * * *",
            retention: { fullBackups: 2, windowDays: 1 },
        };
        expect(pitrProblems(settings)).toEqual([]);

        // The postmaster's environment is what archive_command sees: the rendered storage env and
        // wal-g on PATH, as the container env is in the cluster. tests/support/postgres.ts starts the
        // server with this process's env, so it is set here (this file runs in its own process).
        const storage = processEnv(walgEnv(settings).filter((v) => v.name.startsWith("WALG_")), process.env);
        Object.assign(process.env, storage, { PATH: `${bin}:${process.env.PATH}` });
        const source = imageSourceFor(release);
        pg = await startPostgres({ major, bootstrapUser: source.bootstrapUser, extraFlags: commandLineSettings(archivingSettings(settings, path.join(bin, "wal-g"))) });
        await bootstrapFromImage({ release, password: pg.password, connect: (role) => pg.connectAs(role) });
        pg.superuser = "supabase_admin";
        const admin = await pg.connect();
        await admin.query(SERVICES_SQL);
        dataDir = (await admin.query("SHOW data_directory")).rows[0].data_directory;
        socketDir = (await admin.query("SHOW unix_socket_directories")).rows[0].unix_socket_directories;
        await admin.end();
        // What the base-backup CronJob and the restore Job carry: the rendered env (the libpq part
        // pointed at this server's socket), wal-g on PATH, and the server's PGDATA for the backup.
        baseEnv = {
            ...processEnv(walgEnv(settings, { host: socketDir, port: pg.port, user: "supabase_admin", database: "postgres" }), process.env),
            PATH: process.env.PATH!, TZ: "UTC", LANG: "C",
        };
    });

    afterAll(async () => {
        await pg?.stop().catch(() => undefined);
        for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
        Object.assign(process.env, savedEnv);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    /** Forces the current segment out and waits until the archiver has stored it. */
    async function archiveCurrentSegment(): Promise<string> {
        const admin = await pg.connect();
        try {
            // A record first: pg_switch_wal() on a segment with nothing new in it switches nothing
            // (seen on 17 right after a base backup), and the wait would last until archive_timeout.
            await admin.query("CREATE SCHEMA IF NOT EXISTS pitr_test; CREATE TABLE IF NOT EXISTS pitr_test.tick (at timestamptz); INSERT INTO pitr_test.tick VALUES (now())");
            const { rows } = await admin.query("SELECT pg_walfile_name(pg_switch_wal()) AS wal");
            const wal = rows[0].wal as string;
            for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
                const s = (await admin.query("SELECT last_archived_wal FROM pg_stat_archiver")).rows[0].last_archived_wal as string | null;
                if (s !== null && s >= wal) return wal;
            }
            throw new Error(`segment ${wal} was not archived within 60 s: ${describeArchiver((await admin.query(ARCHIVER_STATUS_SQL)).rows[0])}`);
        } finally {
            await admin.end();
        }
    }

    it("restores into a new data directory exactly what was committed up to a time between T2 and T3", async () => {
        const admin = await pg.connect();
        // An app table with an RLS policy, and a bucket, before the base backup; bulk rows to measure.
        await admin.query(`
            CREATE SCHEMA app;
            CREATE TABLE app.notes (id int PRIMARY KEY, owner uuid NOT NULL, body text NOT NULL);
            ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY notes_own ON app.notes FOR SELECT TO authenticated USING (owner = auth.uid());
            GRANT USAGE ON SCHEMA app TO authenticated;
            GRANT SELECT ON app.notes TO authenticated;
            CREATE TABLE app.bulk AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 200000) g;
            INSERT INTO storage.buckets (id, name) VALUES ('docs', 'docs');`);
        const databaseBytes = Number((await admin.query("SELECT pg_database_size('postgres') AS n")).rows[0].n);
        await archiveCurrentSegment();
        const walBefore = archive(archiveDir);

        const backup = await runScript(runbookScript("base-backup"), { ...baseEnv, PGDATA: dataDir });
        expect(backup.stderr).toMatch(/Wrote backup with name base_/);
        expect(archive(archiveDir).backups).toHaveLength(1);

        const owner = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"];
        const write = async (n: 1 | 2 | 3) => {
            await admin.query("INSERT INTO app.notes VALUES ($1, $2, $3)", [n, owner[n - 1], `note at T${n}`]);
            await admin.query("INSERT INTO storage.objects (bucket_id, name, metadata) VALUES ('docs', $1, $2)", [`t${n}.txt`, { size: n }]);
        };
        await write(1);
        await sleep(1100);
        await write(2);
        // What T2 left: the roles and policies the restore must bring back unchanged.
        const rolesAtT2 = (await admin.query("SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls FROM pg_roles ORDER BY rolname")).rows;
        const policiesAtT2 = (await admin.query("SELECT schemaname, tablename, policyname, roles::text, cmd, qual FROM pg_policies ORDER BY 1, 2, 3")).rows;
        const lsnAfterT2 = (await admin.query("SELECT pg_current_wal_insert_lsn()::text AS lsn")).rows[0].lsn as string;
        // The target: the next whole second after T2, with T3 committed over a second later.
        const t2 = Date.now();
        const target = new Date(Math.ceil((t2 + 1) / 1000) * 1000);
        await sleep(target.getTime() - Date.now() + 1200);
        await write(3);
        await admin.query(`CREATE ROLE created_at_t3 NOLOGIN; DROP POLICY notes_own ON app.notes;
            CREATE POLICY notes_all ON app.notes FOR SELECT TO authenticated USING (true)`);
        await archiveCurrentSegment();
        await admin.end();
        const walAfter = archive(archiveDir);

        // The runbook's steps 2a and 2b, then PostgreSQL on the new directory replays and promotes.
        const restoreDir = path.join(work, `restored-${major}`);
        const restoreSockets = path.join(work, "restore-socket");
        fs.mkdirSync(restoreSockets);
        chownToServer(restoreSockets);
        const targetTime = target.toISOString().replace(/\.\d{3}Z$/, "Z");
        const started = Date.now();
        const selected = await runScript(runbookScript("select-backup"), { ...baseEnv, PITR_TARGET_TIME: targetTime });
        const backupName = selected.stdout.trim().split("\n").pop()!;
        expect(backupName).toBe(archive(archiveDir).backups[0]);
        await runScript(runbookScript("restore"), { ...baseEnv, PITR_TARGET_TIME: targetTime, PITR_BACKUP: backupName, PITR_RESTORE_PGDATA: restoreDir });
        const restored = await startExistingServer({ major, dataDir: restoreDir, socketDir: restoreSockets, env: { ...baseEnv, LANG: "C" }, user: "supabase_admin" });
        const restoreSeconds = (Date.now() - started) / 1000;
        try {
            const client = await restored.connect("supabase_admin");
            try {
                expect((await client.query(runbookSql("check-restored"))).rows[0].in_recovery).toBe(false);
                expect((await client.query(CHECK_RESTORED_SQL)).rows[0].in_recovery).toBe(false);
                expect(restored.log()).toMatch(/recovery stopping before commit of transaction/);
                // Exactly the rows up to T2.
                expect((await client.query("SELECT id, body FROM app.notes ORDER BY id")).rows).toEqual([
                    { id: 1, body: "note at T1" }, { id: 2, body: "note at T2" },
                ]);
                expect((await client.query("SELECT name, metadata FROM storage.objects ORDER BY name")).rows).toEqual([
                    { name: "t1.txt", metadata: { size: 1 } }, { name: "t2.txt", metadata: { size: 2 } },
                ]);
                expect((await client.query("SELECT id FROM storage.buckets")).rows).toEqual([{ id: "docs" }]);
                // Roles and policies as at T2: T3's role and policy change are not there.
                expect((await client.query("SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls FROM pg_roles ORDER BY rolname")).rows).toEqual(rolesAtT2);
                expect((await client.query("SELECT schemaname, tablename, policyname, roles::text, cmd, qual FROM pg_policies ORDER BY 1, 2, 3")).rows).toEqual(policiesAtT2);
                // And the policy still works: an authenticated user sees only their own note.
                await client.query("BEGIN");
                await client.query("SET LOCAL ROLE authenticated");
                await client.query("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: owner[1], role: "authenticated" })]);
                expect((await client.query("SELECT id FROM app.notes")).rows).toEqual([{ id: 2 }]);
                await client.query("ROLLBACK");
                expect(Number((await client.query("SELECT count(*) AS n FROM app.bulk")).rows[0].n)).toBe(200000);
            } finally {
                await client.end();
            }
        } finally {
            await restored.stop();
        }
        // The same by LSN (step 2a's other branch): the WAL position right after T2's commit.
        const byLsn = path.join(work, `restored-lsn-${major}`);
        const lsnBackup = (await runScript(runbookScript("select-backup"), { ...baseEnv, PITR_TARGET_LSN: lsnAfterT2 })).stdout.trim().split("\n").pop()!;
        expect(lsnBackup).toBe(backupName);
        await runScript(runbookScript("restore"), { ...baseEnv, PITR_TARGET_LSN: lsnAfterT2, PITR_BACKUP: lsnBackup, PITR_RESTORE_PGDATA: byLsn });
        const restoredByLsn = await startExistingServer({ major, dataDir: byLsn, socketDir: restoreSockets, env: baseEnv, user: "supabase_admin" });
        try {
            const client = await restoredByLsn.connect("supabase_admin");
            expect((await client.query("SELECT id FROM app.notes ORDER BY id")).rows).toEqual([{ id: 1 }, { id: 2 }]);
            expect((await client.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'created_at_t3'")).rows[0].n).toBe(0);
            await client.end();
        } finally {
            await restoredByLsn.stop();
        }
        // Never into a directory that holds a database: the restore step refuses, touching nothing.
        await expect(runScript(runbookScript("restore"), { ...baseEnv, PITR_TARGET_LSN: lsnAfterT2, PITR_BACKUP: lsnBackup, PITR_RESTORE_PGDATA: byLsn }))
            .rejects.toThrow(/refusing: .* already holds a database/);
        await expect(runScript(runbookScript("restore"), { ...baseEnv, PGDATA: dataDir, PITR_TARGET_LSN: lsnAfterT2, PITR_BACKUP: lsnBackup, PITR_RESTORE_PGDATA: dataDir }))
            .rejects.toThrow(/refusing: .* live data directory/);

        const segments = walAfter.wal.filter((w) => !walBefore.wal.includes(w)).length;
        console.log(`pitr ${release} (PostgreSQL ${major}): database ${(databaseBytes / 2 ** 20).toFixed(1)} MiB; archive holds ${walAfter.wal.length} WAL segments, `
            + `${(walAfter.bytes / 2 ** 20).toFixed(2)} MiB lz4 (${segments} archived after the bulk load, i.e. during backup and T1-T3); `
            + `restore (select + fetch + replay + promote) ${restoreSeconds.toFixed(1)} s`);
    });

    it("retention keeps the window's base backup and the newest N, and deletes what is older", async () => {
        const before = archive(archiveDir).backups;
        expect(before).toHaveLength(1);
        const env = { ...baseEnv, PGDATA: dataDir };
        // Two more base backups, far enough apart in `modified` (whole seconds) for a cutoff between them.
        await sleep(1500);
        await archiveCurrentSegment();
        await runScript(runbookScript("base-backup"), env);
        await sleep(4500);
        await archiveCurrentSegment();
        await runScript(runbookScript("base-backup"), env);
        const list = (await runScript("TZ=UTC wal-g backup-list", baseEnv)).stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/));
        expect(list.map((l) => l[0])).toEqual(archive(archiveDir).backups);
        const [b1, b2, b3] = list;
        const modified = (row: string[]) => Date.parse(row[1]) / 1000;
        expect(modified(b3) - modified(b2)).toBeGreaterThanOrEqual(4);
        const retention = runbookScript("retention");

        // Count dominates: 3 full backups wanted, 3 kept, whatever the window.
        await runScript(retention, { ...env, PITR_RETAIN_FULL: "3", PITR_WINDOW_SECONDS: "0" });
        expect(archive(archiveDir).backups).toEqual([b1[0], b2[0], b3[0]]);

        // Window dominates: only 1 wanted by count, but the window starts between b2 and b3, so b2
        // (the newest backup finished before the window) stays; b1 and the WAL before b2 go.
        const walBefore = archive(archiveDir).wal;
        const windowSeconds = Math.floor(Date.now() / 1000) - (modified(b2) + 1);
        await runScript(retention, { ...env, PITR_RETAIN_FULL: "1", PITR_WINDOW_SECONDS: String(windowSeconds) });
        const afterWindow = archive(archiveDir);
        expect(afterWindow.backups).toEqual([b2[0], b3[0]]);
        const b2Start = b2[2];
        expect(afterWindow.wal.every((w) => w.slice(8) >= b2Start.slice(8))).toBe(true);
        expect(walBefore.filter((w) => w.slice(8) < b2Start.slice(8)).length).toBeGreaterThan(0);
        expect(afterWindow.wal).toEqual(walBefore.filter((w) => w.slice(8) >= b2Start.slice(8)));

        // Both allow it: a zero window and 1 backup leave only the newest.
        await runScript(retention, { ...env, PITR_RETAIN_FULL: "1", PITR_WINDOW_SECONDS: "0" });
        expect(archive(archiveDir).backups).toEqual([b3[0]]);
    });

    it("shows a broken archive target as stuck, and archiving again once it is fixed", async () => {
        const admin = await pg.connect();
        const walDir = path.join(archiveDir, "wal_005");
        const state = async () => (await admin.query(runbookSql("archiver-status"))).rows[0] as ArchiverStatusRow;
        try {
            expect((await state()).state).toBe("archiving");
            // The target breaks: the server's user can no longer write into it.
            fs.chownSync(walDir, 0, 0);
            fs.chmodSync(walDir, 0o500);
            await admin.query("CREATE TABLE app.after_break AS SELECT 1 AS x");
            const { rows } = await admin.query("SELECT pg_walfile_name(pg_switch_wal()) AS wal");
            let row = await state();
            for (const end = Date.now() + 30_000; row.state !== "stuck" && Date.now() < end; row = await state()) await sleep(250);
            expect(row.state).toBe("stuck");
            expect(Number(row.failed_count)).toBeGreaterThan(0);
            expect(row.last_failed_wal).toBe(rows[0].wal);
            const line = describeArchiver(row);
            console.log(line);
            expect(line).toMatch(/^pitr archiver: STUCK: archiving [0-9A-F]{24} keeps failing/);
            // The smoke test's verdict on the same reading.
            expect(archiverVerdict(row, true)).toMatchObject({ status: "fail", detail: line });

            // Fixed: the archiver retries the same segment and goes on.
            chownToServer(walDir);
            fs.chmodSync(walDir, 0o700);
            await admin.query("SELECT pg_switch_wal()");
            for (const end = Date.now() + 90_000; row.state !== "archiving" && Date.now() < end; row = await state()) await sleep(500);
            expect(row.state).toBe("archiving");
            expect(row.last_archived_wal! >= rows[0].wal).toBe(true);
            expect(archiverVerdict(row, true).status).toBe("pass");
        } finally {
            chownToServer(walDir);
            fs.chmodSync(walDir, 0o700);
            await admin.end();
        }
    });
});
