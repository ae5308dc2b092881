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

    it("creates the apps' channel policies on Realtime's realtime.messages", async () => {
        const policies = await admin.query("select count(*)::int as n from pg_policies where schemaname = 'realtime' and tablename = 'messages'");
        expect(policies.rows[0].n).toBeGreaterThan(0);
    });
});
