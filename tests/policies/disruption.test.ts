import { describe, expect, it } from "vitest";
import { keptPods, pdbAllowsDisruption, pdbForReplicatedWorkloads } from "../../policies/rules/disruption";
import { brokenStack, passingStack, pdb, stackViolations, T } from "../support/policy";

const where = "PodDisruptionBudget supabase/api";

describe("pdb-allows-disruption", () => {
    it("passes minAvailable 1 of 2 with AlwaysAllow", async () => {
        expect(await stackViolations(pdbAllowsDisruption, passingStack())).toEqual([]);
    });
    it("rejects a missing unhealthyPodEvictionPolicy", async () => {
        expect(await stackViolations(pdbAllowsDisruption, brokenStack(passingStack(), "api-pdb", (p) => delete p.spec.unhealthyPodEvictionPolicy)))
            .toEqual([`${where}: set unhealthyPodEvictionPolicy: AlwaysAllow (a crash-looping pod must not block a drain)`]);
    });
    it("rejects minAvailable equal to the replicas", async () => {
        expect(await stackViolations(pdbAllowsDisruption, brokenStack(passingStack(), "api-pdb", (p) => (p.spec.minAvailable = 2))))
            .toEqual([`${where}: minAvailable 2 of 2 pod(s) blocks every eviction`]);
        expect(await stackViolations(pdbAllowsDisruption, brokenStack(passingStack(), "api-pdb", (p) => (p.spec.minAvailable = "100%")))).toHaveLength(1);
    });
    it("rejects maxUnavailable 0", async () => {
        expect(await stackViolations(pdbAllowsDisruption, brokenStack(passingStack(), "api-pdb", (p) => { delete p.spec.minAvailable; p.spec.maxUnavailable = 0; })))
            .toEqual([`${where}: maxUnavailable 0 blocks every eviction`]);
    });
    it("rejects a budget on the single database pod", async () => {
        const stack = [...passingStack(), { type: T.pdb, name: "postgres-pdb", props: pdb("postgres") }];
        expect(await stackViolations(pdbAllowsDisruption, stack)).toEqual(["PodDisruptionBudget supabase/postgres: minAvailable 1 of 1 pod(s) blocks every eviction"]);
    });
    it("rounds percentages up as Kubernetes does", () => {
        expect(keptPods("50%", 3)).toBe(2);
    });
});

describe("pdb-for-replicated-workloads", () => {
    it("passes a replicated Deployment with a budget", async () => {
        expect(await stackViolations(pdbForReplicatedWorkloads, passingStack())).toEqual([]);
    });
    it("rejects one without", async () => {
        expect(await stackViolations(pdbForReplicatedWorkloads, passingStack().filter((f) => f.name !== "api-pdb")))
            .toEqual(["Deployment supabase/api: 2 replicas but no PodDisruptionBudget (minAvailable: 1)"]);
    });
    it("does not ask one of a single replica", async () => {
        expect(await stackViolations(pdbForReplicatedWorkloads, brokenStack(passingStack().filter((f) => f.name !== "api-pdb"), "api", (p) => (p.spec.replicas = 1)))).toEqual([]);
    });
});
