// The pooler for real: Debian's PgBouncer (npm run tools -- --only pgbouncer) started with the
// pgbouncer.ini files and userlist.txt the program renders (the pooler's ConfigMap and Secret of a
// program run under the mock engine, only addresses, ports and paths changed), in front of
// PostgreSQL as each release's supabase/postgres image makes it, with the program's database layer
// applied (the pgbouncer password and the <app>_login roles included). An app's login role logs in
// through auth_query and the image's pgbouncer.get_auth (no password list), RLS holds per
// transaction, many clients share the configured pool, bad logins and superusers are refused, and
// the session port keeps a migration's session.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { appLoginRole, withPassword } from "../../components/services/pooler/connection";
import { GET_AUTH_AT, POOLER_AUTH_USER, POOLER_PORTS, PoolMode, PREPARED_STATEMENTS_SINCE, pgbouncerVersionOf } from "../../components/services/pooler/facts";
import { versionAtLeast } from "../../components/services/pooler/ini";
import { RELEASE_NAMES, Release } from "../../releases";
import { ProgramRun } from "../../offline/engine";
import type { PlatformOutputs } from "../../outputs";
import { applyDatabaseLayer } from "../database/support/apply";
import {
    addRealtimeImageParts, connectAs, runImageInitScripts, runRealtimeTenantMigrations, stackSecrets, StackSecrets, startWorld, World,
} from "../database/support/world";
import { findManifest, runStack } from "../support/program";
import { freePort } from "../support/postgres";
import { observe, printObservations } from "./support/services";
import { pgbouncerBuild, PgbouncerBuild, RunningPgbouncer, startPgbouncer } from "./support/pgbouncer";

const SCHEMA = "money_tracker";
const A = "a0000000-0000-4000-8000-00000000000a";
const B = "b0000000-0000-4000-8000-00000000000b";
const claims = (sub: string) => JSON.stringify({ sub, role: "authenticated" });

const build = pgbouncerBuild();
afterAll(() => printObservations());

/**
 * The image's state, the run's init scripts and the program's database layer, as tests/database does
 * it; with Realtime's tenant schema first where the release deploys Realtime (the layer waits for it).
 * The run deploys the pooler at both releases (the seed's default is off; at the seed's default
 * max_connections 100 the program refuses it: 23 left beside the other services, 30 asked).
 */
async function layeredWorld(release: Release): Promise<{ world: World; secrets: StackSecrets; admin: Client; run: ProgramRun }> {
    const [world, run] = await Promise.all([startWorld({ release }), runStack("dev", { overrides: { release, pooler: "true", ...(release === "seed" ? { postgresMaxConnections: 120 } : {}) } })]);
    const secrets = stackSecrets(run);
    await runImageInitScripts(world, secrets.postgresPassword);
    if (release === "v0.8.2") {
        await addRealtimeImageParts(world);
        await runRealtimeTenantMigrations(world);
    }
    await applyDatabaseLayer(run, world.target);
    return { world, secrets, run, admin: await connectAs(world, "supabase_admin", secrets.postgresPassword) };
}

/** What the program hands the pooler pod: both ini files (ConfigMap) and userlist.txt (Secret). */
function renderedPoolerFiles(run: ProgramRun): { ini: Record<PoolMode, string>; userlist: string } {
    const data = findManifest(run, "ConfigMap", "pooler-config").data as Record<string, string>;
    const secret = findManifest(run, "Secret", "pooler-secrets").stringData as Record<string, string>;
    return { ini: { transaction: data["transaction.ini"], session: data["session.ini"] }, userlist: secret["userlist.txt"] };
}

/**
 * The rendered ini as this machine runs it: the database at the test's address, PgBouncer on a free
 * loopback port, userlist.txt where the test wrote it, and, for a PgBouncer older than 1.21 (Debian's
 * 1.18), without max_prepared_statements, which it does not know. Every other line is the program's.
 */
function localIni(ini: string, local: { dbPort: number; port: number; authFile: string; version: string }): string {
    return ini.split("\n")
        .filter((line) => versionAtLeast(local.version, PREPARED_STATEMENTS_SINCE) || !line.startsWith("max_prepared_statements ="))
        .map((line) => line
            .replace(/ host=\S+ port=[0-9]+ /, ` host=127.0.0.1 port=${local.dbPort} `)
            .replace(/^listen_addr = .*/, "listen_addr = 127.0.0.1")
            .replace(/^listen_port = .*/, `listen_port = ${local.port}`)
            .replace(/^auth_file = .*/, `auth_file = ${local.authFile}`))
        .join("\n");
}

/** A setting of the [pgbouncer] section (or the database entry's key=value) as rendered. */
function setting(ini: string, key: string): string {
    const line = ini.split("\n").find((l) => l.startsWith(`${key} = `));
    if (!line) throw new Error(`the rendered ini has no ${key}`);
    return line.slice(key.length + 3);
}

const lineSet = (text: string) => new Set(text.split("\n"));
const onlyIn = (a: string, b: string) => [...lineSet(a)].filter((l) => !lineSet(b).has(l));

describe("the PgBouncer build", () => {
    it("is present (npm run tools -- --only pgbouncer)", () => {
        expect(typeof build === "string" ? build : "present").toBe("present");
    });
});

describe.each(RELEASE_NAMES.filter(() => typeof build !== "string"))("release %s: PgBouncer in front of the image's PostgreSQL", (release: Release) => {
    const bouncer = build as PgbouncerBuild;
    let w: { world: World; secrets: StackSecrets; admin: Client; run: ProgramRun };
    let dir: string;
    let loginPassword: string;
    let authPassword: string;
    let rendered: { ini: Record<PoolMode, string>; userlist: string };
    const here = {} as Record<PoolMode, string>;
    const running: Partial<Record<PoolMode, RunningPgbouncer>> = {};
    let getAuth: string;

    const viaPooler = async (mode: PoolMode, user = appLoginRole(SCHEMA), password = loginPassword, database = "postgres") => {
        const client = new Client({ host: "127.0.0.1", port: running[mode]!.port, user, password, database });
        await client.connect();
        return client;
    };
    const refusedVia = (mode: PoolMode, user: string, password: string) => viaPooler(mode, user, password).then(async (c) => { await c.end(); return "accepted"; }, (e: Error) => e.message);

    beforeAll(async () => {
        w = await layeredWorld(release);
        if (w.world.bootstrap.kind !== "image") throw new Error(`the pooler test needs the image's own scripts (${w.world.bootstrap.missing}); run npm run tools`);

        // What the image ships for PgBouncer, looked up as PgBouncer's auth user would.
        const asPgbouncer = await w.world.pg.connectAs(POOLER_AUTH_USER);
        getAuth = await asPgbouncer.query("select * from pgbouncer.get_auth('authenticator')").then((r) => `${r.rowCount} row`, (e: Error) => e.message);
        await asPgbouncer.end();

        // The app's login role and its password are the program's (the layer applied above); its rows are the test's.
        loginPassword = (w.run.outputs.poolerPasswords.value as NonNullable<PlatformOutputs["poolerPasswords"]>)[SCHEMA];
        await w.admin.query(`
            insert into auth.users (id, aud, role, email) values ('${A}', 'authenticated', 'authenticated', 'a@example.com'), ('${B}', 'authenticated', 'authenticated', 'b@example.com');
            insert into money_tracker.categories (user_id, name) values ('${A}', 'Food'), ('${A}', 'Rent'), ('${B}', 'Food');`);

        rendered = renderedPoolerFiles(w.run);
        authPassword = /^"pgbouncer" "(.*)"\n$/.exec(rendered.userlist)![1];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pooler-"));
        fs.chmodSync(dir, 0o755);
        const authFile = path.join(dir, "userlist.txt");
        fs.writeFileSync(authFile, rendered.userlist, { mode: 0o644 });
        for (const mode of ["transaction", "session"] as const) {
            const port = await freePort();
            here[mode] = localIni(rendered.ini[mode], { port, dbPort: w.world.target.port, authFile, version: bouncer.version });
            const file = path.join(dir, `${mode}.ini`);
            fs.writeFileSync(file, here[mode], { mode: 0o644 });
            running[mode] = await startPgbouncer(bouncer, file, port);
        }
    });

    afterAll(async () => {
        for (const r of Object.values(running)) await r?.stop();
        await w?.admin.end().catch(() => undefined);
        await w?.world.pg.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs the program's rendered ini and userlist with only address, ports, paths and the version's settings changed", () => {
        const prepared = versionAtLeast(bouncer.version, PREPARED_STATEMENTS_SINCE);
        for (const mode of ["transaction", "session"] as const) {
            const changed = onlyIn(rendered.ini[mode], here[mode]).map((l) => l.split(/[ =]/)[0]);
            // [databases] carries host and port; max_prepared_statements exists from PgBouncer 1.21 only.
            expect(changed.sort()).toEqual(["listen_addr", "listen_port", "auth_file", "postgres", ...(prepared ? [] : ["max_prepared_statements"])].sort());
            expect(onlyIn(here[mode], rendered.ini[mode]).map((l) => l.split(/[ =]/)[0]).sort()).toEqual(["listen_addr", "listen_port", "auth_file", "postgres"].sort());
            expect(setting(rendered.ini[mode], "listen_port")).toBe(String(POOLER_PORTS[mode]));
        }
        const image = findManifest(w.run, "Deployment", "pooler").spec.template.spec.containers[0].image as string;
        observe({ release, flow: "PgBouncer version", expected: `image ${image} runs ${pgbouncerVersionOf(image)}`, observed: `tested with Debian ${bouncer.version}` });
    });

    it("gives pgbouncer its own password, not the superuser's", async () => {
        expect(authPassword).not.toBe(w.secrets.postgresPassword);
        const own = await connectAs(w.world, POOLER_AUTH_USER, authPassword).then(async (c) => { await c.end(); return "accepted"; }, (e: Error) => e.message);
        const shared = await connectAs(w.world, POOLER_AUTH_USER, w.secrets.postgresPassword).then(async (c) => { await c.end(); return "accepted"; }, (e: Error) => e.message);
        expect(own).toBe("accepted");
        expect(shared).toMatch(/password authentication failed/);
    });

    it("has the image's pgbouncer.get_auth, which PgBouncer's auth user may run as the image leaves it", async () => {
        const expected = GET_AUTH_AT[release];
        const fn = await w.admin.query(`
            select pg_get_userbyid(p.proowner) as owner, p.prosecdef as definer, p.prosrc ~ $1 as reads, coalesce('search_path=""' = any(p.proconfig), false) as pinned,
                   pg_get_function_result(p.oid) as result, pg_get_function_arguments(p.oid) as args,
                   pg_get_userbyid((select relowner from pg_class where oid = 'pg_authid'::regclass)) = pg_get_userbyid(p.proowner) as owns_catalog
            from pg_proc p where p.oid = 'pgbouncer.get_auth(text)'::regprocedure`, [expected.reads]);
        observe({ release, flow: "pgbouncer.get_auth as pgbouncer", expected: `owner ${expected.owner}, reads ${expected.reads}`, observed: `${getAuth}; owner ${fn.rows[0].owner}, owns pg_authid: ${fn.rows[0].owns_catalog}` });
        expect(fn.rows[0]).toEqual({
            owner: expected.owner, definer: true, reads: true, pinned: expected.searchPathPinned,
            result: "TABLE(username text, password text)", args: "p_usename text",
            // A non-superuser owner (the seed's demoted postgres) reads pg_authid only as the catalogs' owner.
            owns_catalog: true,
        });
        expect(getAuth).toBe("1 row");
    });

    it("lets the app's login role in on the transaction port, through auth_query", async () => {
        // The template the stack outputs for the app, pointed at this machine's PgBouncer.
        const template = (w.run.outputs.poolerApps.value as NonNullable<PlatformOutputs["poolerApps"]>)[SCHEMA].inCluster.transaction;
        const url = withPassword(template.replace(/@[^/]+\//, `@127.0.0.1:${running.transaction!.port}/`), loginPassword);
        const client = new Client({ connectionString: url });
        await client.connect();
        const r = await client.query("select current_user, session_user, current_database()");
        await client.end();
        expect(r.rows[0]).toEqual({ current_user: appLoginRole(SCHEMA), session_user: appLoginRole(SCHEMA), current_database: "postgres" });
    });

    it("applies RLS per transaction and leaves nothing set for the next one on the same server connection", async () => {
        const client = await viaPooler("transaction");
        try {
            await client.query("begin");
            await client.query("set local role authenticated");
            await client.query("select set_config('request.jwt.claims', $1, true)", [claims(A)]);
            const asA = await client.query("select pg_backend_pid() as pid, array_agg(distinct user_id::text) as owners, count(*)::int as n from money_tracker.categories");
            await client.query("commit");
            expect(asA.rows[0].owners).toEqual([A]);
            expect(asA.rows[0].n).toBe(2);

            await client.query("begin");
            await client.query("set local role authenticated");
            await client.query("select set_config('request.jwt.claims', $1, true)", [claims(B)]);
            const asB = await client.query("select array_agg(distinct user_id::text) as owners from money_tracker.categories");
            await client.query("commit");
            expect(asB.rows[0].owners).toEqual([B]);

            const after = await client.query("select pg_backend_pid() as pid, current_user, current_setting('request.jwt.claims', true) as claims");
            // One client at a time: PgBouncer hands back the same server connection (LIFO), so this is the one A's transaction used.
            expect(after.rows[0].pid).toBe(asA.rows[0].pid);
            expect(after.rows[0].current_user).toBe(appLoginRole(SCHEMA));
            expect(after.rows[0].claims ?? "").toBe("");
            await expect(client.query("select count(*) from money_tracker.categories")).rejects.toThrow("permission denied for schema money_tracker");
        } finally {
            await client.end();
        }
    });

    it("lets a session-level set_config outlive the transaction on the transaction port (why requests use SET LOCAL)", async () => {
        const first = await viaPooler("transaction");
        const leaked = await first.query("select pg_backend_pid() as pid, set_config('request.jwt.claims', $1, false)", [claims(A)]);
        await first.end();
        const second = await viaPooler("transaction");
        const seen = await second.query("select pg_backend_pid() as pid, current_setting('request.jwt.claims', true) as claims");
        await second.query("select set_config('request.jwt.claims', '', false)");
        await second.end();
        expect(seen.rows[0].pid).toBe(leaked.rows[0].pid);
        expect(seen.rows[0].claims).toBe(claims(A));
        observe({ release, flow: "plain set_config on 6543, next client on the same server", expected: "visible to the next client", observed: `visible: ${seen.rows[0].claims === claims(A)}` });
    });

    it("multiplexes 30 concurrent clients onto at most max_db_connections server connections", async () => {
        const cap = Number(setting(rendered.ini.transaction, "max_db_connections"));
        const clients = await Promise.all(Array.from({ length: 30 }, () => viaPooler("transaction")));
        const pids = new Set<number>();
        let peak = 0;
        let sampling = true;
        // Every backend PgBouncer opened to the database (the app's pool and the auth user's lookups).
        const sampler = (async () => {
            while (sampling) {
                const r = await w.admin.query(
                    "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and usename = any($1)", [[appLoginRole(SCHEMA), POOLER_AUTH_USER]]);
                peak = Math.max(peak, r.rows[0].n);
                await new Promise((res) => setTimeout(res, 20));
            }
        })();
        try {
            await Promise.all(clients.map(async (c) => {
                for (let i = 0; i < 3; i++) {
                    await c.query("begin");
                    const r = await c.query("select pg_backend_pid() as pid, pg_sleep(0.05)");
                    await c.query("commit");
                    pids.add(r.rows[0].pid);
                }
            }));
        } finally {
            sampling = false;
            await sampler;
        }
        const admin = new Client({ host: "127.0.0.1", port: running.transaction!.port, user: POOLER_AUTH_USER, password: authPassword, database: "pgbouncer" });
        await admin.connect();
        const pools = (await admin.query("show pools")).rows.filter((p) => p.database === "postgres");
        await admin.end();
        await Promise.all(clients.map((c) => c.end()));
        const servers = pools.reduce((n, p) => n + Number(p.sv_active) + Number(p.sv_idle) + Number(p.sv_used) + Number(p.sv_tested) + Number(p.sv_login), 0);
        observe({ release, flow: "30 clients × 3 transactions on 6543", expected: `≤ ${cap} server connections`, observed: `${pids.size} distinct backends, peak ${peak} in pg_stat_activity, SHOW POOLS ${servers} servers` });
        expect(pids.size).toBeGreaterThan(1);
        expect(pids.size).toBeLessThanOrEqual(cap);
        expect(peak).toBeLessThanOrEqual(cap);
        expect(servers).toBeLessThanOrEqual(cap);
        expect(pools.map((p) => p.user).sort()).toEqual([appLoginRole(SCHEMA), POOLER_AUTH_USER].sort());
    });

    it("refuses a wrong password, an unknown role and another database", async () => {
        const wrong = await viaPooler("transaction", appLoginRole(SCHEMA), "not-the-password").then(() => "accepted", (e: Error) => e.message);
        const unknown = await viaPooler("transaction", "no_such_role", "whatever").then(() => "accepted", (e: Error) => e.message);
        const otherDb = await viaPooler("transaction", appLoginRole(SCHEMA), loginPassword, "template1").then(() => "accepted", (e: Error) => e.message);
        observe({ release, flow: "wrong password / unknown role / other database on 6543", expected: "refused", observed: `${wrong} / ${unknown} / ${otherDb}` });
        // The texts are PgBouncer's (Debian 1.18 here: "SASL authentication failed", and "no such user" when
        // auth_query finds no login role); no server connection is handed to any of them.
        expect(wrong).toMatch(/authentication failed/);
        expect(unknown).toMatch(/no such user|authentication failed/);
        // Only the database entry carries auth_user, so another database name cannot look anyone up.
        expect(otherDb).toMatch(/no such database|authentication failed/);
    });

    it("refuses superusers and the image's admin roles with their right password, on both ports, though get_auth would hand PgBouncer their secrets", async () => {
        const authQuery = setting(rendered.ini.transaction, "auth_query");
        const asPgbouncer = new Client({ ...w.world.target, user: POOLER_AUTH_USER, password: authPassword, database: "postgres" });
        await asPgbouncer.connect();
        const rows = async (role: string) => [
            (await asPgbouncer.query("select * from pgbouncer.get_auth($1)", [role])).rows.filter((r) => r.password).length,
            (await asPgbouncer.query(authQuery, [role])).rows.length,
        ];
        const lookups: Record<string, number[]> = {};
        for (const role of ["supabase_admin", "postgres", appLoginRole(SCHEMA)]) lookups[role] = await rows(role);
        await asPgbouncer.end();
        // The image's function returns the superuser's secret; the program's auth_query returns no row for it.
        expect(lookups).toEqual({ supabase_admin: [1, 0], postgres: [1, 0], [appLoginRole(SCHEMA)]: [1, 1] });

        const refused: string[] = [];
        for (const mode of ["transaction", "session"] as const) {
            for (const role of ["supabase_admin", "postgres"]) refused.push(await refusedVia(mode, role, w.secrets.postgresPassword));
        }
        observe({ release, flow: "supabase_admin / postgres with the right password via 6543 and 5432", expected: "refused", observed: [...new Set(refused)].join(" / ") });
        for (const message of refused) expect(message).toMatch(/no such user|authentication failed/);

        // A role the allowlist names but that was made privileged by hand is refused as well (not looked up before, so PgBouncer holds nothing cached).
        const other = appLoginRole("home_portal");
        const otherPassword = (w.run.outputs.poolerPasswords.value as Record<string, string>).home_portal;
        await w.admin.query(`alter role ${other} bypassrls`);
        const privileged = await refusedVia("transaction", other, otherPassword);
        await w.admin.query(`alter role ${other} nobypassrls`);
        const plain = await refusedVia("session", other, otherPassword);
        observe({ release, flow: `${other} with BYPASSRLS / without`, expected: "refused / accepted", observed: `${privileged} / ${plain}` });
        expect(privileged).toMatch(/no such user|authentication failed/);
        expect(plain).toBe("accepted");
    });

    it("keeps a migration's session on the session port: SET, an advisory lock and a prepared statement persist, and end with it", async () => {
        const migration = await viaPooler("session");
        const pid = (await migration.query("select pg_backend_pid() as pid")).rows[0].pid;
        await migration.query("set statement_timeout = '42s'");
        await migration.query("select pg_advisory_lock(4242)");
        await migration.query("prepare step as select 40 + 2 as answer");
        const later = await migration.query("select pg_backend_pid() as pid, current_setting('statement_timeout') as timeout");
        const executed = await migration.query("execute step");
        const held = await w.admin.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4242 and pid = $1", [pid]);
        expect(later.rows[0]).toEqual({ pid, timeout: "42s" });
        expect(executed.rows[0].answer).toBe(42);
        expect(held.rows[0].n).toBe(1);
        await migration.end();

        // The next session gets a clean server connection (server_reset_query = DISCARD ALL) and no lock.
        const next = await viaPooler("session");
        const clean = await next.query("select current_setting('statement_timeout') as timeout, (select count(*)::int from pg_prepared_statements) as prepared");
        await next.end();
        const released = await w.admin.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 4242");
        expect(clean.rows[0]).toEqual({ timeout: "0", prepared: 0 });
        expect(released.rows[0].n).toBe(0);
    });
});
