// Studio under the mock engine on every stack file: ClusterIP only, reachable from outside only
// through Kong, the URLs it is given, secrets by reference, probes and the restricted pod.
import { beforeAll, describe, expect, it } from "vitest";
import { RELEASES } from "../releases";
import { ProgramRun } from "../offline/engine";
import { Manifest } from "../offline/manifests";
import { configReader, stackNames } from "../offline/stack-config";
import { findManifest, manifests, runStack } from "./support/program";

const studioDeployment = (run: ProgramRun) => findManifest(run, "Deployment", "studio");
const studioContainer = (run: ProgramRun) => studioDeployment(run).spec.template.spec.containers[0];
const envOf = (run: ProgramRun): Record<string, any> =>
    Object.fromEntries(studioContainer(run).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const selects = (svc: Manifest, workload: Manifest) =>
    Object.entries(svc.spec.selector ?? {}).every(([k, v]) => workload.spec.template.metadata.labels[k] === v);

/** The Service behind an in-cluster URL `http://<svc>.<ns>.svc:<port>`, or undefined. */
function serviceBehind(run: ProgramRun, url: string): Manifest | undefined {
    const { hostname, port } = new URL(url);
    const [name, ns, svc] = hostname.split(".");
    if (svc !== "svc") return undefined;
    return manifests(run).find((m) => m.kind === "Service" && m.metadata.name === name && m.metadata.namespace === ns
        && m.spec.ports.some((p: any) => p.port === Number(port)));
}

describe.each(stackNames())("Studio on stack %s", (stack) => {
    let run: ProgramRun;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        run = await runStack(stack);
        cfg = configReader(stack);
    });

    it("runs the configured image with a ClusterIP Service on 3000 and nothing else selecting it", () => {
        expect(studioContainer(run).image).toBe(cfg("studioImage") || RELEASES.seed.images.studio);
        const selecting = manifests(run).filter((m) => m.kind === "Service" && selects(m, studioDeployment(run)));
        expect(selecting.map((s) => [s.metadata.name, s.spec.type, s.spec.ports.map((p: any) => p.port)]))
            .toEqual([["studio", "ClusterIP", [3000]]]);
    });

    it("gives the browser the gateway's external address and the server the in-cluster one", () => {
        const env = envOf(run);
        expect(env.SUPABASE_PUBLIC_URL).toBe(run.outputs.apiUrl.value);
        expect(env.SUPABASE_PUBLIC_URL).toBe(`http://${cfg("kongLoadBalancerIp")}:8000`);
        expect(serviceBehind(run, env.SUPABASE_URL)?.metadata.name).toBe("kong");
        expect(serviceBehind(run, env.STUDIO_PG_META_URL)?.metadata.name).toBe("meta");
        expect(env.NEXT_PUBLIC_ENABLE_LOGS).toBe("false");
        expect(env.DEFAULT_ORGANIZATION_NAME).toBeTruthy();
        expect(env.DEFAULT_PROJECT_NAME).toContain(stack);
    });

    it("reads every secret from its scoped Secret by reference, never as a literal", () => {
        const env = studioContainer(run).env;
        const refs = env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
        expect(refs.sort()).toEqual(["AUTH_JWT_SECRET", "PG_META_CRYPTO_KEY", "POSTGRES_PASSWORD", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_KEY"]
            .map((k) => [k, "studio-secrets", k]));
        const secretValues = Object.values<string>(findManifest(run, "Secret", "studio-secrets").stringData);
        const literals = JSON.stringify(env.filter((e: any) => e.value !== undefined));
        for (const value of secretValues) expect(literals).not.toContain(value);
    });

    it("probes /api/profile for readiness and the port for liveness", () => {
        const c = studioContainer(run);
        expect(c.readinessProbe.httpGet).toEqual({ path: "/api/profile", port: "http" });
        expect(c.ports.find((p: any) => p.name === "http").containerPort).toBe(3000);
        expect(c.livenessProbe.tcpSocket.port).toBe("http");
        expect(c.livenessProbe).not.toEqual(c.readinessProbe);
        // As the supabase/cli commit that pinned the image ran it: HOSTNAME set, no PORT (3000 is the default).
        const env = envOf(run);
        expect(env.HOSTNAME).toBe("0.0.0.0");
        expect(Object.keys(env)).not.toContain("PORT");
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
    });

    it("runs as a non-root user on a read-only root with writable /tmp and Next.js cache", () => {
        const c = studioContainer(run);
        expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(c.securityContext.runAsUser).toBeGreaterThan(0);
        const volumes = Object.fromEntries(studioDeployment(run).spec.template.spec.volumes.map((v: any) => [v.name, v]));
        const writable = c.volumeMounts.filter((m: any) => volumes[m.name].emptyDir).map((m: any) => m.mountPath).sort();
        expect(writable).toEqual(["/app/apps/studio/.next/cache", "/tmp"]);
    });

    it("rolls when its Secret changes", async () => {
        const rotated = await runStack(stack, { overrides: { rotation: 3 } });
        const sum = (r: ProgramRun) => studioDeployment(r).spec.template.metadata.annotations["checksum/config"];
        expect(sum(run)).toMatch(/^[0-9a-f]{64}$/);
        expect(sum(rotated)).not.toBe(sum(run));
    });
});
