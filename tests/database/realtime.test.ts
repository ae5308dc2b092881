// Issue #15, the database side of Realtime on a real PostgreSQL 15: the layer with Realtime on
// creates `_realtime`, adopts the image's `realtime` schema and publication, puts the opted-in
// app table into the publication, and creates the apps' realtime.messages policies only once
// Realtime's own tenant migrations have created that table. Then Realtime's private-channel
// authorization is replayed as supabase/realtime@v2.129.8 runs it
// (lib/realtime/tenants/authorization.ex:228-240 set_conn_config, 243-280 the read check,
// 282-350 the write check): a user joins only `user:<their id>`, anon joins nothing.
import * as crypto from "crypto";
import * as jwt from "jsonwebtoken";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ProgramRun, runProgram } from "../../offline/engine";
import { renderDatabaseReport } from "../../offline/reports/database";
import { realtimeProblems, userChannelPolicies } from "../../components/database/realtime-model";
import { MESSAGES_MISSING_HINT } from "../../components/database/realtime";
import { publicationTableProvider, waitForRelation } from "../../components/database/providers/realtime";
import { applyDatabaseLayer } from "./support/apply";
import { userToken } from "./support/session";
import { addRealtimeImageParts, connectAs, runImageInitScripts, runRealtimeTenantMigrations, stackSecrets, StackSecrets, startWorld, World } from "./support/world";
import { runStack } from "../support/program";

const A = "a0000000-0000-4000-8000-00000000000a";
const B = "b0000000-0000-4000-8000-00000000000b";

let world: World;
let run: ProgramRun;
let secrets: StackSecrets;
let admin: Client;
let realtimeLogin: Client;
/** What the database looked like while the layer waited for Realtime's migrations. */
let whileWaiting: { metadataSchema: boolean; published: boolean; channelPolicies: number; applyPending: boolean };

async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

beforeAll(async () => {
    vi.resetModules();
    [world, run] = await Promise.all([startWorld(), runProgram({ stack: "dev", load: () => import("./support/realtime-program") })]);
    secrets = stackSecrets(run);
    await runImageInitScripts(world, secrets.postgresPassword);
    await addRealtimeImageParts(world);

    // `pulumi up` and the Realtime pod at the same time: the layer must stop at the wait until
    // the pod's tenant migrations have created realtime.messages.
    let settled = false;
    const applying = applyDatabaseLayer(run, world.target).finally(() => (settled = true));
    applying.catch(() => undefined);
    admin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
    const one = async (sql: string) => (await admin.query(sql)).rows[0];
    await until("the opted-in table in the publication", async () => settled
        || (await one("select count(*)::int as n from pg_publication_tables where pubname = 'supabase_realtime'")).n > 0);
    await new Promise((r) => setTimeout(r, 1500));
    whileWaiting = {
        metadataSchema: (await one("select to_regnamespace('_realtime') is not null as x")).x,
        published: (await one("select count(*)::int as n from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'money_tracker' and tablename = 'transactions'")).n === 1,
        channelPolicies: (await one("select count(*)::int as n from pg_policies where schemaname = 'realtime'")).n,
        applyPending: !settled,
    };
    // Realtime boots (it needed `_realtime`) and runs its tenant migrations.
    await runRealtimeTenantMigrations(world);
    await applying;
    await admin.query("insert into auth.users (id, aud, role, email) values ($1, 'authenticated', 'authenticated', 'a@example.com'), ($2, 'authenticated', 'authenticated', 'b@example.com')", [A, B]);
    // Realtime's DB_USER.
    realtimeLogin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
}, 120_000);

afterAll(async () => {
    await realtimeLogin?.end();
    await admin?.end();
    await world?.pg.stop();
});

type Extension = "broadcast" | "presence";
const EXTENSIONS: Extension[] = ["broadcast", "presence"];
type Access = Record<Extension, { read: boolean; write: boolean }>;

/**
 * Realtime's check for a private channel, statement for statement: the read probe rows are
 * inserted as Realtime's own login before the role switch, then read back under the user's role
 * and claims; the write probe is an INSERT under that role in a savepoint, where 42501 means no.
 * Both transactions are rolled back.
 */
async function authorize(token: string, topic: string): Promise<Access> {
    const claims = jwt.verify(token, secrets.jwtSecret, { algorithms: ["HS256"] }) as jwt.JwtPayload;
    const config = [String(claims.role), topic, JSON.stringify(claims), claims.sub ?? null, String(claims.role), JSON.stringify({ host: "realtime-dev.supabase-realtime" })];
    const setConnConfig = `select set_config('role', $1, true), set_config('realtime.topic', $2, true), set_config('request.jwt.claims', $3, true),
        set_config('request.jwt.claim.sub', $4, true), set_config('request.jwt.claim.role', $5, true), set_config('request.headers', $6, true)`;
    const access = {} as Access;
    const c = realtimeLogin;

    await c.query("BEGIN");
    try {
        const ids = Object.fromEntries(EXTENSIONS.map((e) => [e, crypto.randomUUID()])) as Record<Extension, string>;
        for (const e of EXTENSIONS) {
            await c.query("insert into realtime.messages (id, topic, extension, inserted_at, updated_at) values ($1, $2, $3, now(), now())", [ids[e], topic, e]);
        }
        await c.query(setConnConfig, config);
        const seen = new Set((await c.query("select id from realtime.messages where id = any($1::uuid[])", [Object.values(ids)])).rows.map((r) => r.id));
        for (const e of EXTENSIONS) access[e] = { read: seen.has(ids[e]), write: false };
    } finally {
        await c.query("ROLLBACK");
    }

    await c.query("BEGIN");
    try {
        await c.query(setConnConfig, config);
        for (const e of EXTENSIONS) {
            await c.query("SAVEPOINT probe");
            try {
                await c.query("insert into realtime.messages (topic, extension, inserted_at, updated_at) values ($1, $2, now(), now())", [topic, e]);
                await c.query("RELEASE SAVEPOINT probe");
                access[e].write = true;
            } catch (error) {
                await c.query("ROLLBACK TO SAVEPOINT probe");
                if ((error as { code?: string }).code !== "42501") throw error;
            }
        }
    } finally {
        await c.query("ROLLBACK");
    }
    return access;
}

const all = (on: boolean): Access => ({ broadcast: { read: on, write: on }, presence: { read: on, write: on } });

describe("Realtime's database side, applied with the layer", () => {
    it("creates _realtime and publishes the opted-in table before Realtime has migrated, and holds the channel policies back", () => {
        expect(whileWaiting).toEqual({ metadataSchema: true, published: true, channelPolicies: 0, applyPending: true });
    });

    it("_realtime and realtime belong to Realtime's login, supabase_admin", async () => {
        const rows = await admin.query("select nspname, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname in ('_realtime', 'realtime') order by 1");
        expect(rows.rows).toEqual([{ nspname: "_realtime", owner: "supabase_admin" }, { nspname: "realtime", owner: "supabase_admin" }]);
        const role = await admin.query("select rolsuper, rolcanlogin from pg_roles where rolname = 'supabase_admin'");
        expect(role.rows).toEqual([{ rolsuper: true, rolcanlogin: true }]);
    });

    it("the publication carries exactly the tables the apps opt in", async () => {
        const rows = await admin.query("select schemaname || '.' || tablename as t from pg_publication_tables where pubname = 'supabase_realtime' order by 1");
        expect(rows.rows.map((r) => r.t)).toEqual(["money_tracker.transactions"]);
    });

    it("realtime.messages carries money_tracker's two channel policies, auth functions read once per statement", async () => {
        await admin.query("BEGIN");
        // An empty search_path makes the deparsed expressions show every schema name.
        await admin.query("SET LOCAL search_path = ''");
        const rows = await admin.query("select policyname, cmd, roles::text[] as roles, qual, with_check from pg_policies where schemaname = 'realtime' and tablename = 'messages' order by policyname")
            .finally(() => admin.query("ROLLBACK"));
        expect(rows.rows.map((r) => [r.policyname, r.cmd, r.roles])).toEqual([
            ["money_tracker: join own user channel", "SELECT", ["authenticated"]],
            ["money_tracker: send on own user channel", "INSERT", ["authenticated"]],
        ]);
        for (const r of rows.rows) expect(`${r.qual ?? ""}${r.with_check ?? ""}`).toMatch(/\( SELECT realtime\.topic\(\) AS topic\).*\( SELECT auth\.uid\(\) AS uid\)/);
    });
});

describe("private channels, authorized as Realtime does", () => {
    const tokens = () => ({
        A: userToken(secrets.jwtSecret, A, "a@example.com"),
        B: userToken(secrets.jwtSecret, B, "b@example.com"),
        anon: secrets.anonKey,
        service_role: secrets.serviceRoleKey,
    });

    it("user A joins and sends on user:<A> only", async () => {
        expect(await authorize(tokens().A, `user:${A}`)).toEqual(all(true));
        expect(await authorize(tokens().A, `user:${B}`)).toEqual(all(false));
    });

    it("user B joins and sends on user:<B> only", async () => {
        expect(await authorize(tokens().B, `user:${B}`)).toEqual(all(true));
        expect(await authorize(tokens().B, `user:${A}`)).toEqual(all(false));
    });

    it("anon joins neither user channel", async () => {
        expect(await authorize(tokens().anon, `user:${A}`)).toEqual(all(false));
        expect(await authorize(tokens().anon, `user:${B}`)).toEqual(all(false));
    });

    it.each([["another topic", "room:1"], ["a longer topic", `user:${A}:x`], ["no prefix", A]])("A cannot join %s", async (_what, topic) => {
        expect(await authorize(tokens().A, topic)).toEqual(all(false));
    });

    it("service_role bypasses RLS: a backend joins any channel (keep its key server-side)", async () => {
        expect(await authorize(tokens().service_role, `user:${A}`)).toEqual(all(true));
    });

    it("nothing is left behind in realtime.messages", async () => {
        expect((await admin.query("select count(*)::int as n from realtime.messages")).rows[0].n).toBe(0);
    });
});

describe("Realtime's database pieces on their own", () => {
    it("a table leaves the publication when its opt-in is removed, and comes back", async () => {
        const inputs = { connection: { ...world.target, user: "supabase_admin", password: secrets.postgresPassword, database: "postgres" }, publication: "supabase_realtime", schema: "money_tracker", table: "transactions" };
        const count = async () => (await admin.query("select count(*)::int as n from pg_publication_tables where pubname = 'supabase_realtime'")).rows[0].n;
        await publicationTableProvider.delete!("x", inputs);
        expect(await count()).toBe(0);
        await publicationTableProvider.delete!("x", inputs);
        await publicationTableProvider.create!(inputs);
        await publicationTableProvider.create!(inputs);
        expect(await count()).toBe(1);
    });

    it("the wait for realtime.messages fails with the fix when Realtime never migrates", async () => {
        const connection = { ...world.target, user: "supabase_admin", password: secrets.postgresPassword, database: "postgres" };
        await expect(waitForRelation({ connection, relation: "realtime.no_such_table", timeoutSeconds: 0, hint: MESSAGES_MISSING_HINT }))
            .rejects.toThrow(/realtime\.no_such_table does not exist after 0s: Realtime has not run its tenant migrations/);
    });

    it("refuses channel policies that ignore the topic or may collide with another app's", () => {
        const loose = { name: "money_tracker: everyone", command: "select" as const, roles: ["authenticated"], using: "true" };
        const stray = { ...userChannelPolicies("home_portal")[0] };
        expect(realtimeProblems([{ schema: "money_tracker", description: "", tables: [], buckets: [], realtimeChannels: [loose, stray] }])).toEqual([
            'money_tracker: realtime.messages policy "money_tracker: everyone" does not look at realtime.topic(); it would open every private channel',
            'money_tracker: realtime.messages policy "home_portal: join own user channel" must start with "money_tracker: " (realtime.messages is shared by every app)',
        ]);
    });

    it("the review report shows the publication and the channel policies", () => {
        const md = renderDatabaseReport(run)!.markdown;
        expect(md).toContain("## Realtime");
        expect(md).toContain("`money_tracker.transactions`");
        expect(md).toContain("| money_tracker: join own user channel | SELECT | authenticated | `extension in ('broadcast', 'presence') and (select realtime.topic()) = 'user:' \\|\\| (select auth.uid())::text` | — |");
    });

    it("with Realtime off (the stacks today) the layer declares none of it", async () => {
        const dev = await runStack("dev");
        expect(dev.resources.filter((r) => r.type === "supabase:database:Realtime" || r.type.includes("Publication") || r.type.includes("RelationReady"))).toEqual([]);
        expect(renderDatabaseReport(dev)!.markdown).not.toContain("## Realtime");
    });
});
