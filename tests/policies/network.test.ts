import { describe, expect, it } from "vitest";
import { networkPolicyCoverage, networkPolicyTargetsPods } from "../../policies/rules/network";
import { allow, brokenStack, passingStack, stackViolations, T } from "../support/policy";

describe("network-policy-coverage", () => {
    it("passes a default deny with explicit allows", async () => {
        expect(await stackViolations(networkPolicyCoverage, passingStack())).toEqual([]);
    });
    it("rejects a namespace without default deny", async () => {
        const messages = await stackViolations(networkPolicyCoverage, passingStack().filter((f) => f.name !== "default-deny"));
        expect(messages[0]).toBe("Namespace supabase: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
        expect(messages).toContain("Deployment supabase/api: no NetworkPolicy covers its ingress");
        expect(messages).toContain("Deployment supabase/api: no NetworkPolicy covers its egress");
    });
    it("rejects a deny that only covers ingress", async () => {
        const messages = await stackViolations(networkPolicyCoverage, brokenStack(passingStack(), "default-deny", (p) => (p.spec.policyTypes = ["Ingress"])));
        expect(messages).toContain("Namespace supabase: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)");
        expect(messages).toContain("Deployment supabase/api: no NetworkPolicy covers its egress");
        expect(messages).not.toContain("Deployment supabase/api: no NetworkPolicy covers its ingress");
    });
    it("rejects an allow that opens the database to everyone", async () => {
        expect(await stackViolations(networkPolicyCoverage, brokenStack(passingStack(), "allow-postgres", (p) => delete p.spec.ingress[0].from)))
            .toEqual(["StatefulSet supabase/postgres: NetworkPolicy supabase/allow-postgres admits ingress from anywhere; name the peers"]);
        expect(await stackViolations(networkPolicyCoverage, brokenStack(passingStack(), "allow-postgres", (p) => (p.spec.ingress[0].from = [{ ipBlock: { cidr: "0.0.0.0/0" } }]))))
            .toHaveLength(1);
    });
    it("lets a public app take ingress from anywhere", async () => {
        const open = allow("api", "x", 80);
        delete open.spec.ingress[0].from;
        expect(await stackViolations(networkPolicyCoverage, [...passingStack(), { type: T.networkPolicy, name: "allow-api", props: open }], { publicApps: ["api"] })).toEqual([]);
    });
});

describe("network-policy-targets-pods (advisory)", () => {
    it("flags a policy that selects nothing", async () => {
        expect(networkPolicyTargetsPods.enforcementLevel).toBe("advisory");
        expect(await stackViolations(networkPolicyTargetsPods, passingStack())).toEqual([]);
        expect(await stackViolations(networkPolicyTargetsPods, brokenStack(passingStack(), "allow-postgres", (p) => (p.spec.podSelector.matchLabels["app.kubernetes.io/name"] = "postgress"))))
            .toEqual(["NetworkPolicy supabase/allow-postgres: selects no pod"]);
    });
});
