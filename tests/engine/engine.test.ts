// The real-engine tier: the real Pulumi CLI and engine, the real Kubernetes provider plugin, a real
// kube-apiserver (with its admission plugins), controllers and KWOK, and the real policy analyzer,
// all from `npm run tools`, against the sandbox (npm run sandbox). Scenarios run in order on one
// dev stack; each name says what ran.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Stack } from "@pulumi/pulumi/automation";
import { SandboxInfo, startSandbox, stopSandbox } from "../../sandbox/index";
import { describeBootstrap } from "../../sandbox/postgres";
import { toolSource, toolVersions } from "../../tools/paths";
import { Client } from "pg";
import { RESTRICTED_USER } from "../../sandbox/pki";
import * as k8s from "@kubernetes/client-node";
import { claims, kubeClients, managedObjects, unreadyWorkloads, workloadNames } from "./support/cluster";
import { PITR_BACKUP_APP } from "../../components/network-policies";
import { openTunnel } from "./support/tunnel";
import { killWhen } from "./support/interrupt";
import { engineStack, engineWorkspace, EngineWorkspace, StepLog, WallTimes } from "./support/workspace";
import { majorChangeProblem } from "../../components/database/major-guard";

const NAMESPACE = "supabase";
/** The v0.8.2 stack's own namespace: the seed stack's is still being deleted when it starts. */
const NEXT_NAMESPACE = "supabase-next";
const PITR_NAMESPACE = "supabase-pitr";
const POLICY_PACK = "policies";
const wall = new WallTimes();
const timed = <T>(label: string, fn: () => Promise<T>) => wall.timed(label, fn);

let sandbox: SandboxInfo;
let ws: EngineWorkspace;
let stack: Stack;

/**
 * Config on top of Pulumi.dev.yaml. This file is about the platform's workloads, so its stacks
 * manage nothing inside PostgreSQL (a supported mode); database.test.ts runs the database layer.
 */
function sandboxConfig(): Record<string, string> {
    return { dbAdminEndpoint: "none" };
}

beforeAll(async () => {
    process.env.SUPABASE_PLATFORM_SANDBOX ??= fs.mkdtempSync(path.join(os.tmpdir(), "engine-sandbox-"));
    sandbox = await startSandbox();
    console.log(`engine tier: ${describeBootstrap(sandbox.postgres)}`);
    ws = engineWorkspace(sandbox.kubeconfig);
    stack = await engineStack(ws, "dev", sandboxConfig());
});

afterAll(async () => {
    const versions = toolVersions();
    console.log([
        wall.summary("engine tier"),
        `plugins and tools: pulumi ${versions.PULUMI_VERSION}, pulumi-resource-kubernetes ${versions.K8S_PROVIDER_VERSION}, kubernetes ${versions.KUBERNETES_VERSION}, etcd ${versions.ETCD_VERSION}, kwok ${versions.KWOK_VERSION}, pulumi-language-nodejs from ${toolSource("language-nodejs")}`,
    ].join("\n"));
    ws?.cleanup();
    await stopSandbox();
});

describe("real engine against the sandbox", () => {
    it("pulumi preview with the policy pack through the real analyzer is clean for dev", async () => {
        const log = new StepLog();
        const result = await timed("preview", () => stack.preview({ policyPacks: [path.join(ws.dir, POLICY_PACK)], onEvent: log.onEvent }));
        const mandatory = log.policyViolations.filter((v) => v.level === "mandatory");
        expect(mandatory).toEqual([]);
        expect(result.changeSummary.create).toBeGreaterThan(40);
        expect(log.steps.every((s) => s.op === "create" || s.op === "same")).toBe(true);
    });

    it("pulumi preview with the policy pack fails on a stack with a mandatory violation (one Longhorn replica)", async () => {
        const bad = await engineStack(ws, "violation", { ...sandboxConfig(), longhornReplicas: "1" });
        const log = new StepLog();
        await expect(bad.preview({ policyPacks: [path.join(ws.dir, POLICY_PACK)], onEvent: log.onEvent })).rejects.toThrow();
        expect(log.policyViolations.filter((v) => v.level === "mandatory").map((v) => v.policy)).toContain("database-volume-longhorn");
        await bad.workspace.removeStack("violation");
    });

    it("pulumi preview refuses the same bad config as npm run render, with the same messages, before any resource", async () => {
        const bad = { postgresVolumeSize: "20GB", backupSchedule: "61 * * * *" };
        const render = spawnSync(path.join(ws.dir, "node_modules", ".bin", "tsx"), [
            "offline/render.ts", "--stack", "dev", ...Object.entries(bad).flatMap(([k, v]) => ["--config", `${k}=${v}`]),
        ], { cwd: ws.dir, encoding: "utf8" });
        expect(render.status).not.toBe(0);
        const problems = (render.stdout + render.stderr).split("\n").filter((l) => l.trim().startsWith("- supabase-platform:")).map((l) => l.trim());
        expect(problems).toHaveLength(2);
        const badStack = await engineStack(ws, "bad-config", { ...sandboxConfig(), ...bad });
        const log = new StepLog();
        const failure = await badStack.preview({ onEvent: log.onEvent }).then(() => "", (err: Error) => err.message);
        for (const problem of problems) expect(failure + log.diagnostics.join("\n")).toContain(problem);
        expect(log.steps.filter((s) => s.type !== "pulumi:pulumi:Stack")).toEqual([]);
        await badStack.workspace.removeStack("bad-config");
    });

    it("pulumi up of dev: the API server accepts every object and every pod becomes Ready", async () => {
        const log = new StepLog();
        const result = await timed("up", () => stack.up({ onEvent: log.onEvent }));
        expect(result.summary.result).toBe("succeeded");
        expect(await unreadyWorkloads(sandbox.kubeconfig, NAMESPACE)).toEqual([]);
        expect(await workloadNames(sandbox.kubeconfig, NAMESPACE)).toEqual(expect.arrayContaining([
            "Deployment/kong", "Deployment/gotrue", "Deployment/rest", "Deployment/storage", "Deployment/meta", "Deployment/studio", "StatefulSet/postgres",
        ]));
        expect(Object.keys(result.outputs)).toEqual(expect.arrayContaining(["apiUrl", "anonKey", "serviceRoleKey"]));
    });

    it("tunnel: the program's tunnel reaches the database pod's port 5432 through the real API server's port-forward", async () => {
        const errors: string[] = [];
        const tunnel = await openTunnel(sandbox.kubeconfig, errors);
        try {
            const client = new Client({ host: "127.0.0.1", port: tunnel.port, user: "postgres", database: "postgres" });
            await client.connect();
            const row = await client.query("select current_setting('server_version_num')::int as v");
            await client.end();
            expect(row.rows[0].v).toBeGreaterThanOrEqual(150000);
            expect(errors).toEqual([]);
        } finally {
            await tunnel.close();
        }
    });

    it("tunnel: an identity without create on pods/portforward gets the clear RBAC error", async () => {
        // The restricted user may read pods (to find postgres-0) but not port-forward to them.
        const { objects } = kubeClients(sandbox.kubeconfig);
        await objects.create({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "read-pods", namespace: NAMESPACE },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }] } as never);
        await objects.create({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "read-pods", namespace: NAMESPACE },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-pods" },
            subjects: [{ kind: "User", name: RESTRICTED_USER.name, apiGroup: "rbac.authorization.k8s.io" }] } as never);
        const errors: string[] = [];
        const tunnel = await openTunnel(sandbox.restrictedKubeconfig, errors);
        try {
            const client = new Client({ host: "127.0.0.1", port: tunnel.port, user: "postgres", database: "postgres", connectionTimeoutMillis: 60_000 });
            const failure = await client.connect().then(() => "connected", (err: Error) => err.message);
            await client.end().catch(() => undefined);
            expect(failure).toMatch(/pods\/portforward/);
            expect(errors.join("\n")).toMatch(/create.*pods\/portforward/s);
            expect(errors.join("\n")).toContain(NAMESPACE);
        } finally {
            await tunnel.close();
            await objects.delete({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "read-pods", namespace: NAMESPACE } });
            await objects.delete({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "read-pods", namespace: NAMESPACE } });
        }
    });

    it("a second pulumi up changes nothing", async () => {
        const log = new StepLog();
        const result = await timed("second up", () => stack.up({ onEvent: log.onEvent }));
        expect(log.changes()).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    it("switching the seed stack to release v0.8.2 is refused at preview by the PostgreSQL major guard, before any change", async () => {
        await stack.setConfig("supabase-platform:release", { value: "v0.8.2" });
        try {
            const log = new StepLog();
            const failure = await stack.preview({ onEvent: log.onEvent }).then(() => "", (err: Error) => err.message);
            const said = failure + log.diagnostics.join("\n");
            expect(said).toContain(majorChangeProblem(
                { major: 15, image: "supabase/postgres:15.1.1.78", allowUpgrade: false },
                { major: 17, image: "supabase/postgres:17.6.1.136", allowUpgrade: false },
            ));
            // Nothing was planned past the guard: no replace or delete of anything.
            expect(log.steps.filter((s) => s.op === "replace" || s.op === "delete" || s.op === "delete-replaced")).toEqual([]);
            // With the opt-in, the same switch plans the guard's update and an in-place update of the
            // database (a new data directory beside the old one), never its replacement.
            await stack.setConfig("supabase-platform:allowPostgresMajorUpgrade", { value: "true" });
            const allowed = new StepLog();
            await stack.preview({ onEvent: allowed.onEvent });
            const op = (type: string, name: string) => allowed.steps.find((s) => s.type === type && s.urn.endsWith(`::${name}`))?.op;
            expect(op("pulumi-nodejs:dynamic/database:PostgresMajorGuard", "postgres-major")).toBe("update");
            expect(op("kubernetes:apps/v1:StatefulSet", "postgres")).toBe("update");
        } finally {
            await stack.setConfig("supabase-platform:release", { value: "seed" });
            await stack.removeConfig("supabase-platform:allowPostgresMajorUpgrade");
        }
    });

    it("pulumi refresh finds no drift", async () => {
        const log = new StepLog();
        await timed("refresh", () => stack.refresh({ onEvent: log.onEvent }));
        const preview = new StepLog();
        await stack.preview({ onEvent: preview.onEvent });
        expect(preview.changes()).toEqual([]);
    });

    it("a rotation bump: the preview replaces exactly the generated secrets and updates what consumes them, and up applies it", async () => {
        await stack.setConfig("supabase-platform:rotation", { value: "1" });
        const log = new StepLog();
        await stack.preview({ onEvent: log.onEvent });
        const named = (op: string) => log.steps.filter((s) => s.op === op).map((s) => `${s.type} ${s.urn.split("::").pop()}`).sort();
        // Every generated value is made anew; nothing else is replaced (named Secrets change in
        // place, Pulumi.yaml's kubernetes:enableSecretMutable), and every consumer rolls.
        expect(new Set(log.steps.filter((s) => s.op === "replace").map((s) => s.type))).toEqual(new Set(["pulumi-nodejs:dynamic/secrets:GeneratedSecret"]));
        expect(named("replace")).toHaveLength(6);
        const updated = named("update");
        expect(updated.filter((u) => u.startsWith("kubernetes:core/v1:Secret"))).toHaveLength(9);
        expect(updated.filter((u) => u.startsWith("kubernetes:apps/v1:Deployment")).map((u) => u.split(" ")[1])).toEqual(
            ["gotrue", "kong", "meta", "rest", "storage", "studio"]);
        expect(updated).toContain("kubernetes:apps/v1:StatefulSet postgres");
        // The dynamic-provider host is configured with the stack's config, so a config change shows
        // as an update of its default provider; that touches no resource.
        const allowed = ["kubernetes:core/v1:Secret", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
            "pulumi-nodejs:dynamic/database:RolePasswords", "pulumi:providers:pulumi-nodejs"];
        expect(updated.filter((u) => !allowed.includes(u.split(" ")[0]))).toEqual([]);
        expect(log.steps.filter((s) => s.op === "create" || s.op === "delete")).toEqual([]);
        const result = await stack.up();
        expect(result.summary.result).toBe("succeeded");
        expect(await unreadyWorkloads(sandbox.kubeconfig, NAMESPACE)).toEqual([]);
    });

    it("an interrupted pulumi up (SIGINT part-way, as a cancelled CI job) converges on the rerun without any repair", async () => {
        await stack.destroy();
        const log = new StepLog();
        const running = stack.up({ onEvent: log.onEvent }).then(() => "finished", (err: Error) => err.message);
        // Interrupt once some objects exist and others are still being created.
        await killWhen(ws.dir, "up", () => log.steps.filter((s) => s.op === "create").length >= 15, "SIGINT");
        expect(await running).not.toBe("finished");
        // SIGKILL instead (a lost runner) also leaves the lock and can leave a truncated checkpoint
        // with the file backend; that recovery is docs/runbooks/interrupted-deploy.md, not automatic.
        const result = await timed("rerun after interrupt", () => stack.up());
        expect(result.summary.result).toBe("succeeded");
        expect(await unreadyWorkloads(sandbox.kubeconfig, NAMESPACE)).toEqual([]);
        const again = new StepLog();
        await stack.preview({ onEvent: again.onEvent });
        expect(again.changes()).toEqual([]);
    });

    it("pulumi destroy removes everything but the documented retained database claims", async () => {
        await timed("destroy", () => stack.destroy());
        expect(await managedObjects(sandbox.kubeconfig, NAMESPACE)).toEqual([]);
        // StatefulSet claims outlive it by design (docs/database.md "Removing an app, and destroy"); the namespace's deletion removes them.
        const left = await claims(sandbox.kubeconfig, NAMESPACE);
        expect(left.every((c) => c.startsWith("data-postgres-") || c.startsWith("config-postgres-"))).toBe(true);
    });

    it("release v0.8.2 on a fresh stack: the preview passes the pack through the real analyzer, up converges with every pod Ready, a second up changes nothing", async () => {
        // The dev environment's file under another stack name (the copied project is a scratch copy).
        fs.copyFileSync(path.join(ws.dir, "Pulumi.dev.yaml"), path.join(ws.dir, "Pulumi.dev-next.yaml"));
        const next = await engineStack(ws, "dev-next", { ...sandboxConfig(), release: "v0.8.2", namespace: NEXT_NAMESPACE });
        try {
            const preview = new StepLog();
            await next.preview({ policyPacks: [path.join(ws.dir, POLICY_PACK)], onEvent: preview.onEvent });
            expect(preview.policyViolations.filter((v) => v.level === "mandatory")).toEqual([]);
            expect(preview.policyViolations.filter((v) => v.policy === "image-matches-release")).toEqual([]);
            const result = await timed("up v0.8.2", () => next.up());
            expect(result.summary.result).toBe("succeeded");
            expect(await unreadyWorkloads(sandbox.kubeconfig, NEXT_NAMESPACE)).toEqual([]);
            // Realtime is on by default in v0.8.2: its workload is among those Ready.
            expect(await workloadNames(sandbox.kubeconfig, NEXT_NAMESPACE)).toContain("Deployment/realtime-dev");
            expect(result.outputs.publishableKey.value).toMatch(/^sb_publishable_/);
            expect(result.outputs.secretKey.secret).toBe(true);
            const again = new StepLog();
            await next.up({ onEvent: again.onEvent });
            expect(again.changes()).toEqual([]);
        } finally {
            await timed("destroy v0.8.2", () => next.destroy());
            await next.workspace.removeStack("dev-next");
        }
    });

    it("pitr on a fresh stack (volume target): the pack passes, the API server accepts the base-backup CronJob, its exec-only Role and the archive claim, and the database runs with archiving on", async () => {
        fs.copyFileSync(path.join(ws.dir, "Pulumi.dev.yaml"), path.join(ws.dir, "Pulumi.dev-pitr.yaml"));
        const pitr = await engineStack(ws, "dev-pitr", {
            ...sandboxConfig(), namespace: PITR_NAMESPACE, pitr: "true", pitrTarget: "volume", pitrVolumeSize: "1Gi", pitrBaseBackupSchedule: "30 2 * * *",
        });
        try {
            const preview = new StepLog();
            await pitr.preview({ policyPacks: [path.join(ws.dir, POLICY_PACK)], onEvent: preview.onEvent });
            expect(preview.policyViolations.filter((v) => v.level === "mandatory")).toEqual([]);
            const result = await timed("up pitr", () => pitr.up());
            expect(result.summary.result).toBe("succeeded");
            expect(await unreadyWorkloads(sandbox.kubeconfig, PITR_NAMESPACE)).toEqual([]);
            const { kc, apps } = kubeClients(sandbox.kubeconfig);
            const cronJob = await kc.makeApiClient(k8s.BatchV1Api).readNamespacedCronJob({ name: PITR_BACKUP_APP, namespace: PITR_NAMESPACE });
            expect(cronJob.spec?.schedule).toBe("30 2 * * *");
            expect(cronJob.spec?.concurrencyPolicy).toBe("Forbid");
            // The CronJob may exec into the database pod and nothing else.
            const role = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).readNamespacedRole({ name: PITR_BACKUP_APP, namespace: PITR_NAMESPACE });
            expect(role.rules?.map((r) => `${r.resources?.join(",")}:${r.resourceNames?.join(",")}:${r.verbs?.join(",")}`).sort())
                .toEqual(["pods/exec:postgres-0:create,get", "pods:postgres-0:get"]);
            expect(await claims(sandbox.kubeconfig, PITR_NAMESPACE)).toContain("postgres-wal-archive");
            const database = await apps.readNamespacedStatefulSet({ name: "postgres", namespace: PITR_NAMESPACE });
            const args = database.spec?.template.spec?.containers.find((c) => c.name === "postgres")?.args ?? [];
            expect(args).toContain("archive_mode=on");
            expect(args.some((a) => /^archive_command=.*wal-g wal-push/.test(a))).toBe(true);
        } finally {
            await timed("destroy pitr", () => pitr.destroy());
            await pitr.workspace.removeStack("dev-pitr");
        }
    });
});
