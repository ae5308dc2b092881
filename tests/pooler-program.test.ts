// The pooler as the program renders it (mock engine): on by default from v0.8.2 and nothing of it in
// the seed's stacks, its workload and files, the NetworkPolicy for exactly its paths, the
// LoadBalancer only when configured, and the database side (pgbouncer's own password, the login roles).
import { beforeAll, describe, expect, it } from "vitest";
import { kubernetesObjects } from "../offline/manifests";
import { ProgramRun } from "../offline/engine";
import { findManifest, runStack, V082 } from "./support/program";

const byName = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name)!;
const selector = (app: string) => ({ podSelector: { matchLabels: { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app } } });

describe.each(["dev", "prod"])("the pooler on %s@v0.8.2", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack(stack, { overrides: { ...V082 } });
    });

    it("runs both processes of the release's image, each on its own ini, with userlist.txt from its Secret", () => {
        const pod = findManifest(run, "Deployment", "pooler").spec.template.spec;
        expect(pod.containers.map((c: any) => [c.name, c.image, c.ports[0].containerPort, c.volumeMounts.map((m: any) => `${m.mountPath}<-${m.name}/${m.subPath}`)])).toEqual([
            ["pgbouncer-transaction", "edoburu/pgbouncer:v1.25.2-p0", 6543, ["/etc/pgbouncer/pgbouncer.ini<-config/transaction.ini", "/etc/pgbouncer/userlist.txt<-auth-file/userlist.txt"]],
            ["pgbouncer-session", "edoburu/pgbouncer:v1.25.2-p0", 5432, ["/etc/pgbouncer/pgbouncer.ini<-config/session.ini", "/etc/pgbouncer/userlist.txt<-auth-file/userlist.txt"]],
        ]);
        expect(pod.containers.every((c: any) => c.command === undefined && c.args === undefined && c.env === undefined)).toBe(true);
        expect(pod.volumes).toEqual([{ name: "config", configMap: { name: "pooler-config" } }, { name: "auth-file", secret: { secretName: "pooler-secrets", defaultMode: 0o440 } }]);
        const service = findManifest(run, "Service", "pooler");
        expect(service.spec.type).toBe("ClusterIP");
        expect(service.spec.ports.map((p: any) => [p.name, p.port])).toEqual([["transaction", 6543], ["session", 5432]]);
    });

    it("keeps in userlist.txt only pgbouncer's own password, not the superuser's", () => {
        const userlist = findManifest(run, "Secret", "pooler-secrets").stringData["userlist.txt"] as string;
        const superuser = byName(run, "database-admin").inputs.password as string;
        expect(userlist).toMatch(/^"pgbouncer" "[A-Za-z0-9]{32}"\n$/);
        expect(userlist).not.toContain(superuser);
        const own = byName(run, "database-pooler-auth-password").inputs;
        expect(own.roles).toEqual(["pgbouncer"]);
        expect(userlist).toBe(`"pgbouncer" "${own.password}"\n`);
        expect(byName(run, "database-role-passwords").inputs.roles).not.toContain("pgbouncer");
        // A fresh volume never gives pgbouncer the shared password either.
        expect(findManifest(run, "ConfigMap", "postgres-init-scripts").data["99-roles.sql"]).not.toMatch(/pgbouncer/);
    });

    it("lets in only labelled client pods on 6543 and 5432, and lets the pooler reach only PostgreSQL (and DNS)", () => {
        const policy = findManifest(run, "NetworkPolicy", "allow-pooler");
        expect(policy.spec.ingress).toEqual([{
            from: [{ namespaceSelector: {}, podSelector: { matchLabels: { "supabase-platform/pooler-client": "true" } } }],
            ports: [{ protocol: "TCP", port: 6543 }, { protocol: "TCP", port: 5432 }],
        }]);
        expect(policy.spec.egress.slice(1)).toEqual([{ to: [selector("postgres")], ports: [{ protocol: "TCP", port: 5432 }] }]);
        expect(policy.spec.egress[0].ports.map((p: any) => p.port)).toEqual([53, 53]);
        const db = findManifest(run, "NetworkPolicy", "allow-postgres");
        expect(db.spec.ingress).toContainEqual({ from: [selector("pooler")], ports: [{ protocol: "TCP", port: 5432 }] });
        expect(kubernetesObjects(run.resources).some(({ manifest }) => manifest.kind === "Service" && manifest.metadata.name === "pooler-lb")).toBe(false);
    });
});

describe("the pooler's LoadBalancer", () => {
    it("exists only when configured, limited to the source ranges, in the MetalLB pool, and admitted by the NetworkPolicy", async () => {
        const run = await runStack("dev", { overrides: { release: "v0.8.2", poolerEndpoint: "loadbalancer", poolerLoadBalancerIp: "10.89.97.216", poolerSourceRanges: ["192.168.10.0/24"] } });
        const lb = findManifest(run, "Service", "pooler-lb");
        expect(lb.metadata.annotations).toEqual({ "metallb.io/loadBalancerIPs": "10.89.97.216" });
        expect(lb.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["192.168.10.0/24"], externalTrafficPolicy: "Local" });
        expect(lb.spec.ports.map((p: any) => p.port)).toEqual([6543, 5432]);
        const pool = kubernetesObjects(run.resources).find(({ manifest }) => manifest.kind === "IPAddressPool")!.manifest as any;
        expect(pool.spec.addresses).toContain("10.89.97.216/32");
        expect(findManifest(run, "NetworkPolicy", "allow-pooler").spec.ingress[1]).toEqual({ from: [{ ipBlock: { cidr: "192.168.10.0/24" } }], ports: [{ protocol: "TCP", port: 6543 }, { protocol: "TCP", port: 5432 }] });
        const apps = run.outputs.poolerApps.value as Record<string, { external: { transaction: string } }>;
        expect(apps.money_tracker.external.transaction).toBe("postgresql://money_tracker_login:[PASSWORD]@10.89.97.216:6543/postgres?sslmode=disable");
    });
});

describe.each(["dev", "prod"])("the seed's %s stack", (stack) => {
    it("deploys no pooler, no login role and no pooler password, and gives pgbouncer the shared password as before", async () => {
        const run = await runStack(stack);
        expect(kubernetesObjects(run.resources).filter(({ manifest }) => manifest.metadata.name.startsWith("pooler") || manifest.metadata.name === "allow-pooler")).toEqual([]);
        expect(run.resources.filter((r) => /pooler|_login/.test(r.name))).toEqual([]);
        expect(byName(run, "database-role-passwords").inputs.roles).toContain("pgbouncer");
        expect(run.outputs.poolerHost.value).toBeUndefined();
    });
});
