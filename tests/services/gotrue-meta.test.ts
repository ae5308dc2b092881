// The real GoTrue and postgres-meta of each release, started with the env the program renders, on
// PostgreSQL as the image makes it with the services' own migrations and the program's database
// layer (tests/services/stack.ts). GoTrue: the seed document's login flow, then every link GoTrue
// generates, routed by the program's gateway config, reaching GoTrue and signing the user in; the
// access token then drives RLS on the app tables. meta: as the release's role, the dashboard's
// reads and what it may change (README, "What the dashboard may change"), and its real connection
// count under concurrent requests, held against the budget the program enforces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, escapeIdentifier } from "pg";
import { parseKongYaml, KongDeclarativeConfig } from "../../components/services/kong/declarative-config";
import { serviceUrl } from "../../components/endpoints";
import { RELEASE_NAMES, Release } from "../../releases";
import { connectAs } from "../database/support/world";
import { simulateKong } from "../support/kong";
import { findManifest } from "../support/program";
import { connectionsOf, http, missingBuilds, observe, present, printObservations, SERVICE_BUILDS } from "./support/services";
import { ServiceStack, startStack } from "./stack";
import { metaDatabaseUser } from "../../components/services/meta/env";
import { META_DB_CONNECTIONS } from "../../components/services/meta/facts";

const PASSWORD = "correct-horse-battery-staple";
const missing = missingBuilds();
for (const line of missing) console.log(`services tier: ${line}`);

afterAll(() => printObservations());

describe.each(RELEASE_NAMES.filter((r) => present(SERVICE_BUILDS[r].gotrue.binary)))("release %s: real GoTrue and postgres-meta", (release: Release) => {
    let s: ServiceStack;
    let kong: KongDeclarativeConfig;
    let anon: string;
    let serviceRole: string;
    const gotrueUpstream = () => serviceUrl("gotrue", s.namespace).replace(/\/$/, "");

    /** A request as the gateway forwards it: the route the program's kong.yml picks, then the real service. */
    async function throughGateway(url: URL, method = "GET", headers: Record<string, string> = {}) {
        const outcome = simulateKong(kong, { path: url.pathname, apikey: headers.apikey });
        if (outcome.status !== 200) return { route: outcome.service ?? "(none)", status: outcome.status, location: undefined as string | undefined };
        if (!outcome.upstream.startsWith(gotrueUpstream())) return { route: outcome.service, status: -1, location: undefined };
        const path = outcome.upstream.slice(gotrueUpstream().length) + url.search;
        const res = await http(s.gotrue.url, method, path, headers);
        return { route: outcome.service, status: res.status, location: res.headers.get("location") ?? undefined, json: res.json };
    }

    beforeAll(async () => {
        s = await startStack(release);
        for (const line of s.standIns) console.log(`services tier (${release}): ${line}`);
        kong = parseKongYaml(findManifest(s.run, "Secret", "kong-config").stringData["kong.yml"]);
        anon = s.secrets.anonKey;
        serviceRole = s.secrets.serviceRoleKey;
    });
    afterAll(async () => {
        await s?.stop();
    });

    const admin = () => ({ apikey: serviceRole, authorization: `Bearer ${serviceRole}` });
    const users: Record<string, { id: string; email: string; access: string; refresh: string }> = {};

    it("runs the release's GoTrue tag, migrated by itself on the image's auth schema", async () => {
        const health = await http(s.gotrue.url, "GET", "/health");
        expect(health.status).toBe(200);
        expect(health.json.version).toBe(SERVICE_BUILDS[release].gotrue.version);
        const migrations = await s.admin.query("select count(*)::int as n from auth.schema_migrations");
        expect(migrations.rows[0].n).toBeGreaterThan(10);
        observe({ release, flow: `GoTrue ${health.json.version} starts with the rendered env and migrates`, expected: "200 /health", observed: `${health.status}, ${migrations.rows[0].n} migrations` });
    });

    it("login flow: admin-create, password grant, GET /user, refresh, logout, sign-up", async () => {
        for (const who of ["a", "b"]) {
            const email = `user-${who}-${release}@example.com`;
            const created = await http(s.gotrue.url, "POST", "/admin/users", admin(), { email, password: PASSWORD, email_confirm: true });
            expect(created.status, JSON.stringify(created.json)).toBe(200);
            const token = await http(s.gotrue.url, "POST", "/token?grant_type=password", { apikey: anon }, { email, password: PASSWORD });
            expect(token.status, JSON.stringify(token.json)).toBe(200);
            users[who] = { id: created.json.id, email, access: token.json.access_token, refresh: token.json.refresh_token };
        }
        const me = await http(s.gotrue.url, "GET", "/user", { apikey: anon, authorization: `Bearer ${users.a.access}` });
        expect(me.status).toBe(200);
        expect(me.json.id).toBe(users.a.id);
        const refreshed = await http(s.gotrue.url, "POST", "/token?grant_type=refresh_token", { apikey: anon }, { refresh_token: users.a.refresh });
        expect(refreshed.status, JSON.stringify(refreshed.json)).toBe(200);
        expect(refreshed.json.user.id).toBe(users.a.id);
        const logout = await http(s.gotrue.url, "POST", "/logout", { apikey: anon, authorization: `Bearer ${refreshed.json.access_token}` });
        expect(logout.status).toBe(204);
        // The refresh token of the logged-out session no longer works.
        const after = await http(s.gotrue.url, "POST", "/token?grant_type=refresh_token", { apikey: anon }, { refresh_token: refreshed.json.refresh_token });
        expect(after.status).toBeGreaterThanOrEqual(400);
        // Sign-up as the stack configures it (dev: sign-up open, autoconfirm on).
        const signup = await http(s.gotrue.url, "POST", "/signup", { apikey: anon }, { email: `new-${release}@example.com`, password: PASSWORD });
        expect(signup.status, JSON.stringify(signup.json)).toBe(200);
        observe({ release, flow: "admin-create, password grant, GET /user, refresh, logout (refresh token revoked), sign-up", expected: "200, 200, 200, 200, 204, ≥400, 200", observed: `${200}, ${200}, ${me.status}, ${refreshed.status}, ${logout.status}, ${after.status}, ${signup.status}` });
    });

    it("every link GoTrue generates resolves through the gateway's routes to GoTrue's /verify, which signs the user in", async () => {
        const types: [string, Record<string, unknown>][] = [
            ["magiclink", { email: users.a.email }],
            ["recovery", { email: users.a.email }],
            ["invite", { email: `invited-${release}@example.com` }],
            ["signup", { email: `linked-${release}@example.com`, password: PASSWORD }],
            ["email_change_new", { email: users.b.email, new_email: `changed-${release}@example.com` }],
        ];
        const apiUrl = new URL(s.run.outputs.apiUrl.value as string);
        for (const [type, body] of types) {
            const res = await http(s.gotrue.url, "POST", "/admin/generate_link", admin(), { type, ...body });
            expect(res.status, `${type}: ${JSON.stringify(res.json)}`).toBe(200);
            const link = new URL(res.json.action_link ?? res.json.properties?.action_link);
            expect(link.origin, type).toBe(apiUrl.origin);
            expect(link.pathname, type).toBe("/auth/v1/verify");
            const through = await throughGateway(link);
            expect(through.route, type).toBe("auth-v1-open");
            // GoTrue verifies the token and redirects to the site with a session (or, for an
            // e-mail change awaiting its second confirmation, a message) in the fragment.
            expect(through.status, `${type}: ${JSON.stringify(through)}`).toBe(303);
            expect(through.location, type).toMatch(type === "email_change_new" ? /#(access_token=|message=)/ : /#access_token=/);
            observe({ release, flow: `generate_link ${type}: ${link.pathname} via gateway, GET`, expected: "route auth-v1-open → GoTrue /verify, 303 with a session", observed: `route ${through.route}, ${through.status} ${through.location?.replace(/#.*/, "#…") ?? ""}` });
        }
        // Control: GoTrue's default path, which the seed's config left in place without SMTP.
        const unfixed = new URL(`/verify?token=x&type=magiclink`, s.gotrueEnv.API_EXTERNAL_URL);
        const control = simulateKong(kong, { path: unfixed.pathname });
        expect(control.status === 200 && control.upstream.startsWith(gotrueUpstream())).toBe(false);
        observe({ release, flow: "control: a link at GoTrue's default /verify", expected: "does not reach GoTrue", observed: control.status === 200 ? `route ${control.service} → ${control.upstream}` : `${control.status} (${control.reason})` });
    });

    it("the access token drives RLS on the app tables: each user sees and writes only their own rows", async () => {
        const authenticator = await connectAs(s.world, "authenticator", s.secrets.postgresPassword);
        const asUser = async (who: string, sql: string, params: unknown[] = []) => {
            const claims = JSON.parse(Buffer.from(users[who].access.split(".")[1], "base64url").toString());
            await authenticator.query("BEGIN");
            try {
                await authenticator.query(`SET LOCAL ROLE ${escapeIdentifier(claims.role)}`);
                await authenticator.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
                const r = await authenticator.query(sql, params);
                await authenticator.query("COMMIT");
                return r.rows;
            } catch (e) {
                await authenticator.query("ROLLBACK");
                throw e;
            }
        };
        try {
            await asUser("a", "insert into money_tracker.categories (name) values ('groceries')");
            await asUser("b", "insert into money_tracker.categories (name) values ('rent')");
            const seenByA = await asUser("a", "select name, user_id from money_tracker.categories");
            expect(seenByA).toEqual([{ name: "groceries", user_id: users.a.id }]);
            await expect(asUser("a", "insert into money_tracker.categories (name, user_id) values ('x', $1)", [users.b.id])).rejects.toThrow(/row-level security/);
            const updated = await asUser("a", "update money_tracker.categories set name = 'mine' where name = 'rent' returning 1");
            expect(updated).toEqual([]);
            observe({ release, flow: "RLS with GoTrue's real access token: A reads, writes as B, updates B's row", expected: "own row only, refused, 0 rows", observed: `${seenByA.length} own row, refused, ${updated.length} rows` });
        } finally {
            await authenticator.end();
        }
    });

    describe.skipIf(!present(SERVICE_BUILDS[release].meta.binary))("postgres-meta", () => {
        const role = metaDatabaseUser(release);
        const headers = () => ({ "content-type": "application/json" });

        it("connects as the release's role and lists the app's tables and policies", async () => {
            expect(s.metaEnv!.PG_META_DB_USER).toBe(role);
            const who = await http(s.meta!.url, "POST", "/query", headers(), { query: "select current_user as u" });
            expect(who.json).toEqual([{ u: role }]);
            const tables = await http(s.meta!.url, "GET", "/tables?included_schemas=money_tracker");
            expect(tables.status).toBe(200);
            expect((tables.json as { name: string }[]).map((t) => t.name).sort()).toEqual(["budgets", "categories", "transactions"]);
            const policies = await http(s.meta!.url, "GET", "/policies");
            expect((policies.json as { schema: string }[]).filter((p) => p.schema === "money_tracker").length).toBeGreaterThan(0);
            observe({ release, flow: `meta ${SERVICE_BUILDS[release].meta.version} as ${role}: current_user, GET /tables, GET /policies`, expected: `${role}, 3 app tables, app policies`, observed: `${who.json[0]?.u}, ${(tables.json as unknown[]).length} tables, ${(policies.json as { schema: string }[]).filter((p) => p.schema === "money_tracker").length} app policies` });
        });

        it("lets the dashboard edit rows, and changes structure only where the release's role owns it", async () => {
            const q = (query: string) => http(s.meta!.url, "POST", "/query", headers(), { query });
            const rows = await q("update money_tracker.categories set name = name returning id");
            expect(rows.status).toBe(200);
            expect((rows.json as unknown[]).length).toBe(2);
            const alter = await q("alter table money_tracker.categories add column note text");
            const create = await q("create table money_tracker.scratch (id int)");
            const policy = await q("alter table money_tracker.categories disable row level security");
            if (release === "seed") {
                // supabase_admin owns everything: the dashboard can change structure behind Pulumi.
                for (const r of [alter, create, policy]) expect(r.status, JSON.stringify(r.json)).toBe(200);
                await s.admin.query("alter table money_tracker.categories drop column note; drop table money_tracker.scratch; alter table money_tracker.categories enable row level security");
            } else {
                expect(alter.status).toBe(400);
                expect(JSON.stringify(alter.json)).toMatch(/must be owner/);
                expect(JSON.stringify(create.json)).toMatch(/permission denied for schema/);
                expect(JSON.stringify(policy.json)).toMatch(/must be owner/);
            }
            observe({ release, flow: `dashboard (meta as ${role}): edit rows; ALTER TABLE, CREATE TABLE, DISABLE RLS in an app schema`, expected: release === "seed" ? "rows edited; all three succeed (superuser)" : "rows edited; all three refused", observed: `${(rows.json as unknown[]).length} rows edited; ${[alter, create, policy].map((r) => r.status).join(", ")}` });
        });

        it("holds one connection per request in flight, within the budget the program counts for it", async () => {
            const N = 8;
            // The watcher connects first: on the seed meta's role is supabase_admin, like the watcher's.
            const watcher = new Client({ ...s.world.target, user: "supabase_admin", password: s.secrets.postgresPassword, database: "postgres" });
            await watcher.connect();
            const before = await connectionsOf(watcher, role);
            try {
                // Each query waits on a lock the test holds, so all N are in flight together, however slow the machine.
                await s.admin.query("select pg_advisory_lock(20020)");
                const inflight = Array.from({ length: N }, () => http(s.meta!.url, "POST", "/query", headers(), { query: "select pg_advisory_lock_shared(20020), pg_advisory_unlock_shared(20020)" }));
                let peak = 0;
                for (let i = 0; i < 600 && peak < before + N; i++) {
                    const r = await watcher.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 20020 and not granted");
                    peak = Math.max(peak, before + r.rows[0].n);
                    if (peak < before + N) await new Promise((res) => setTimeout(res, 100));
                }
                const held = await connectionsOf(watcher, role);
                await s.admin.query("select pg_advisory_unlock(20020)");
                const answers = await Promise.all(inflight);
                for (const a of answers) expect(a.status).toBe(200);
                expect(held - before).toBe(N);
                expect(N).toBeLessThanOrEqual(META_DB_CONNECTIONS);
                observe({ release, flow: `meta: ${N} concurrent POST /query`, expected: `${N} connections as ${role}, ≤ ${META_DB_CONNECTIONS} budgeted per pod`, observed: `${held - before} connections` });
            } finally {
                await watcher.end();
            }
        });
    });
});

if (missing.length > 0 && RELEASE_NAMES.every((r) => !present(SERVICE_BUILDS[r].gotrue.binary))) {
    describe("services tier", () => {
        it.skip(`needs the service builds: ${missing[0]}`, () => undefined);
    });
}
