// The sandbox's pure parts: the MetalLB and Longhorn stand-ins, the tool table, the layout.
import { describe, expect, it } from "vitest";
import { needsIngress, requestedIps, volumeFor } from "../../sandbox/standins";
import { sandboxLayout } from "../../sandbox/layout";
import { missingTools, REQUIRED_BINARIES, toolVersions } from "../../tools/paths";

describe("sandbox stand-ins", () => {
    it("MetalLB: a LoadBalancer gets the IP its annotation asks for, once", () => {
        const svc = { metadata: { annotations: { "metallb.io/loadBalancerIPs": "10.89.97.214" } }, spec: { type: "LoadBalancer" } };
        expect(needsIngress(svc)).toBe(true);
        expect(requestedIps(svc)).toEqual(["10.89.97.214"]);
        expect(needsIngress({ ...svc, status: { loadBalancer: { ingress: [{ ip: "10.89.97.214" }] } } })).toBe(false);
        expect(needsIngress({ spec: { type: "ClusterIP" } })).toBe(false);
        expect(requestedIps({ spec: { type: "LoadBalancer" } })).toEqual([]);
    });

    it("Longhorn: a pending claim gets a hostPath volume of its size bound to it by claimRef", () => {
        const pv = volumeFor({
            metadata: { name: "data-postgres-0", namespace: "supabase", uid: "u-1" },
            spec: { storageClassName: "longhorn-supabase", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } },
        }, "/tmp/v");
        expect(pv.spec?.capacity).toEqual({ storage: "20Gi" });
        expect(pv.spec?.claimRef).toMatchObject({ namespace: "supabase", name: "data-postgres-0", uid: "u-1" });
        expect(pv.spec?.storageClassName).toBe("longhorn-supabase");
        expect(pv.spec?.hostPath?.path).toBe("/tmp/v/supabase/data-postgres-0");
    });
});

describe("tool table and sandbox layout", () => {
    it("reads the pinned versions from tools/versions.sh", () => {
        const v = toolVersions();
        expect(v.PULUMI_VERSION).toMatch(/^v3\.\d+\.\d+$/);
        expect(v.KUBERNETES_VERSION).toMatch(/^v1\.\d+\.\d+$/);
        expect(v.K8S_PROVIDER_VERSION).toMatch(/^4\.\d+\.\d+$/);
    });

    it("names every missing binary when the cache is empty", () => {
        expect(missingTools({ SUPABASE_PLATFORM_TOOLS: "/nonexistent" })).toEqual(REQUIRED_BINARIES);
    });

    it("refuses a privileged or malformed port override, naming the variable", () => {
        expect(() => sandboxLayout({ SANDBOX_APISERVER_PORT: "443" })).toThrow(/SANDBOX_APISERVER_PORT=443/);
        expect(() => sandboxLayout({ SANDBOX_POSTGRES_PORT: "x" })).toThrow(/SANDBOX_POSTGRES_PORT=x/);
        expect(sandboxLayout({ SUPABASE_PLATFORM_SANDBOX: "/s" }).kubeconfig).toBe("/s/kubeconfig");
    });
});
