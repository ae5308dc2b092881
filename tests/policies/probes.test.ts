import { describe, expect, it } from "vitest";
import { livenessDiffersFromReadiness, readinessProbe } from "../../policies/rules/probes";
import { broken, brokenStack, deployment, passingStack, resourceViolations, stackViolations, T } from "../support/policy";

const c0 = (p: any) => p.spec.template.spec.containers[0];

describe("readiness-probe", () => {
    it("passes when every Service-backed container has one", async () => {
        expect(await stackViolations(readinessProbe, passingStack())).toEqual([]);
    });
    it("rejects a Service-backed container without one", async () => {
        expect(await stackViolations(readinessProbe, brokenStack(passingStack(), "api", (p) => delete c0(p).readinessProbe)))
            .toEqual(["Deployment supabase/api: container api serves a Service but has no readinessProbe"]);
    });
    it("does not require one where no Service selects the pods", async () => {
        const stack = passingStack().filter((f) => f.name !== "api-svc");
        expect(await stackViolations(readinessProbe, brokenStack(stack, "api", (p) => delete c0(p).readinessProbe))).toEqual([]);
    });
});

describe("liveness-differs-from-readiness", () => {
    it("passes different probes", async () => {
        expect(await resourceViolations(livenessDiffersFromReadiness, T.deployment, deployment())).toEqual([]);
    });
    it("rejects identical probes (key order does not matter)", async () => {
        const props = broken(deployment(), (p) => (c0(p).livenessProbe = { periodSeconds: 5, httpGet: { port: "http", path: "/ready" } }));
        expect(await resourceViolations(livenessDiffersFromReadiness, T.deployment, props))
            .toEqual(["Deployment supabase/api: container api uses the same probe for liveness and readiness"]);
    });
});
