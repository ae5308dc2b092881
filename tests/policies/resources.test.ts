import { describe, expect, it } from "vitest";
import { memoryLimits, resourceRequests } from "../../policies/rules/resources";
import { broken, deployment, resourceViolations, T } from "../support/policy";

const res = (p: any) => p.spec.template.spec.containers[0].resources;

describe("resource-requests", () => {
    it("passes CPU and memory requests", async () => {
        expect(await resourceViolations(resourceRequests, T.deployment, deployment())).toEqual([]);
    });
    it("rejects a missing CPU request", async () => {
        expect(await resourceViolations(resourceRequests, T.deployment, broken(deployment(), (p) => delete res(p).requests.cpu)))
            .toEqual(["Deployment supabase/api: container api has no cpu request"]);
    });
    it("rejects a missing memory request on an init container", async () => {
        const props = broken(deployment(), (p) => (p.spec.template.spec.initContainers = [{ name: "init", image: "x:1", resources: { requests: { cpu: "10m" }, limits: { memory: "16Mi" } } }]));
        expect(await resourceViolations(resourceRequests, T.deployment, props)).toEqual(["Deployment supabase/api: container init has no memory request"]);
    });
});

describe("memory-limits", () => {
    it("passes a memory limit without a CPU limit", async () => {
        expect(await resourceViolations(memoryLimits, T.deployment, deployment())).toEqual([]);
    });
    it("rejects a missing memory limit", async () => {
        expect(await resourceViolations(memoryLimits, T.deployment, broken(deployment(), (p) => delete res(p).limits)))
            .toEqual(["Deployment supabase/api: container api has no memory limit"]);
    });
});
