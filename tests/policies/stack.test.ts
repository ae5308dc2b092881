// The whole pack over the recorded resource graph of the real program (index.ts under the mock
// engine), per stack file: what `pulumi preview --policy-pack policies` would decide, without a
// cluster. Mandatory violations must be none; the counts prove the graph was not empty.
import { describe, expect, it, vi } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyReport } from "../../offline/reports/policy";
import { evaluate, mandatory } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { WORKLOAD_TYPES } from "../../policies/rules/util";
import { RELEASE_NAMES } from "../../releases";
import { ENVIRONMENT_LABEL } from "../../components/services/kong/facts";
import { configReader } from "../../offline/stack-config";
import { runStack, stackMatrix } from "../support/program";

const WORKLOADS = ["Deployment gotrue", "Deployment kong", "Deployment meta", "Deployment rest", "Deployment storage", "Deployment studio", "StatefulSet postgres", "CronJob postgres-backup"].sort();

async function verdict(stack: string, overrides?: Record<string, unknown>, fresh = false) {
    const run = await runStack(stack, { overrides, fresh });
    const result = await evaluate(run.resources, allPolicies);
    const workloads = run.resources
        .filter((r) => WORKLOAD_TYPES.includes(r.type))
        .map((r) => `${r.type.split(":").pop()} ${r.inputs.metadata?.name}`)
        .sort();
    return { run, result, workloads };
}

describe.each(stackMatrix(["dev", "prod"], RELEASE_NAMES))("policy pack on stack $label", ({ stack, overrides }) => {
    it("has no mandatory violation and checked the whole graph", async () => {
        const { run, result, workloads } = await verdict(stack, overrides);
        const pitr = configReader(stack, overrides)("pitr") === "true";
        // Realtime and the pooler are on from v0.8.2 (the stack files pin the seed).
        const expected = [...WORKLOADS, ...(overrides.release || overrides.realtime === "true" ? ["Deployment realtime-dev"] : []), ...(overrides.release ? ["Deployment pooler"] : []), ...(pitr ? ["CronJob postgres-pitr-base-backup"] : [])].sort();
        expect(mandatory(result).map((v) => `${v.policy} | ${v.resource} | ${v.message}`)).toEqual([]);
        // The stack's images are all its release's.
        expect(result.violations.filter((v) => v.policy === "image-matches-release").map((v) => v.message)).toEqual([]);
        expect(policyReport.failed!(run)).toBe(false);
        expect(workloads).toEqual(expected);
        expect(result.resourcesChecked).toBe(run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).length);
        expect(result.resourcesChecked).toBeGreaterThan(60);
        // Every workload went through the per-pod rules, every stack rule found its subject.
        for (const rule of ["pod-security-restricted", "image-tag-pinned", "resource-requests", "memory-limits", "no-literal-secret-env", "probe-ports-exist"]) {
            expect(result.applied[rule], rule).toBe(expected.length);
        }
        // The move guard exists only for storage-api before v0.48.3 (the seed's); newer ones check
        // the destination themselves, so the rule has nothing to check there.
        const guardOnly = overrides.release === undefined ? [] : ["storage-move-guarded"];
        // api-over-tls holds production stacks only (environment: production, docs/tls.md).
        const production = run.resources.some((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata?.labels?.[ENVIRONMENT_LABEL] === "production");
        expect(production).toBe(stack === "prod");
        if (!production) guardOnly.push("api-over-tls");
        // pitr-in-production holds production stacks only, too.
        if (!production) guardOnly.push("pitr-in-production");
        for (const rule of allPolicies.filter((p) => "validateStack" in p).map((p) => p.name)) {
            expect(result.applied[rule] ?? 0, rule).toBe(guardOnly.includes(rule) ? 0 : 1);
        }
        expect(result.applied["namespace-pod-security"]).toBe(1);
        expect(result.applied["jwt-secret-length"]).toBeGreaterThanOrEqual(6);
    });
});

describe("the stack verdict is not vacuous", () => {
    it("fails dev when the pools no longer fit max_connections", async () => {
        // Config refuses this stack before anything is registered (tests/config-budget.test.ts);
        // with that check switched off the pack must still catch it on the rendered workloads.
        vi.doMock("../../components/configured-budget", async (importOriginal) => ({
            ...(await importOriginal<typeof import("../../components/configured-budget")>()),
            configuredBudget: () => ({ total: 0, available: 0, fits: true, explanation: "" }),
        }));
        const { result, run } = await verdict("dev", { postgresMaxConnections: 40 }, true).finally(() => vi.doUnmock("../../components/configured-budget"));
        expect(mandatory(result).map((v) => v.policy)).toEqual(["connection-budget"]);
        // The render's report gives the same verdict and fails the render.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-report-"));
        const lines = policyReport.write(run, dir);
        expect(lines[0]).toMatch(/^Policy pack: FAIL, 1 mandatory/);
        expect(lines[1]).toMatch(/^ {2}\[mandatory\] connection-budget {2}StatefulSet postgres: .*max_connections 40/);
        expect(fs.readFileSync(path.join(dir, "policy-report.md"), "utf8")).toContain("**Verdict: FAIL (1 mandatory violation)**");
        expect(policyReport.failed!(run)).toBe(true);
    });

    it("passes the opt-in admin LoadBalancer with closed source ranges", async () => {
        const { result, run } = await verdict("dev", { dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216", dbAdminSourceRanges: ["10.89.0.0/16"] });
        expect(run.resources.some((r) => r.type === "kubernetes:core/v1:Service" && r.inputs.spec?.type === "LoadBalancer" && r.inputs.metadata?.name === "postgres-admin")).toBe(true);
        expect(mandatory(result)).toEqual([]);
    });
});
