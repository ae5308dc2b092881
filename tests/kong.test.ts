// Kong under the mock engine on every stack file: the keys in the rendered kong.yml are the stack's
// keys (the seed's #1 failure), routes and ACLs, the plugin list, the pod, the LoadBalancers,
// startup order and the config checksum.
import * as jwt from "jsonwebtoken";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { KongDeclarativeConfig, parseKongYaml } from "../components/services/kong/declarative-config";
import { ProgramRun } from "../offline/engine";
import { Manifest } from "../offline/manifests";
import { configReader, stackNames } from "../offline/stack-config";
import { simulateKong } from "./support/kong";
import { validateManifest } from "./support/k8s-schema";
import { findManifest, manifests, runStack } from "./support/program";

const kongYamlOf = (run: ProgramRun): KongDeclarativeConfig =>
    parseKongYaml(findManifest(run, "Secret", "kong-config").stringData["kong.yml"]);
const kongDeployment = (run: ProgramRun) => findManifest(run, "Deployment", "kong");
const kongContainer = (run: ProgramRun) => kongDeployment(run).spec.template.spec.containers[0];
const envOf = (container: any): Record<string, string> =>
    Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
const checksumOf = (run: ProgramRun) => kongDeployment(run).spec.template.metadata.annotations["checksum/config"];
const podLabelsOf = (m: Manifest): Record<string, string> => m.spec.template.metadata.labels;
const selects = (svc: Manifest, workload: Manifest) =>
    Object.entries(svc.spec.selector ?? {}).every(([k, v]) => podLabelsOf(workload)[k] === v);
const workloads = (run: ProgramRun) => manifests(run).filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
const urnOf = (run: ProgramRun, type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.urn;

describe.each(stackNames())("Kong on stack %s", (stack) => {
    let run: ProgramRun;
    let kong: KongDeclarativeConfig;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        run = await runStack(stack);
        kong = kongYamlOf(run);
        cfg = configReader(stack);
    });

    it("renders kong.yml with exactly the stack's anon and service_role keys", () => {
        const keys = (user: string) => kong.consumers.find((c) => c.username === user)?.keyauth_credentials?.map((k) => k.key);
        expect(keys("anon")).toEqual([run.outputs.anonKey.value]);
        expect(keys("service_role")).toEqual([run.outputs.serviceRoleKey.value]);
        // And each key is a valid JWT of the right role under the stack's JWT secret.
        const secret = run.outputs.jwtSecret.value as string;
        expect((jwt.verify(keys("anon")![0], secret) as { role: string }).role).toBe("anon");
        expect((jwt.verify(keys("service_role")![0], secret) as { role: string }).role).toBe("service_role");
    });

    it("renders the dashboard login that the dashboard-credentials Secret tells operators", () => {
        const creds = findManifest(run, "Secret", "dashboard-credentials").stringData;
        expect(creds.username).toMatch(/^admin-[a-z]{8}$/);
        expect(creds.password.length).toBeGreaterThanOrEqual(32);
        expect(kong.basicauth_credentials).toEqual([{ consumer: "DASHBOARD", username: creds.username, password: creds.password }]);
    });

    it("answers requests as specified: open, key-auth with ACLs, admin-only /pg, basic-auth dashboard, blocked mcp", () => {
        const anon = { apikey: run.outputs.anonKey.value as string };
        const admin = { apikey: run.outputs.serviceRoleKey.value as string };
        const creds = findManifest(run, "Secret", "dashboard-credentials").stringData;
        const ns = cfg("namespace");
        expect(simulateKong(kong, { path: "/auth/v1/verify" })).toMatchObject({ status: 200, upstream: `http://gotrue.${ns}.svc:9999/verify` });
        expect(simulateKong(kong, { path: "/rest/v1/items" }).status).toBe(401);
        expect(simulateKong(kong, { path: "/rest/v1/items", ...anon })).toMatchObject({ status: 200, upstream: `http://rest.${ns}.svc:3000/items` });
        expect(simulateKong(kong, { path: "/pg/tables", ...anon }).status).toBe(403);
        expect(simulateKong(kong, { path: "/pg/tables", ...admin })).toMatchObject({ status: 200, upstream: `http://meta.${ns}.svc:8080/tables` });
        expect(simulateKong(kong, { path: "/" }).status).toBe(401);
        expect(simulateKong(kong, { path: "/", basic: { username: creds.username, password: creds.password } }))
            .toMatchObject({ status: 200, upstream: `http://studio.${ns}.svc:3000/` });
        expect(simulateKong(kong, { path: "/mcp", ...admin }).status).toBe(403);
    });

    it("routes only to Services the program declares, on their declared ports", () => {
        const services = manifests(run).filter((m) => m.kind === "Service");
        for (const s of kong.services) {
            const url = new URL(s.url);
            const [svcName, ns] = url.hostname.split(".");
            const target = services.find((m) => m.metadata.name === svcName && m.metadata.namespace === ns);
            expect(target, s.url).toBeDefined();
            expect(target!.spec.ports.map((p: any) => p.port)).toContain(Number(url.port));
        }
    });

    it("sets KONG_PLUGINS to exactly the plugins kong.yml uses", () => {
        const used = new Set(kong.services.flatMap((s) => s.plugins.map((p) => p.name)));
        used.add("key-auth").add("acl").add("basic-auth");
        expect(envOf(kongContainer(run)).KONG_PLUGINS.split(",").sort()).toEqual([...used].sort());
    });

    it("runs DB-less from the mounted Secret, on 8000/8443, with the seed's DNS and buffer settings", () => {
        const container = kongContainer(run);
        const env = envOf(container);
        expect(env.KONG_DATABASE).toBe("off");
        expect(env.KONG_DNS_ORDER).toBe("LAST,A,CNAME");
        expect(env.KONG_NGINX_PROXY_PROXY_BUFFER_SIZE).toBe("160k");
        expect(env.KONG_NGINX_PROXY_PROXY_BUFFERS).toBe("64 160k");
        expect(env.KONG_PROXY_LISTEN).toMatch(/0\.0\.0\.0:8000\b.*0\.0\.0\.0:8443 .*ssl/);
        const volume = kongDeployment(run).spec.template.spec.volumes.find((v: any) => v.secret?.secretName === "kong-config");
        const mount = container.volumeMounts.find((m: any) => m.name === volume.name);
        expect(mount.readOnly).toBe(true);
        const item = volume.secret.items.find((i: any) => i.key === "kong.yml");
        expect(env.KONG_DECLARATIVE_CONFIG).toBe(`${mount.mountPath}/${item.path}`);
        expect(container.ports.map((p: any) => p.containerPort)).toEqual(expect.arrayContaining([8000, 8443]));
    });

    it("never puts a key or password into the pod spec itself", () => {
        const spec = JSON.stringify(kongDeployment(run));
        const creds = findManifest(run, "Secret", "dashboard-credentials").stringData;
        for (const secret of [run.outputs.anonKey.value, run.outputs.serviceRoleKey.value, run.outputs.jwtSecret.value, creds.password]) {
            expect(spec).not.toContain(secret as string);
        }
        expect(manifests(run).filter((m) => m.kind === "ConfigMap").map((m) => JSON.stringify(m)).join())
            .not.toContain(run.outputs.serviceRoleKey.value as string);
    });

    it("runs as the non-root kong user on a read-only root with writable prefix and /tmp", () => {
        const container = kongContainer(run);
        expect(container.securityContext).toMatchObject({
            runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        const volumes = Object.fromEntries(kongDeployment(run).spec.template.spec.volumes.map((v: any) => [v.name, v]));
        const writable = container.volumeMounts.filter((m: any) => volumes[m.name].emptyDir).map((m: any) => m.mountPath);
        expect(writable.sort()).toEqual(["/tmp", "/var/lib/kong"]);
        // The prefix moves with KONG_PREFIX: /usr/local/kong holds the image's OpenSSL and libyaml.
        expect(envOf(container).KONG_PREFIX).toBe("/var/lib/kong");
        expect(container.volumeMounts.map((m: any) => m.mountPath)).not.toContain("/usr/local/kong");
        expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources.limits.memory).toBeDefined();
    });

    it("probes readiness on the status listener and liveness on the proxy port", () => {
        const container = kongContainer(run);
        const statusPort = Number(envOf(container).KONG_STATUS_LISTEN.split(":").pop());
        const named = Object.fromEntries(container.ports.map((p: any) => [p.name, p.containerPort]));
        expect(container.readinessProbe.httpGet.path).toBe("/status");
        expect(named[container.readinessProbe.httpGet.port]).toBe(statusPort);
        expect(named[container.livenessProbe.tcpSocket.port]).toBe(8000);
        expect(container.livenessProbe).not.toEqual(container.readinessProbe);
        // The status listener stays inside the pod.
        const exposed = manifests(run).filter((m) => m.kind === "Service" && selects(m, kongDeployment(run)));
        expect(exposed.flatMap((s) => s.spec.ports.map((p: any) => named[p.targetPort] ?? p.targetPort))).not.toContain(statusPort);
    });

    it("runs the configured number of replicas", () => {
        expect(kongDeployment(run).spec.replicas).toBe(Number(cfg("kongReplicas") ?? 1));
    });

    it("exposes only Kong through MetalLB LoadBalancers at the configured IPs", () => {
        const all = manifests(run);
        const lbs = all.filter((m) => m.kind === "Service" && m.spec.type === "LoadBalancer");
        expect(all.filter((m) => m.kind === "Service" && m.spec.type === "NodePort")).toEqual([]);
        expect(lbs.map((s) => s.metadata.name).sort()).toEqual(["kong-dashboard-lb", "kong-lb"]);
        for (const lb of lbs) {
            const selected = workloads(run).filter((w) => selects(lb, w)).map((w) => w.metadata.name);
            expect(selected).toEqual(["kong"]);
            expect(lb.spec.loadBalancerIP).toBeUndefined();
            expect(Object.keys(lb.metadata.annotations ?? {}).filter((k) => k.startsWith("metallb.universe.tf"))).toEqual([]);
        }
        const named = Object.fromEntries(kongContainer(run).ports.map((p: any) => [p.name, p.containerPort]));
        const portsOf = (name: string) => findManifest(run, "Service", name).spec.ports
            .map((p: any) => `${p.port}->${named[p.targetPort] ?? p.targetPort}`).sort();
        const api = findManifest(run, "Service", "kong-lb");
        expect(api.metadata.annotations?.["metallb.io/loadBalancerIPs"]).toBe(cfg("kongLoadBalancerIp"));
        expect(portsOf("kong-lb")).toEqual(["8000->8000", "8443->8443"]);
        const dash = findManifest(run, "Service", "kong-dashboard-lb");
        expect(dash.metadata.annotations?.["metallb.io/loadBalancerIPs"]).toBe(cfg("studioLoadBalancerIp"));
        expect(portsOf("kong-dashboard-lb")).toEqual(["3000->8000"]);
        expect(findManifest(run, "Service", "kong").spec.type).toBe("ClusterIP");
    });

    it("exports apiUrl and studioUrl at the LoadBalancers' assigned addresses", () => {
        expect(run.outputs.apiUrl).toEqual({ value: `http://${cfg("kongLoadBalancerIp")}:8000`, secret: false });
        expect(run.outputs.studioUrl).toEqual({ value: `http://${cfg("studioLoadBalancerIp")}:3000`, secret: false });
    });

    it("starts after GoTrue, PostgREST, Storage and meta are ready, and before Studio", () => {
        const deps = run.resources.find((r) => r.urn === urnOf(run, "kubernetes:apps/v1:Deployment", "kong"))!.dependencies;
        for (const service of ["gotrue", "rest", "storage", "meta"]) {
            expect(deps).toContain(urnOf(run, "kubernetes:apps/v1:Deployment", service));
        }
        const studioDeps = run.resources.find((r) => r.urn === urnOf(run, "kubernetes:apps/v1:Deployment", "studio"))!.dependencies;
        expect(studioDeps).toContain(urnOf(run, "kubernetes:apps/v1:Deployment", "kong"));
    });

    it("passes the Kubernetes schema for every object", () => {
        const all = manifests(run);
        for (const m of all) expect(() => validateManifest(m), `${m.kind} ${m.metadata.name}`).not.toThrow();
        expect(all.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(expect.arrayContaining([
            "Secret/kong-config", "Deployment/kong", "Service/kong", "Service/kong-lb", "Service/kong-dashboard-lb",
        ]));
    });
});

describe("Kong config rollout", () => {
    it("keeps the checksum on a second run and rolls Kong when rotation changes the keys", async () => {
        const first = await runStack("dev");
        const second = await runStack("dev", { fresh: true });
        const rotated = await runStack("dev", { overrides: { rotation: 7 } });
        expect(checksumOf(first)).toMatch(/^[0-9a-f]{64}$/);
        expect(checksumOf(second)).toBe(checksumOf(first));
        expect(checksumOf(rotated)).not.toBe(checksumOf(first));
        expect(kongYamlOf(rotated).consumers).not.toEqual(kongYamlOf(first).consumers);
        expect(kongYamlOf(rotated).consumers.find((c) => c.username === "anon")?.keyauth_credentials?.[0].key)
            .toBe(rotated.outputs.anonKey.value);
    });
});

describe("kong.yml in the offline render", () => {
    it("writes the config with every credential redacted and fails on keys that disagree with the outputs", async () => {
        const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kong-render-"));
        vi.resetModules();
        const { render } = await import("../offline/render");
        const { kongConfigProblems } = await import("../offline/reports/kong-config");
        const result = await render("dev", outRoot);
        const text = fs.readFileSync(path.join(outRoot, "dev", "kong.yml"), "utf8");
        const written = parseKongYaml(text);
        const real = kongYamlOf(result.run);
        expect(written.services).toEqual(real.services);
        const creds = findManifest(result.run, "Secret", "dashboard-credentials").stringData;
        for (const secret of [result.run.outputs.anonKey.value, result.run.outputs.serviceRoleKey.value, creds.username, creds.password]) {
            expect(text).not.toContain(secret as string);
        }
        expect(kongConfigProblems(result.run)).toEqual([]);
        // The seed's failure: a gateway holding a key the stack no longer exports.
        const stale = { ...result.run, outputs: { ...result.run.outputs, anonKey: { value: "stale-key", secret: false } } };
        expect(kongConfigProblems(stale)).toEqual(["consumer anon does not hold exactly the exported anonKey (and publishableKey)"]);
        fs.rmSync(outRoot, { recursive: true, force: true });
    });
});
