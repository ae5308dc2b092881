// What the deployment adds so it passes the pack: NetworkPolicies derived from the wiring, and
// PodDisruptionBudgets from workload.ts for replicated services.
import { describe, expect, it } from "vitest";
import { disruptionBudgetSpec } from "../../components/workload";
import { manifests, runStack } from "../support/program";

const byKind = (ms: ReturnType<typeof manifests>, kind: string) => ms.filter((m) => m.kind === kind);
const peerApps = (rule: any) => (rule.from ?? rule.to ?? []).map((p: any) => p.podSelector?.matchLabels?.["app.kubernetes.io/name"] ?? p.ipBlock?.cidr ?? p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]);

describe("PodDisruptionBudgets (workload.ts)", () => {
    it("gives replicated workloads minAvailable 1 with AlwaysAllow, and single replicas none", async () => {
        expect(disruptionBudgetSpec(1, { a: "b" })).toBeUndefined();
        const all = manifests(await runStack("prod"));
        const replicated = [...byKind(all, "Deployment"), ...byKind(all, "StatefulSet")].filter((m) => m.spec.replicas >= 2).map((m) => m.metadata.name).sort();
        expect(replicated).toEqual(expect.arrayContaining(["gotrue", "kong", "rest"]));
        expect(replicated).not.toContain("postgres");
        const prod = byKind(all, "PodDisruptionBudget");
        expect(prod.map((m) => m.metadata.name).sort()).toEqual(replicated);
        for (const pdb of prod) {
            expect(pdb.spec).toEqual({
                minAvailable: 1,
                unhealthyPodEvictionPolicy: "AlwaysAllow",
                selector: { matchLabels: { "app.kubernetes.io/name": pdb.metadata.name, "app.kubernetes.io/instance": pdb.metadata.name } },
            });
        }
    });
});

describe("NetworkPolicies (network-policies.ts)", () => {
    it("admits labelled admin pods of the configured namespaces in cluster mode, and none in tunnel or port-forward mode", async () => {
        const admitted = async (overrides: Record<string, unknown>) => {
            const policy = byKind(manifests(await runStack("dev", { overrides })), "NetworkPolicy").find((p) => p.metadata.name === "allow-postgres")!;
            return policy.spec.ingress.filter((r: any) => r.from[0].namespaceSelector).flatMap((r: any) => r.from[0].namespaceSelector.matchExpressions[0].values);
        };
        expect(await admitted({ dbAdminEndpoint: "cluster", dbAdminClientNamespaces: ["ci-runners"] })).toEqual(["supabase", "ci-runners"]);
        // A port-forward enters the pod's network namespace (its loopback), which policies do not filter.
        expect(await admitted({})).toEqual([]);
        expect(await admitted({ dbAdminEndpoint: "port-forward" })).toEqual([]);
    });

    it("denies by default and allows only the platform's wiring", async () => {
        const policies = byKind(manifests(await runStack("dev")), "NetworkPolicy");
        const named = new Map(policies.map((p) => [p.metadata.name, p]));
        expect([...named.keys()].sort()).toEqual([
            "allow-gotrue", "allow-kong", "allow-meta", "allow-postgres", "allow-postgres-backup", "allow-rest", "allow-storage", "allow-studio", "default-deny",
        ]);
        expect(named.get("default-deny")!.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });

        const postgres = named.get("allow-postgres")!.spec;
        const fromApps = postgres.ingress.filter((r: any) => !r.from[0].namespaceSelector);
        expect(fromApps.flatMap(peerApps).sort()).toEqual(["gotrue", "meta", "postgres-backup", "rest", "storage"]);
        // tunnel mode (the default): nothing from outside the platform's own pods reaches postgres.
        expect(postgres.ingress.filter((r: any) => r.from[0].namespaceSelector || r.from[0].ipBlock)).toEqual([]);
        expect(postgres.ingress.every((r: any) => r.ports[0].port === 5432)).toBe(true);
        expect(postgres.egress.map(peerApps)).toEqual([["kube-system"]]);

        const meta = named.get("allow-meta")!.spec;
        expect(meta.ingress.flatMap(peerApps).sort()).toEqual(["kong", "studio"]);

        const kong = named.get("allow-kong")!.spec;
        expect(kong.ingress.find((r: any) => r.from[0].ipBlock)).toEqual({
            from: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
            ports: [{ protocol: "TCP", port: 8000 }, { protocol: "TCP", port: 8443 }],
        });
        expect(kong.egress.flatMap(peerApps).sort()).toEqual(["gotrue", "kube-system", "meta", "rest", "storage", "studio"]);
        for (const p of policies.filter((x) => x.metadata.name !== "default-deny")) {
            expect(p.spec.egress[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        }
    });

    it("admits the admin LoadBalancer's source ranges to the database, and SMTP out of GoTrue", async () => {
        const run = await runStack("dev", {
            overrides: {
                dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216", dbAdminSourceRanges: ["10.89.0.0/16"],
                smtpHost: "smtp.example.internal", smtpAdminEmail: "auth@example.internal", smtpPort: 2525,
            },
        });
        const named = new Map(byKind(manifests(run), "NetworkPolicy").map((p) => [p.metadata.name, p]));
        expect(named.get("allow-postgres")!.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: "10.89.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] });
        expect(named.get("allow-gotrue")!.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 2525 }] });
    });
});
