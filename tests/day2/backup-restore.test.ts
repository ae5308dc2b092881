// Backup and restore, end to end on real PostgreSQL 15, of the database the program declares:
// the source is a fresh supabase/postgres state (tests/database/fixture/bootstrap.sql), the image's
// init scripts and the program's recorded database layer (schemas, grants, roles, tables, RLS
// policies, buckets) applied to it, then filled with two users and rows in every app table and in
// storage.objects. The CronJob's own command dumps it with the CronJob's credentials, and the
// runbook's restore script brings it back into (a) a completely empty server and (b) a freshly
// deployed platform, where the image and GoTrue already created roles and schemas.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client, escapeIdentifier, escapeLiteral } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_FILES, dumpCommand, dumpedSchemas, restoreCommand, restoreScript } from "../../components/backup-commands";
import { appServiceRole } from "../../components/database/app";
import { APP_DEFINITIONS } from "../../components/database/apps";
import { ProgramRun } from "../../offline/engine";
import { configReader } from "../../offline/stack-config";
import { applyDatabaseLayer } from "../database/support/apply";
import { Api, userToken } from "../database/support/session";
import { connectAs, runImageInitScripts, StackSecrets, stackSecrets, startWorld, World } from "../database/support/world";
import { startPostgres, TestPostgres } from "../support/postgres";
import { findManifest, runStack } from "../support/program";
import { libpqEnv, runArgv } from "./support/pg-tools";

/** The apps of the stack under test, as its file lists them (an app added by the runbook is included). */
const APPS = JSON.parse(configReader("dev")("apps") ?? "[]") as string[];
const SCHEMAS = dumpedSchemas(APPS);
const A = "aaaaaaaa-0000-4000-8000-00000000000a";
const B = "bbbbbbbb-0000-4000-8000-00000000000b";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const RECEIPTS = "money-tracker-receipts";
const ASSETS = "home-portal-assets";

type Row = Record<string, unknown>;

/** What the test writes into the program's schema, table by table, in foreign-key order. */
const SEED: [table: string, rows: Row[]][] = [
    ["auth.users", [
        { id: A, aud: "authenticated", role: "authenticated", email: "a@example.test", encrypted_password: `$2a$10$${"a".repeat(53)}`, raw_user_meta_data: { name: "A" } },
        { id: B, aud: "authenticated", role: "authenticated", email: "b@example.test", encrypted_password: `$2a$10$${"b".repeat(53)}`, raw_user_meta_data: { name: "B" } },
    ]],
    ["storage.objects", [
        { id: uuid(1), bucket_id: RECEIPTS, name: `${A}/2026/receipt-1.pdf`, owner: A, metadata: { size: 1024, mimetype: "application/pdf" } },
        { id: uuid(2), bucket_id: RECEIPTS, name: `${B}/2026/receipt-2.pdf`, owner: B, metadata: { size: 2048, mimetype: "application/pdf" } },
        { id: uuid(3), bucket_id: ASSETS, name: `${A}/logo.png`, owner: A, metadata: { size: 512, mimetype: "image/png" } },
    ]],
    ["home_portal.pages", [
        { id: uuid(11), slug: "welcome", title: "Welcome", body: "Hello", published: true, author_id: A },
        { id: uuid(12), slug: "a-draft", title: "A draft", published: false, author_id: A },
        { id: uuid(13), slug: "b-news", title: "News", body: "B's news", published: true, author_id: B },
    ]],
    ["home_portal.page_revisions", [
        { id: uuid(21), page_id: uuid(11), author_id: A, title: "Welcome", body: "Hi" },
        { id: uuid(22), page_id: uuid(13), author_id: B, title: "News", body: "old news" },
    ]],
    ["home_portal.site_settings", [
        { key: "site.title", value: "Home" },
        { key: "site.theme", value: { mode: "dark" } },
    ]],
    ["money_tracker.categories", [
        { id: uuid(31), user_id: A, name: "Food" },
        { id: uuid(32), user_id: B, name: "Salary", kind: "income" },
    ]],
    ["money_tracker.transactions", [
        { id: uuid(41), user_id: A, amount: "-12.50", description: "lunch", category_id: uuid(31), occurred_on: "2026-01-05" },
        { id: uuid(42), user_id: A, amount: "-80.00", description: "groceries", category_id: uuid(31), occurred_on: "2026-01-06" },
        { id: uuid(43), user_id: A, amount: "-9.99", description: "book", category_id: null, occurred_on: "2026-01-07" },
        { id: uuid(44), user_id: B, amount: "2500.00", description: "pay", category_id: uuid(32), occurred_on: "2026-01-31" },
    ]],
    ["money_tracker.budgets", [
        { id: uuid(51), user_id: A, category_id: uuid(31), month: "2026-01-01", amount: "300.00" },
        { id: uuid(52), user_id: B, category_id: uuid(32), month: "2026-02-01", amount: "100.00" },
    ]],
];

const seedRows = (table: string): Row[] => SEED.find(([t]) => t === table)?.[1] ?? [];
const qualified = (table: string) => table.split(".").map(escapeIdentifier).join(".");
/** The primary-key column of a seeded table (all of them have a single-column key). */
function keyColumn(table: string): string {
    const [schema, name] = table.split(".");
    const pk = APP_DEFINITIONS[schema]?.tables.find((t) => t.name === name)?.primaryKey ?? ["id"];
    if (pk.length !== 1) throw new Error(`${table}: the test expects a single-column primary key`);
    return pk[0];
}
const keysOf = (rows: Row[], column: string) => rows.map((r) => String(r[column])).sort();

/** One INSERT per seeded row, naming only the seeded columns (the others take their defaults). */
async function seed(client: Client): Promise<void> {
    for (const [table, rows] of SEED) {
        for (const row of rows) {
            const columns = Object.keys(row).map(escapeIdentifier).join(", ");
            await client.query(
                `insert into ${qualified(table)} (${columns}) select ${columns} from jsonb_populate_record(null::${qualified(table)}, $1::jsonb)`,
                [JSON.stringify(row)],
            );
        }
    }
}

/**
 * Everything a restore must bring back, read through the catalog: every row of every table in the
 * dumped schemas, their definitions, policies, RLS flags, grants, owners, default privileges, and
 * every role with its attributes, settings and memberships.
 */
async function snapshot(client: Client): Promise<Record<string, unknown>> {
    // An empty search_path makes expressions (policies, defaults, function bodies) deparse with
    // every schema name, whoever is connected (supabase_admin's search_path includes auth).
    await client.query("BEGIN");
    try {
        await client.query("SET LOCAL search_path = ''");
        return await readSnapshot(client);
    } finally {
        await client.query("ROLLBACK");
    }
}

async function readSnapshot(client: Client): Promise<Record<string, unknown>> {
    const q = async (text: string) => (await client.query(text, [SCHEMAS])).rows;
    const tables = await q(`select n.nspname as schema, c.relname as name, c.relowner::regrole::text as owner, c.relrowsecurity as rls
        from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = any($1) and c.relkind = 'r' order by 1, 2`);
    const rows: Record<string, unknown[]> = {};
    for (const t of tables) {
        const table = `${escapeIdentifier(t.schema)}.${escapeIdentifier(t.name)}`;
        rows[`${t.schema}.${t.name}`] = (await client.query(`select to_jsonb(t) as row from ${table} t order by to_jsonb(t)::text`)).rows.map((r) => r.row);
    }
    const grantee = (column: string) => `case when ${column} = 0 then 'PUBLIC' else ${column}::regrole::text end`;
    return {
        tables,
        rows,
        columns: await q(`select table_schema, table_name, column_name, data_type, is_nullable, column_default, is_generated
            from information_schema.columns where table_schema = any($1) order by 1, 2, ordinal_position`),
        constraints: await q(`select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) as def
            from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any($1) order by 1, 2, 3`),
        indexes: await q("select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname = any($1) order by 1, 2, 3"),
        functions: await q(`select n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) as args, p.proowner::regrole::text as owner,
                pg_get_functiondef(p.oid) as def, p.proacl::text as acl
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = any($1) order by 1, 2, 3`),
        sequences: await q("select schemaname, sequencename, last_value from pg_sequences where schemaname = any($1) order by 1, 2"),
        policies: await q(`select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
            from pg_policies where schemaname = any($1) order by 1, 2, 3`),
        tableGrants: await q(`select n.nspname, c.relname, ${grantee("a.grantee")} as grantee, a.grantor::regrole::text as grantor, a.privilege_type, a.is_grantable
            from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a
            where n.nspname = any($1) order by 1, 2, 3, 4, 5`),
        schemas: await q(`select nspname, nspowner::regrole::text as owner from pg_namespace where nspname = any($1) order by 1`),
        schemaGrants: await q(`select n.nspname, ${grantee("a.grantee")} as grantee, a.grantor::regrole::text as grantor, a.privilege_type, a.is_grantable
            from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = any($1) order by 1, 2, 3, 4`),
        defaultPrivileges: await q(`select d.defaclrole::regrole::text as owner, n.nspname, d.defaclobjtype, ${grantee("a.grantee")} as grantee, a.privilege_type
            from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a
            where n.nspname = any($1) order by 1, 2, 3, 4, 5`),
        roles: (await client.query(`select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls,
                rolconnlimit, rolconfig from pg_roles where rolname !~ '^pg_' order by 1`)).rows,
        memberships: (await client.query(`select r.rolname as role, m.rolname as member, a.admin_option
            from pg_auth_members a join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member
            where r.rolname !~ '^pg_' and m.rolname !~ '^pg_' order by 1, 2`)).rows,
    };
}

describe("logical backup and restore of the program's database", () => {
    let run: ProgramRun;
    let secrets: StackSecrets;
    let source: World;
    let fresh: World;
    let empty: TestPostgres;
    let src: Client;
    const clients: { end(): Promise<void> }[] = [];
    let backupDir: string;
    let cronJobCommand: string[];
    let shippedRestoreScript: string;
    let dumpResult: Awaited<ReturnType<typeof runArgv>>;
    let snapshotDir: string;
    let expected: Record<string, unknown>;

    /** The CronJob's and the runbook's credentials: supabase_admin with the bundle's database password. */
    const adminEnv = (port: number) => libpqEnv(port, "supabase_admin", secrets.postgresPassword);

    beforeAll(async () => {
        // The empty server's bootstrap superuser is supabase_admin, the role the runbook restores as:
        // roles.sql carries the image's `ALTER ROLE postgres WITH NOSUPERUSER …`, so a restore run
        // as a bootstrap `postgres` would demote itself halfway.
        [run, source, fresh, empty] = await Promise.all([runStack("dev"), startWorld(), startWorld(), startPostgres({ bootstrapUser: "supabase_admin" })]);
        secrets = stackSecrets(run);
        cronJobCommand = findManifest(run, "CronJob", "postgres-backup").spec.jobTemplate.spec.template.spec.containers[0].command;
        shippedRestoreScript = findManifest(run, "ConfigMap", "postgres-backup-scripts").data["restore.sh"];

        // Source: what the platform holds after `pulumi up` and some use of both apps.
        await runImageInitScripts(source, secrets.postgresPassword);
        await applyDatabaseLayer(run, source.target);
        // The layer gave `postgres` the bundle's password too; work as supabase_admin, like the layer.
        src = await connectAs(source, "supabase_admin", secrets.postgresPassword);
        clients.push(src);
        await seed(src);
        expected = await snapshot(src);

        // A freshly deployed platform before the restore: the image's roles and schemas, GoTrue's
        // and storage's tables, the init scripts' passwords.
        await runImageInitScripts(fresh, secrets.postgresPassword);

        backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "backups-"));
        // Older backups and a leftover of a failed run, to see retention and cleanup work.
        for (const old of ["20200101T000000Z", "20200102T000000Z", "20200103T000000Z", "20200104T000000Z.partial"]) {
            fs.mkdirSync(path.join(backupDir, old));
        }
        dumpResult = await runArgv(cronJobCommand, { ...adminEnv(source.pg.port), BACKUP_DIR: backupDir, BACKUP_RETAIN: "2" });
        const stamps = fs.readdirSync(backupDir).filter((d) => !d.startsWith("2020"));
        snapshotDir = path.join(backupDir, stamps[0] ?? "missing");
    });

    afterAll(async () => {
        await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
        await Promise.all([source?.pg, fresh?.pg, empty].filter(Boolean).map((s) => s.stop()));
        if (backupDir) fs.rmSync(backupDir, { recursive: true, force: true });
    });

    it("the CronJob runs the shared dump command, safe from Kubernetes $(VAR) expansion", () => {
        expect(cronJobCommand).toEqual(dumpCommand(APPS));
        expect(cronJobCommand.join(" ")).not.toMatch(/\$\(|\$\$/);
        expect(cronJobCommand[2]).toContain(["auth", "storage", ...APPS].map((schema) => `--schema='${schema}'`).join(" "));
    });

    it("the source is the program's database layer, holding what the test wrote", async () => {
        // Every declared policy (app tables and buckets) exists: the layer really ran.
        const declared = APPS.flatMap((app) => [
            ...APP_DEFINITIONS[app].tables.flatMap((t) => t.policies.map((p) => `${app}.${t.name}/${p.name}`)),
            ...APP_DEFINITIONS[app].buckets.flatMap((b) => b.policies.map((p) => `storage.objects/${p.name}`)),
        ]).sort();
        const policies = await src.query("select schemaname || '.' || tablename || '/' || policyname as p from pg_policies where schemaname = any($1) order by 1", [SCHEMAS]);
        expect(policies.rows.map((r) => r.p)).toEqual(declared);
        const buckets = await src.query("select id from storage.buckets order by id");
        expect(buckets.rows.map((r) => r.id)).toEqual(APPS.flatMap((app) => APP_DEFINITIONS[app].buckets.map((b) => b.id)).sort());
        // Every table of the apps seeded here holds rows, so the comparisons below are never of empty
        // tables. An app added later (the add-an-app runbook) is dumped and restored all the same:
        // its schema, tables, grants and policies are in the snapshots compared below.
        for (const app of APPS.filter((a) => SEED.some(([table]) => table.startsWith(`${a}.`)))) {
            for (const table of APP_DEFINITIONS[app].tables) expect(seedRows(`${app}.${table.name}`).length, `${app}.${table.name}`).toBeGreaterThan(0);
        }
        for (const [table, rows] of SEED) {
            const key = keyColumn(table);
            const found = await src.query(`select ${escapeIdentifier(key)}::text as k from ${qualified(table)} order by 1`);
            expect(found.rows.map((r) => r.k), table).toEqual(keysOf(rows, key));
        }
        const users = await src.query("select id::text, encrypted_password from auth.users order by id");
        expect(users.rows).toEqual(seedRows("auth.users").map((u) => ({ id: u.id, encrypted_password: u.encrypted_password })));
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

    it("dumps roles without password hashes, each creatable over an existing role", async () => {
        const roles = fs.readFileSync(path.join(snapshotDir, BACKUP_FILES.roles), "utf8");
        for (const app of APPS) {
            expect(roles).toContain(`DO $r$ BEGIN CREATE ROLE ${appServiceRole(app)}; EXCEPTION WHEN duplicate_object THEN NULL; END $r$;`);
        }
        expect(roles).not.toMatch(/^CREATE ROLE/m);
        expect(roles).not.toMatch(/PASSWORD '|SCRAM-SHA-256|md5[0-9a-f]{32}/);
        // Not one of the source's real hashes (every login role has the bundle's password there).
        const hashes = (await src.query("select rolname, rolpassword from pg_authid where rolpassword is not null")).rows;
        expect(hashes.map((h) => h.rolname)).toContain("authenticator");
        for (const h of hashes) expect(roles, h.rolname).not.toContain(h.rolpassword);
    });

    it("restores everything into an empty PostgreSQL 15", async () => {
        // The dump covers auth, storage and the app schemas, not the image's `extensions`, which
        // they reference (storage.objects.id defaults to extensions.uuid_generate_v4() in the image's
        // storage init script): a bare server needs that schema first. The runbook restores onto a
        // deployed platform, where the image made it.
        const bare = await empty.connect();
        await bare.query("create schema extensions; create extension \"uuid-ossp\" with schema extensions; create extension pgcrypto with schema extensions");
        await bare.end();
        const superuser = decodeURIComponent(new URL(empty.url).password);
        const result = await runArgv(restoreCommand(APPS), { ...libpqEnv(empty.port, empty.superuser, superuser), RESTORE_FROM: snapshotDir });
        expect(result.stderr).not.toMatch(/ERROR|FATAL/);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`restored ${snapshotDir}`);
        const client = await empty.connect();
        expect(await snapshot(client)).toEqual(expected);
    });

    it("restores over a freshly deployed platform, as supabase_admin, twice in a row", async () => {
        const env = { ...adminEnv(fresh.pg.port), RESTORE_FROM: snapshotDir };
        for (let i = 0; i < 2; i++) {
            const result = await runArgv(restoreCommand(APPS), env);
            expect(result.code, result.stderr).toBe(0);
        }
        const client = await fresh.pg.connect();
        expect(await snapshot(client)).toEqual(expected);
    });

    describe.each([
        ["an empty server", () => ({ target: { host: "127.0.0.1", port: empty.port }, pg: empty })],
        ["a fresh platform", () => ({ target: fresh.target, pg: fresh.pg })],
    ])("row-level security after the restore into %s, as PostgREST applies it", (where, restored) => {
        let api: Api;
        const tokens = () => ({ A: userToken(secrets.jwtSecret, A, "a@example.test"), B: userToken(secrets.jwtSecret, B, "b@example.test") });
        const ids = (rows: Row[]) => rows.map((r) => String(r.id)).sort();
        const rowsOf = async (token: string, sql: string, params: unknown[] = []) => {
            const outcome = await api.request(token, sql, params);
            return outcome.ok ? outcome.rows.map((r) => String(r.id)).sort() : outcome.message;
        };

        beforeAll(async () => {
            const { target, pg } = restored();
            if (where === "an empty server") {
                // roles.sql carries no passwords and a bare server has none: give PostgREST's login
                // one, as the runbook says for login roles that come back without a password. On a
                // platform the image and RolePasswords have already set it (the other case).
                const admin = await pg.connect();
                await admin.query(`ALTER ROLE authenticator WITH PASSWORD ${escapeLiteral(secrets.postgresPassword)}`);
            }
            api = await Api.connect(target, secrets.postgresPassword, secrets.jwtSecret);
            clients.push(api);
        });

        it("each user sees only their own transactions", async () => {
            const t = tokens();
            const transactions = seedRows("money_tracker.transactions");
            const mine = (user: string) => ids(transactions.filter((r) => r.user_id === user));
            expect(await rowsOf(t.A, "select id from money_tracker.transactions")).toEqual(mine(A));
            expect(await rowsOf(t.B, "select id from money_tracker.transactions")).toEqual(mine(B));
            expect(await rowsOf(secrets.anonKey, "select id from money_tracker.transactions")).toBe("permission denied for table transactions");
        });

        it("anonymous visitors see published pages only; users see only their own receipts", async () => {
            const t = tokens();
            expect(await rowsOf(secrets.anonKey, "select id from home_portal.pages")).toEqual(ids(seedRows("home_portal.pages").filter((p) => p.published)));
            const receipts = seedRows("storage.objects").filter((o) => o.bucket_id === RECEIPTS);
            expect(await rowsOf(t.A, "select id from storage.objects where bucket_id = $1", [RECEIPTS])).toEqual(ids(receipts.filter((o) => o.owner === A)));
        });

        it("rejects a row in someone else's name, and new rows get fresh keys from the restored defaults", async () => {
            const t = tokens();
            const category = seedRows("money_tracker.categories").find((c) => c.user_id === A)!.id;
            const foreign = await api.request(t.A, "insert into money_tracker.transactions (user_id, amount) values ($1, 1)", [B]);
            expect(foreign.ok ? foreign.rows : foreign.message).toBe('new row violates row-level security policy for table "transactions"');
            // Keys are uuid defaults (no sequence to continue); user_id defaults to auth.uid().
            const inserted = await api.request(t.A, "insert into money_tracker.transactions (amount, category_id) values (-5, $1) returning id, user_id", [category]);
            expect(inserted.ok ? inserted.rows.length : inserted.message).toBe(1);
            const row = inserted.ok ? inserted.rows[0] : {};
            expect(row.user_id).toBe(A);
            expect(ids(seedRows("money_tracker.transactions"))).not.toContain(row.id);
        });
    });

    it("changes nothing when the backup is damaged", async () => {
        const damaged = fs.mkdtempSync(path.join(os.tmpdir(), "damaged-"));
        fs.copyFileSync(path.join(snapshotDir, BACKUP_FILES.roles), path.join(damaged, BACKUP_FILES.roles));
        const archive = fs.readFileSync(path.join(snapshotDir, BACKUP_FILES.database));
        fs.writeFileSync(path.join(damaged, BACKUP_FILES.database), archive.subarray(0, Math.floor(archive.length / 2)));
        const client = await fresh.pg.connect();
        const gone = seedRows("home_portal.site_settings")[0].key;
        await client.query("delete from home_portal.site_settings where key = $1", [gone]);
        const before = await snapshot(client);
        const result = await runArgv(restoreCommand(APPS), { ...adminEnv(fresh.pg.port), RESTORE_FROM: damaged });
        expect(result.code).not.toBe(0);
        expect(await snapshot(client)).toEqual(before);
        expect((await client.query("select count(*)::int as n from home_portal.site_settings where key = $1", [gone])).rows[0].n).toBe(0);
        fs.rmSync(damaged, { recursive: true, force: true });
    });

    it("refuses to run without RESTORE_FROM", async () => {
        const result = await runArgv(restoreCommand(APPS), adminEnv(fresh.pg.port));
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("set RESTORE_FROM to one backup directory");
    });

    it("ships the tested restore script to the cluster, where the runbook runs it", () => {
        expect(shippedRestoreScript).toBe(restoreScript(APPS));
        expect(restoreCommand(APPS)).toEqual(["sh", "-c", shippedRestoreScript]);
    });
});
