// Release v0.8.2's database: the program's layer applied to PostgreSQL 17 as supabase/postgres
// 17.x makes it (`postgres` demoted, supabase_admin the superuser the layer logs in as), after
// Realtime's own tenant schema, which the layer waits for. Where the image's scripts are not
// readable, the world runs on bootstrap.sql and says so in one line (support/world.ts).
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgramRun } from "../../offline/engine";
import { runStack } from "../support/program";
import { applyDatabaseLayer, AppliedResource } from "./support/apply";
import { addRealtimeImageParts, connectAs, runImageInitScripts, runRealtimeTenantMigrations, stackSecrets, StackSecrets, startWorld, World } from "./support/world";

describe("release v0.8.2: the database layer on PostgreSQL 17", () => {
    let world: World;
    let run: ProgramRun;
    let secrets: StackSecrets;
    let applied: AppliedResource[];
    let admin: Client;

    beforeAll(async () => {
        [world, run] = await Promise.all([startWorld({ release: "v0.8.2" }), runStack("dev", { overrides: { release: "v0.8.2" } })]);
        secrets = stackSecrets(run);
        await runImageInitScripts(world, secrets.postgresPassword);
        // Realtime is on in v0.8.2; its pod creates realtime.messages before the channel policies can exist.
        await addRealtimeImageParts(world);
        await runRealtimeTenantMigrations(world);
        applied = await applyDatabaseLayer(run, world.target);
        admin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
    });

    afterAll(async () => {
        await admin?.end();
        await world?.pg.stop();
    });

    it("runs on PostgreSQL 17", async () => {
        expect((await admin.query("select current_setting('server_version_num')::int / 10000 as major")).rows[0].major).toBe(17);
    });

    it("applies every resource of the layer, as supabase_admin", async () => {
        expect(applied.length).toBeGreaterThan(50);
        const owner = await admin.query("select tableowner from pg_tables where schemaname = 'money_tracker' and tablename = 'transactions'");
        expect(owner.rows).toEqual([{ tableowner: "supabase_admin" }]);
        const rls = await admin.query("select relrowsecurity from pg_class where oid = 'money_tracker.transactions'::regclass");
        expect(rls.rows).toEqual([{ relrowsecurity: true }]);
    });

    it("gives postgres the bundle's password; on the image's bootstrap it stays demoted", async () => {
        const postgres = await connectAs(world, "postgres", secrets.postgresPassword);
        try {
            const { rolsuper } = (await postgres.query("select rolsuper from pg_roles where rolname = current_user")).rows[0];
            expect(rolsuper).toBe(world.bootstrap.kind === "fixture");
        } finally {
            await postgres.end();
        }
    });

    it("lets the dashboard's role (postgres) edit app rows but not the structure the program declares", async () => {
        // Issue 20 item 6: meta connects as the demoted postgres in v0.8.2; app objects stay
        // supabase_admin's (components/database/app.ts, DASHBOARD_TABLE_PRIVILEGES).
        const postgres = await connectAs(world, "postgres", secrets.postgresPassword);
        try {
            for (const table of ["categories", "transactions", "budgets"]) {
                // Granted to postgres itself, not only through the image's `grant service_role to
                // postgres` (20230201083204_grant_auth_roles_to_postgres.sql), which a later image may drop.
                const direct = await admin.query(
                    `select privilege_type from information_schema.role_table_grants
                      where grantee = 'postgres' and table_schema = 'money_tracker' and table_name = $1 order by 1`, [table]);
                expect(direct.rows.map((r) => r.privilege_type).sort(), table).toEqual(["DELETE", "INSERT", "SELECT", "UPDATE"]);
            }
            // The table editor's reads and writes run (postgres bypasses RLS, so it sees every row).
            await postgres.query("select * from money_tracker.transactions");
            await postgres.query("update money_tracker.transactions set description = description where false");
            await postgres.query("delete from money_tracker.transactions where false");
            if (world.bootstrap.kind === "fixture") return;
            // Structure is the program's: altering a table, adding one, or changing a policy is refused.
            await expect(postgres.query("alter table money_tracker.transactions add column note text")).rejects.toThrow(/must be owner/);
            await expect(postgres.query("create table money_tracker.scratch (id int)")).rejects.toThrow(/permission denied for schema/);
            await expect(postgres.query(`alter policy "${(await admin.query("select policyname from pg_policies where schemaname = 'money_tracker' limit 1")).rows[0].policyname}" on money_tracker.transactions using (true)`))
                .rejects.toThrow(/must be owner|does not exist/);
            await expect(postgres.query("alter table money_tracker.transactions disable row level security")).rejects.toThrow(/must be owner/);
        } finally {
            await postgres.end();
        }
    });

    it("creates the apps' channel policies on Realtime's realtime.messages", async () => {
        const policies = await admin.query("select count(*)::int as n from pg_policies where schemaname = 'realtime' and tablename = 'messages'");
        expect(policies.rows[0].n).toBeGreaterThan(0);
    });
});
