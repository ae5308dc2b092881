// The database layer through the real engine: Pulumi's own CLI, Node.js language host and
// postgresql provider plugin (all from `npm run tools`) apply the schemas, roles, grants, tables,
// policies and buckets through the program's default tunnel (a port-forward through the real API
// server to the sandbox's PostgreSQL), for each release in a sandbox of its own (seed: PostgreSQL
// 15, v0.8.2: 17, each bootstrapped by its image's scripts), scenarios in order on one stack.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { Client } from "pg";
import { SandboxInfo, startSandbox, stopSandbox } from "../../sandbox/index";
import { sandboxLayout } from "../../sandbox/layout";
import { describeBootstrap, postgresClient } from "../../sandbox/postgres";
import { Release } from "../../releases";
import { toolsBin, toolSource, toolVersions } from "../../tools/paths";
import { claims, managedObjects, unreadyWorkloads } from "./support/cluster";
import { appDefinition, deploymentEnv, logsIn, missingAppObjects, resolvedEnv, secretValue } from "./support/database";
import { call, GOTRUE, startGoTrue } from "./support/gotrue";
import { killWhen } from "./support/interrupt";
import { engineStack, engineWorkspace, EngineWorkspace, StepLog, WallTimes } from "./support/workspace";

const RELEASES: { release: Release; namespace: string }[] = [
    { release: "seed", namespace: "supabase-db-seed" },
    { release: "v0.8.2", namespace: "supabase-db-next" },
];
const wall = new WallTimes();
const timed = <T>(label: string, fn: () => Promise<T>) => wall.timed(label, fn);

/** The release whose gotrue tag the built GoTrue is (tools/versions.sh GOTRUE_VERSION). */
const GOTRUE_RELEASE: Release = "v0.8.2";
const haveGotrue = fs.existsSync(GOTRUE);
if (!haveGotrue) console.log(`database tier: the real GoTrue scenario is skipped: no ${GOTRUE} (npm run tools -- --list says what it needs)`);

afterAll(() => {
    const v = toolVersions();
    console.log([
        wall.summary("database tier"),
        `plugins: pulumi ${v.PULUMI_VERSION}; pulumi-language-nodejs ${v.PULUMI_VERSION} from ${toolSource("language-nodejs")}; ` +
        `pulumi-resource-postgresql ${v.POSTGRESQL_PROVIDER_VERSION} from ${toolSource("postgresql-provider")}; ` +
        `pulumi-resource-kubernetes ${v.K8S_PROVIDER_VERSION} from the module proxy (npm @pulumi/kubernetes ${require("@pulumi/kubernetes/package.json").version})`,
    ].join("\n"));
});

/** The stack's `apps` list (an array in the project's config schema, so set element by element). */
async function setApps(stack: Stack, apps: string[]) {
    await stack.removeConfig("supabase-platform:apps");
    for (const [i, app] of apps.entries()) await stack.setConfig(`supabase-platform:apps[${i}]`, { value: app }, true);
}

/** A scratch edit of an app definition in the stack's copy of the project, as a developer would make it. */
function appendToApp(ws: EngineWorkspace, file: string, code: string) {
    fs.appendFileSync(path.join(ws.dir, "components", "database", "apps", file), `\n${code}\n`);
}

for (const { release, namespace } of RELEASES) {
    describe(`release ${release}: the database layer through the real engine and the default tunnel`, () => {
        const stackName = `db-${release.replace(/\./g, "-")}`;
        const layout = sandboxLayout({ ...process.env, SUPABASE_PLATFORM_SANDBOX: fs.mkdtempSync(path.join(os.tmpdir(), `engine-sandbox-${release}-`)) });
        let sandbox: SandboxInfo;
        let ws: EngineWorkspace;
        let stack: Stack;
        let db: Client;
        let apps: string[];

        beforeAll(async () => {
            sandbox = await startSandbox(layout, { release });
            console.log(`database tier: ${describeBootstrap(sandbox.postgres)}`);
            ws = engineWorkspace(sandbox.kubeconfig);
            fs.copyFileSync(path.join(ws.dir, "Pulumi.dev.yaml"), path.join(ws.dir, `Pulumi.${stackName}.yaml`));
            stack = await engineStack(ws, stackName, { release, namespace });
            apps = JSON.parse((await stack.getConfig("supabase-platform:apps")).value);
            db = postgresClient(layout);
            await db.connect();
        });
        afterAll(async () => {
            await db?.end();
            ws?.cleanup();
            await stopSandbox(layout);
        });

        it("a fresh stack converges in one pulumi up through the tunnel, and every table, policy, grant, default privilege and bucket exists", async () => {
            const result = await timed(`${release} first up`, () => stack.up());
            expect(result.summary.result).toBe("succeeded");
            expect(await unreadyWorkloads(sandbox.kubeconfig, namespace)).toEqual([]);
            for (const app of apps) expect(await missingAppObjects(db, appDefinition(app))).toEqual([]);
        });

        it("a second up plans no changes, and refresh (running the program, so the tunnel is open) finds no drift", async () => {
            const again = new StepLog();
            await timed(`${release} second up`, () => stack.up({ onEvent: again.onEvent }));
            expect(again.changes()).toEqual([]);
            const refresh = await timed(`${release} refresh`, () => stack.refresh({ runProgram: true }));
            expect(Object.keys(refresh.summary.resourceChanges ?? {})).toEqual(["same"]);
            const after = new StepLog();
            await timed(`${release} preview`, () => stack.preview({ onEvent: after.onEvent }));
            expect(after.changes()).toEqual([]);
        });

        it("pulumi import of a database object: refused while no tunnel is open, done beside npm run db-tunnel; pulumi state delete needs no tunnel", async () => {
            await db.query("drop role if exists engine_reporting; create role engine_reporting nologin");
            const state = await stack.exportStack();
            const provider = (state.deployment.resources as { urn: string; type: string }[]).find((r) => r.type === "pulumi:providers:postgresql")!;
            const role = { type: "postgresql:index/role:Role", name: "reporting", id: "engine_reporting", provider: "admin" };
            const importRole = () => stack.import({ resources: [role], nameTable: { admin: provider.urn }, generateCode: false, protect: false });
            const closed = await importRole().then(() => "imported", (err: Error) => err.message);
            expect(closed).toMatch(/connection refused/);
            const tunnel = spawn(path.join(ws.dir, "node_modules", ".bin", "tsx"), ["scripts/db-tunnel.ts", "--stack", stackName], { cwd: ws.dir, env: { ...process.env, ...ws.env }, stdio: ["ignore", "pipe", "pipe"] });
            try {
                await new Promise<void>((resolve, reject) => {
                    let out = "";
                    tunnel.stdout!.on("data", (d) => { out += d; if (out.includes("Ctrl-C closes it")) resolve(); });
                    tunnel.stderr!.on("data", (d) => (out += d));
                    tunnel.on("exit", (code) => reject(new Error(`db-tunnel exited ${code}: ${out}`)));
                });
                const imported = await importRole();
                expect(imported.summary.result).toBe("succeeded");
            } finally {
                tunnel.kill("SIGINT");
            }
            const urn = ((await stack.exportStack()).deployment.resources as { urn: string; type: string }[]).find((r) => r.type === role.type && r.urn.endsWith("::reporting"))!.urn;
            const deleted = spawnSync(path.join(toolsBin(), "pulumi"), ["state", "delete", urn, "--yes", "--stack", stackName], { cwd: ws.dir, env: { ...process.env, ...ws.env }, encoding: "utf8" });
            expect(deleted.status, deleted.stderr).toBe(0);
            expect(((await stack.exportStack()).deployment.resources as { urn: string }[]).some((r) => r.urn === urn)).toBe(false);
            await db.query("drop role engine_reporting");
        });

        if (release === GOTRUE_RELEASE) it.skipIf(!haveGotrue)(`the real GoTrue ${toolVersions().GOTRUE_VERSION}, with the env its Deployment got, signs a user in on the database the engine built, and RLS keeps the user to their rows`, async () => {
            const env = await resolvedEnv(sandbox.kubeconfig, namespace, "gotrue", "gotrue");
            // The in-cluster database address, pointed at the PostgreSQL the tunnel reached.
            env.GOTRUE_DB_DATABASE_URL = env.GOTRUE_DB_DATABASE_URL.replace(/@[^/@]+\//, `@127.0.0.1:${layout.postgresPort}/`);
            const gotrue = await startGoTrue(env);
            try {
                const serviceKey = String((await stack.outputs()).serviceRoleKey.value);
                const headers = { apikey: serviceKey, authorization: `Bearer ${serviceKey}` };
                const created = await call(gotrue.url, "POST", "/admin/users", headers, { email: "engine@example.com", password: "engine-tier-password", email_confirm: true });
                expect(created.status).toBe(200);
                const signedIn = await call(gotrue.url, "POST", "/token?grant_type=password", { apikey: serviceKey }, { email: "engine@example.com", password: "engine-tier-password" });
                expect(signedIn.status).toBe(200);
                const me = await call(gotrue.url, "GET", "/user", { apikey: serviceKey, authorization: `Bearer ${signedIn.json.access_token}` });
                expect(me.json.id).toBe(created.json.id);
                // As PostgREST would run the user's request: authenticator, then the token's role and claims.
                const authenticator = new Client({ host: "127.0.0.1", port: layout.postgresPort, user: "authenticator", database: "postgres",
                    password: await secretValue(sandbox.kubeconfig, namespace, "POSTGRES_PASSWORD") });
                await authenticator.connect();
                const asUser = async (sub: string, sql: string) => {
                    await authenticator.query("BEGIN");
                    await authenticator.query("SET LOCAL ROLE authenticated");
                    await authenticator.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub, role: "authenticated" })]);
                    const rows = (await authenticator.query(sql)).rows;
                    await authenticator.query("COMMIT");
                    return rows;
                };
                try {
                    await asUser(me.json.id, "insert into money_tracker.categories (name) values ('groceries')");
                    expect(await asUser(me.json.id, "select name from money_tracker.categories")).toEqual([{ name: "groceries" }]);
                    expect(await asUser("00000000-0000-4000-8000-0000000000ff", "select name from money_tracker.categories")).toEqual([]);
                } finally {
                    await authenticator.end();
                }
            } finally {
                await gotrue.stop();
            }
        });

        it("a policy edit and a new column give exactly that diff, and up applies both", async () => {
            appendToApp(ws, "money_tracker.ts", [
                "// engine tier: a developer's edit",
                "const categories = moneyTracker.tables.find((t) => t.name === \"categories\")!;",
                "categories.columns.push({ name: \"color\", type: \"text\", nullable: true });",
                "const readOwn = categories.policies.find((p) => p.command === \"select\")!;",
                "readOwn.using = `(${readOwn.using}) and length(name) > 0`;",
            ].join("\n"));
            const preview = new StepLog();
            await stack.preview({ onEvent: preview.onEvent });
            const changed = preview.steps.filter((s) => s.op !== "same" && s.op !== "read");
            expect(changed.map((s) => `${s.op} ${s.type} [${s.diffs.join(",")}]`).sort()).toEqual([
                "update pulumi-nodejs:dynamic/database:Policy [using]",
                "update pulumi-nodejs:dynamic/database:Table [columns]",
            ]);
            await stack.up();
            const column = await db.query("select data_type from information_schema.columns where table_schema = 'money_tracker' and table_name = 'categories' and column_name = 'color'");
            expect(column.rows).toEqual([{ data_type: "text" }]);
            const policy = await db.query("select qual from pg_policies where schemaname = 'money_tracker' and tablename = 'categories' and cmd = 'SELECT'");
            expect(policy.rows.map((r) => r.qual).join()).toContain("length(name) > 0");
        });

        it("an app added to the stack config gets its schema, roles and grants in one up, and PostgREST exposes it", async () => {
            await setApps(stack, [...apps, "recipes"]);
            const log = new StepLog();
            const result = await stack.up({ onEvent: log.onEvent });
            expect(result.summary.result).toBe("succeeded");
            expect(await missingAppObjects(db, appDefinition("recipes"))).toEqual([]);
            expect((await deploymentEnv(sandbox.kubeconfig, namespace, "rest", "PGRST_DB_SCHEMAS"))?.split(",")).toContain("recipes");
            expect(log.changes().filter((c) => c.startsWith("delete") || c.startsWith("replace"))).toEqual([]);
        });

        it("a rotation bump sets every login role's new password through the provider, the services roll, and the old password no longer logs in", async () => {
            const before = await secretValue(sandbox.kubeconfig, namespace, "POSTGRES_PASSWORD");
            expect(await logsIn(layout.postgresPort, "authenticator", before)).toBe(true);
            await stack.setConfig("supabase-platform:rotation", { value: "1" });
            const log = new StepLog();
            const result = await stack.up({ onEvent: log.onEvent });
            expect(result.summary.result).toBe("succeeded");
            const after = await secretValue(sandbox.kubeconfig, namespace, "POSTGRES_PASSWORD");
            expect(after).not.toBe(before);
            for (const role of ["authenticator", "supabase_auth_admin", "supabase_storage_admin"]) {
                expect(await logsIn(layout.postgresPort, role, after)).toBe(true);
                expect(await logsIn(layout.postgresPort, role, before)).toBe(false);
            }
            const rolled = log.steps.filter((s) => s.op === "update" && s.type === "kubernetes:apps/v1:Deployment").map((s) => s.urn.split("::").pop());
            expect(rolled).toEqual(expect.arrayContaining(["gotrue", "rest", "storage", "meta"]));
            expect(await unreadyWorkloads(sandbox.kubeconfig, namespace)).toEqual([]);
        });

        it("an app removed from the config keeps its schema, tables and rows (retained, no longer exposed); re-adding it adopts them", async () => {
            await db.query("insert into auth.users (id, aud, role, email) values ('00000000-0000-4000-8000-000000000001', 'authenticated', 'authenticated', 'kept@example.com') on conflict do nothing");
            await db.query("insert into home_portal.pages (slug, title, author_id) values ('kept', 'kept', '00000000-0000-4000-8000-000000000001')");
            const without = apps.filter((a) => a !== "home_portal").concat("recipes");
            await setApps(stack, without);
            const removal = await stack.up();
            expect(removal.summary.result).toBe("succeeded");
            const kept = await db.query("select title from home_portal.pages");
            expect(kept.rows).toEqual([{ title: "kept" }]);
            expect((await db.query("select has_table_privilege('authenticated', 'home_portal.pages', 'SELECT') as ok")).rows[0].ok).toBe(false);
            expect((await deploymentEnv(sandbox.kubeconfig, namespace, "rest", "PGRST_DB_SCHEMAS"))?.split(",")).not.toContain("home_portal");
        });

        it("an up interrupted while the database layer applies (re-adding the app) converges on the rerun, with the retained rows intact", async () => {
            await setApps(stack, [...apps, "recipes"]);
            const log = new StepLog();
            const running = stack.up({ onEvent: log.onEvent }).then(() => "finished", (err: Error) => err.message);
            await killWhen(ws.dir, "up", () => log.steps.some((s) => s.op === "create" && s.urn.includes("home_portal") && /postgresql|dynamic\/database/.test(s.type)), "SIGINT");
            expect(await running).not.toBe("finished");
            const rerun = await timed(`${release} rerun after interrupt`, () => stack.up());
            expect(rerun.summary.result).toBe("succeeded");
            const again = new StepLog();
            await stack.preview({ onEvent: again.onEvent });
            expect(again.changes()).toEqual([]);
            expect(await missingAppObjects(db, appDefinition("home_portal"))).toEqual([]);
            expect((await db.query("select title from home_portal.pages")).rows).toEqual([{ title: "kept" }]);
        });

        it("destroy (running the program, so the tunnel is open) removes every object but what the docs say is retained", async () => {
            await timed(`${release} destroy`, () => stack.destroy({ runProgram: true }));
            expect(await managedObjects(sandbox.kubeconfig, namespace)).toEqual([]);
            const left = await claims(sandbox.kubeconfig, namespace);
            expect(left.every((c) => c.startsWith("data-postgres-") || c.startsWith("config-postgres-"))).toBe(true);
            // Retained in the database (docs): the extensions, and every app's schema and tables with their rows.
            expect((await db.query("select count(*)::int as n from pg_extension where extname in ('uuid-ossp', 'pgcrypto', 'pg_stat_statements', 'pg_trgm')")).rows[0].n).toBe(4);
            for (const app of apps) {
                for (const table of appDefinition(app).tables) {
                    expect((await db.query("select to_regclass($1) as t", [`${app}.${table.name}`])).rows[0].t).not.toBeNull();
                }
            }
            expect((await db.query("select count(*)::int as n from pg_roles where rolname = 'recipes_service'")).rows[0].n).toBe(0);
            await stack.workspace.removeStack(stackName);
        });
    });
}
