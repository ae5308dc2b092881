// Realtime under the mock engine: switched by `realtime` (auto follows the release), the workload
// each release's image needs, its secrets by reference, its network paths and connection share, and
// the gateway: websockets with key-auth (opaque keys mapped in v0.8.2) and the tenants API refused.
import { beforeAll, describe, expect, it } from "vitest";
import { parseKongYaml } from "../components/services/kong/declarative-config";
import { REALTIME_UID } from "../components/services/realtime/facts";
import { configuredBudget } from "../components/configured-budget";
import { ProgramRun } from "../offline/engine";
import { simulateKong } from "./support/kong";
import { findManifest, manifests, runStack } from "./support/program";
import { REALTIME_TENANT } from "../components/services/realtime/facts";
import { REALTIME_COMMAND } from "../components/services/realtime/env";

const kongOf = (run: ProgramRun) => parseKongYaml(findManifest(run, "Secret", "kong-config").stringData["kong.yml"]);
const realtimeContainer = (run: ProgramRun) => findManifest(run, "Deployment", REALTIME_TENANT).spec.template.spec.containers[0];
const plainEnv = (c: any): Record<string, string> => Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

describe("the realtime switch", () => {
    it("is off for the seed and on for v0.8.2 by default, and either way when set", async () => {
        const has = (run: ProgramRun) => manifests(run).some((m) => m.kind === "Deployment" && m.metadata.name === REALTIME_TENANT);
        expect(has(await runStack("dev"))).toBe(false);
        expect(has(await runStack("dev", { overrides: { release: "v0.8.2" } }))).toBe(true);
        expect(has(await runStack("dev", { overrides: { realtime: "true" } }))).toBe(true);
        expect(has(await runStack("dev", { overrides: { release: "v0.8.2", realtime: "false" } }))).toBe(false);
    });
});

describe.each([
    { label: "seed (v2.29.15)", overrides: { realtime: "true" }, image: "supabase/realtime:v2.29.15", ready: "/" },
    { label: "v0.8.2 (v2.134.10)", overrides: { release: "v0.8.2" }, image: "supabase/realtime:v2.134.10", ready: "/healthcheck" },
])("Realtime of release $label", ({ overrides, image, ready }) => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack("dev", { overrides });
    });

    it("runs the release's image as nobody, without the image's sudo, on a read-only root with /tmp for the release", () => {
        const c = realtimeContainer(run);
        expect(c.image).toBe(image);
        expect(c.command).toEqual(REALTIME_COMMAND);
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: REALTIME_UID, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(plainEnv(c).RELEASE_TMP).toBe("/tmp");
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
        expect(c.readinessProbe.httpGet.path).toBe(ready);
        expect(c.livenessProbe.tcpSocket).toBeDefined();
    });

    it("is named after the tenant it seeds, so the Host Kong sends names that tenant", () => {
        const service = findManifest(run, "Service", REALTIME_TENANT);
        expect(service.spec.ports).toEqual([{ name: "http", port: 4000, targetPort: "http" }]);
        const env = plainEnv(realtimeContainer(run));
        expect(env).toMatchObject({ SEED_SELF_HOST: "true", DB_PORT: "5432", DB_USER: "supabase_admin", DB_AFTER_CONNECT_QUERY: "SET search_path TO _realtime" });
        expect(new URL(kongOf(run).services.find((s) => s.name === "realtime-v1-ws")!.url).hostname.split(".")[0]).toBe(REALTIME_TENANT);
    });

    it("reads every secret by reference from its own Secret", () => {
        const c = realtimeContainer(run);
        const refs = c.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]);
        const expected = ["API_JWT_SECRET", "DB_ENC_KEY", "DB_PASSWORD", "SECRET_KEY_BASE", ...(overrides.release ? ["API_JWT_JWKS", "METRICS_JWT_SECRET"] : [])].sort();
        expect(refs.map(([n]: string[]) => n).sort()).toEqual(expected);
        expect(new Set(refs.map(([, s]: string[]) => s))).toEqual(new Set(["realtime-secrets"]));
        const secret = findManifest(run, "Secret", "realtime-secrets").stringData;
        expect(secret.DB_ENC_KEY).toHaveLength(16);
    });

    it("allows exactly Kong → realtime and realtime → PostgreSQL", () => {
        const policy = findManifest(run, "NetworkPolicy", `allow-${REALTIME_TENANT}`);
        expect(policy.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "kong", "app.kubernetes.io/instance": "kong" } } }], ports: [{ protocol: "TCP", port: 4000 }] }]);
        expect(policy.spec.egress.slice(1)).toEqual([{ to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": "postgres" } } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
        const kong = findManifest(run, "NetworkPolicy", "allow-kong");
        expect(kong.spec.egress.some((e: any) => e.to[0].podSelector?.matchLabels["app.kubernetes.io/name"] === REALTIME_TENANT)).toBe(true);
    });

    it("gives a fresh volume the _realtime schema in the init scripts", () => {
        expect(findManifest(run, "ConfigMap", "postgres-init-scripts").data["99-realtime.sql"]).toContain("CREATE SCHEMA IF NOT EXISTS _realtime;");
    });

    it("opens websockets through Kong with key-auth, and refuses the tenants API and the OpenAPI document", () => {
        const kong = kongOf(run);
        const anon = run.outputs.anonKey.value as string;
        expect(simulateKong(kong, { path: "/realtime/v1/websocket", query: { apikey: anon, vsn: "1.0.0" } }))
            .toMatchObject({ status: 200, consumer: "anon", upstream: `http://${REALTIME_TENANT}.supabase.svc:4000/socket/websocket` });
        expect(simulateKong(kong, { path: "/realtime/v1/websocket" })).toMatchObject({ status: 401 });
        for (const path of ["/realtime/v1/api/tenants", "/realtime/v1/api/tenants/realtime-dev/health", "/realtime/v1/api/openapi"]) {
            expect(simulateKong(kong, { path, apikey: run.outputs.serviceRoleKey.value as string }), path).toMatchObject({ status: 403, reason: "request-termination" });
        }
        expect(simulateKong(kong, { path: "/realtime/v1/api/broadcast", apikey: anon })).toMatchObject({ status: 200, service: "realtime-v1-rest" });
    });

    it("runs one replica replaced on rollout (it holds the replication slot), and a budget on two", async () => {
        expect(findManifest(run, "Deployment", REALTIME_TENANT).spec.strategy).toEqual({ type: "Recreate" });
        const two = await runStack("dev", { overrides: { ...overrides, realtimeReplicas: 2, postgresMaxConnections: 200 } });
        expect(findManifest(two, "PodDisruptionBudget", REALTIME_TENANT).spec.minAvailable).toBe(1);
    });
});

describe("Realtime's gateway in release v0.8.2", () => {
    it("hands Realtime the ES256 JWT for an opaque key in the query, as x-api-key and apikey", async () => {
        const run = await runStack("dev", { overrides: { release: "v0.8.2" } });
        const kong = kongOf(run);
        const outcome = simulateKong(kong, { path: "/realtime/v1/websocket", query: { apikey: run.outputs.publishableKey.value as string } });
        expect(outcome).toMatchObject({ status: 200, consumer: "anon" });
        const { requestHeaders, query } = outcome as { requestHeaders: Record<string, string>; query: Record<string, string> };
        expect(requestHeaders["x-api-key"]).toBe(query.apikey);
        expect(JSON.parse(Buffer.from(query.apikey.split(".")[0], "base64url").toString()).alg).toBe("ES256");
        // A legacy JWT passes as it is.
        const legacy = simulateKong(kong, { path: "/realtime/v1/websocket", query: { apikey: run.outputs.anonKey.value as string } });
        expect((legacy as { query: Record<string, string> }).query.apikey).toBe(run.outputs.anonKey.value);
    });
});

describe("Realtime's share of the connection budget", () => {
    it("counts its pool and tenant connections only when it is deployed", () => {
        const base = { postgresMaxConnections: 100, storageBackend: "file" as const, gotrueReplicas: 1, restReplicas: 1, storageReplicas: 1, metaReplicas: 1, realtimeReplicas: 1 };
        const off = configuredBudget({ ...base, release: "seed", realtime: "auto" });
        const on = configuredBudget({ ...base, release: "v0.8.2", realtime: "auto" });
        expect(on.total - off.total).toBe(16);
        expect(on.explanation).toContain("realtime 16×1");
    });
});
