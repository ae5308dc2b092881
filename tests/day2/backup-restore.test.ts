// Backup and restore, end to end on real PostgreSQL 15: the CronJob's own command dumps a
// populated database (roles, auth users, storage buckets, app schemas with RLS policies and
// grants), and the runbook's restore script brings it back into (a) a completely empty server
// and (b) a freshly deployed platform, where the image already created roles and schemas.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_FILES, dumpCommand, restoreCommand, restoreScript } from "../../components/backup-commands";
import { startPostgres, TestPostgres } from "../support/postgres";
import { findManifest, runStack } from "../support/program";
import { libpqEnv, runArgv } from "./support/pg-tools";

const FIXTURES = path.join(__dirname, "fixtures");
const ADMIN_PASSWORD = "backup-test-admin";
const ALICE = "11111111-1111-1111-1111-111111111111";
const BOB = "22222222-2222-2222-2222-222222222222";
const APPS = ["home_portal", "money_tracker"];

const sql = (file: string) => fs.readFileSync(path.join(FIXTURES, file), "utf8");
const superuserPassword = (server: TestPostgres) => decodeURIComponent(new URL(server.url).password);

/** Everything a restore must bring back, read through the catalog. */
async function snapshot(client: Client): Promise<Record<string, unknown>> {
    const q = async (text: string) => (await client.query(text)).rows;
    return {
        users: await q("select id, email, encrypted_password from auth.users order by id"),
        buckets: await q("select id, name, public from storage.buckets order by id"),
        transactions: await q("select id, user_id, amount::text, note from money_tracker.transactions order by id"),
        notices: await q("select id, body from home_portal.notices order by id"),
        policies: await q("select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check from pg_policies where schemaname in ('money_tracker', 'home_portal') order by 1, 2, 3"),
        rls: await q("select n.nspname, c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('money_tracker', 'home_portal') and c.relkind = 'r' order by 1, 2"),
        tableGrants: await q("select grantee, table_schema, table_name, privilege_type from information_schema.role_table_grants where table_schema in ('money_tracker', 'home_portal', 'auth', 'storage') order by 1, 2, 3, 4"),
        schemaAcl: await q("select nspname, nspowner::regrole::text as owner, nspacl::text from pg_namespace where nspname in ('auth', 'storage', 'money_tracker', 'home_portal') order by 1"),
        owners: await q("select schemaname, tablename, tableowner from pg_tables where schemaname in ('auth', 'storage', 'money_tracker', 'home_portal') order by 1, 2"),
        roles: await q("select rolname, rolsuper, rolinherit, rolcanlogin, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_auth_admin', 'money_tracker_reporting') order by 1"),
        memberships: await q("select r.rolname as role, m.rolname as member from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member where m.rolname = 'authenticator' order by 1"),
    };
}

/** Rows of money_tracker.transactions that `authenticated` sees as the given user. */
async function visibleAs(client: Client, userId: string): Promise<string[]> {
    await client.query("begin");
    try {
        await client.query("set local role authenticated");
        await client.query("select set_config('request.jwt.claim.sub', $1, true)", [userId]);
        return (await client.query("select note from money_tracker.transactions order by id")).rows.map((r) => r.note);
    } finally {
        await client.query("rollback");
    }
}

describe("logical backup and restore", () => {
    let source: TestPostgres;
    let empty: TestPostgres;
    let fresh: TestPostgres;
    let backupDir: string;
    let cronJobCommand: string[];
    let shippedRestoreScript: string;
    let dumpResult: Awaited<ReturnType<typeof runArgv>>;
    let snapshotDir: string;
    let expected: Record<string, unknown>;

    beforeAll(async () => {
        const run = await runStack("dev");
        cronJobCommand = findManifest(run, "CronJob", "postgres-backup").spec.jobTemplate.spec.template.spec.containers[0].command;
        shippedRestoreScript = findManifest(run, "ConfigMap", "postgres-backup-scripts").data["restore.sh"];
        [source, empty, fresh] = await Promise.all([startPostgres(), startPostgres(), startPostgres()]);
        const src = await source.connect();
        await src.query(sql("platform-baseline.sql"));
        await src.query(sql("app-data.sql"));
        expected = await snapshot(src);
        const target = await fresh.connect();
        await target.query(sql("platform-baseline.sql"));

        backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "backups-"));
        // Older backups and a leftover of a failed run, to see retention and cleanup work.
        for (const old of ["20200101T000000Z", "20200102T000000Z", "20200103T000000Z", "20200104T000000Z.partial"]) {
            fs.mkdirSync(path.join(backupDir, old));
        }
        dumpResult = await runArgv(cronJobCommand, {
            ...libpqEnv(source.port, "supabase_admin", ADMIN_PASSWORD), BACKUP_DIR: backupDir, BACKUP_RETAIN: "2",
        });
        const stamps = fs.readdirSync(backupDir).filter((d) => !d.startsWith("2020"));
        snapshotDir = path.join(backupDir, stamps[0] ?? "missing");
    });

    afterAll(async () => {
        await Promise.all([source, empty, fresh].filter(Boolean).map((s) => s.stop()));
        if (backupDir) fs.rmSync(backupDir, { recursive: true, force: true });
    });

    it("the CronJob runs the shared dump command, safe from Kubernetes $(VAR) expansion", () => {
        expect(cronJobCommand).toEqual(dumpCommand(APPS));
        expect(cronJobCommand.join(" ")).not.toMatch(/\$\(|\$\$/);
        expect(cronJobCommand[2]).toContain("--schema='auth' --schema='storage' --schema='home_portal' --schema='money_tracker'");
    });

    it("writes one complete backup directory and keeps only the newest BACKUP_RETAIN", () => {
        expect(dumpResult.stderr).toBe("");
        expect(dumpResult.code).toBe(0);
        const entries = fs.readdirSync(backupDir).sort();
        expect(entries).toHaveLength(2);
        expect(entries[0]).toBe("20200103T000000Z");
        expect(entries[1]).toMatch(/^\d{8}T\d{6}Z$/);
        expect(fs.readdirSync(snapshotDir).sort()).toEqual([BACKUP_FILES.database, BACKUP_FILES.roles].sort());
        expect(dumpResult.stdout).toContain("deleted old backup");
    });

    it("dumps roles without password hashes, each creatable over an existing role", () => {
        const roles = fs.readFileSync(path.join(snapshotDir, BACKUP_FILES.roles), "utf8");
        expect(roles).toContain("DO $r$ BEGIN CREATE ROLE money_tracker_reporting; EXCEPTION WHEN duplicate_object THEN NULL; END $r$;");
        expect(roles).not.toMatch(/^CREATE ROLE/m);
        expect(roles).not.toMatch(/PASSWORD '|SCRAM-SHA-256|md5[0-9a-f]{32}/);
    });

    it("restores everything into an empty PostgreSQL 15", async () => {
        const result = await runArgv(restoreCommand(APPS), { ...libpqEnv(empty.port, "postgres", superuserPassword(empty)), RESTORE_FROM: snapshotDir });
        expect(result.stderr).not.toMatch(/ERROR|FATAL/);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`restored ${snapshotDir}`);
        const client = await empty.connect();
        expect(await snapshot(client)).toEqual(expected);
    });

    it("restores over a freshly deployed platform, as supabase_admin, twice in a row", async () => {
        const env = { ...libpqEnv(fresh.port, "supabase_admin", ADMIN_PASSWORD), RESTORE_FROM: snapshotDir };
        for (let i = 0; i < 2; i++) {
            const result = await runArgv(restoreCommand(APPS), env);
            expect(result.code, result.stderr).toBe(0);
        }
        const client = await fresh.connect();
        const restored = await snapshot(client);
        expect(restored).toEqual(expected);
        // GoTrue's migration bookkeeping matches the restored auth schema, so GoTrue does not re-migrate.
        expect((await client.query("select count(*)::int as n from auth.schema_migrations")).rows[0].n).toBe(2);
    });

    it("keeps row-level security working after the restore", async () => {
        const client = await empty.connect();
        expect(await visibleAs(client, ALICE)).toEqual(["lunch", "groceries"]);
        expect(await visibleAs(client, BOB)).toEqual(["book"]);
        await client.query("begin");
        await client.query("set local role authenticated");
        await client.query("select set_config('request.jwt.claim.sub', $1, true)", [ALICE]);
        await expect(client.query("insert into money_tracker.transactions (user_id, amount) values ($1, 1)", [BOB]))
            .rejects.toThrow(/row-level security/);
        await client.query("rollback");
        // The identity sequence came back too: a new row does not collide with restored ids.
        const inserted = await client.query("insert into money_tracker.transactions (user_id, amount) values ($1, 5) returning id", [BOB]);
        expect(Number(inserted.rows[0].id)).toBeGreaterThan(3);
    });

    it("changes nothing when the backup is damaged", async () => {
        const damaged = fs.mkdtempSync(path.join(os.tmpdir(), "damaged-"));
        fs.copyFileSync(path.join(snapshotDir, BACKUP_FILES.roles), path.join(damaged, BACKUP_FILES.roles));
        const archive = fs.readFileSync(path.join(snapshotDir, BACKUP_FILES.database));
        fs.writeFileSync(path.join(damaged, BACKUP_FILES.database), archive.subarray(0, Math.floor(archive.length / 2)));
        const client = await fresh.connect();
        await client.query("delete from home_portal.notices where body = 'welcome'");
        const before = await snapshot(client);
        const result = await runArgv(restoreCommand(APPS), { ...libpqEnv(fresh.port, "supabase_admin", ADMIN_PASSWORD), RESTORE_FROM: damaged });
        expect(result.code).not.toBe(0);
        expect(await snapshot(client)).toEqual(before);
        fs.rmSync(damaged, { recursive: true, force: true });
    });

    it("refuses to run without RESTORE_FROM", async () => {
        const result = await runArgv(restoreCommand(APPS), libpqEnv(fresh.port, "supabase_admin", ADMIN_PASSWORD));
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("set RESTORE_FROM to one backup directory");
    });

    it("ships the tested restore script to the cluster, where the runbook runs it", () => {
        expect(shippedRestoreScript).toBe(restoreScript(APPS));
        expect(restoreCommand(APPS)).toEqual(["sh", "-c", shippedRestoreScript]);
    });
});
