// The policy report of `npm run render`: every rule of policies/rules over the recorded graph,
// the verdict `pulumi preview --policy-pack policies` would give, written to
// out/<stack>/policy-report.md. A mandatory violation fails the render.
import * as fs from "fs";
import * as path from "path";
import { Evaluation, evaluateSync, mandatory, Violation } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { ProgramRun } from "../engine";
import type { Report } from "./report";

const cache = new WeakMap<ProgramRun, Evaluation>();

export function policyVerdict(run: ProgramRun): Evaluation {
    let result = cache.get(run);
    if (!result) {
        result = evaluateSync(run.resources, allPolicies);
        cache.set(run, result);
    }
    return result;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function policyMarkdown(run: ProgramRun, result: Evaluation): string {
    const order = (v: Violation) => (v.level === "mandatory" ? 0 : 1);
    const rows = [...result.violations].sort((a, b) => order(a) - order(b) || a.policy.localeCompare(b.policy));
    const failing = mandatory(result).length;
    return [
        `# Policy report: stack ${run.stack}`,
        "",
        `Rules of policies/rules run in-process over the recorded resource graph (${result.resourcesChecked} resources checked by resource rules, ${result.stackResources} seen by stack rules), as \`pulumi preview --policy-pack policies\` would run them.`,
        "",
        `**Verdict: ${failing === 0 ? "pass" : `FAIL (${failing} mandatory violation${failing === 1 ? "" : "s"})`}**, ${result.violations.length - failing} advisory.`,
        "",
        "| Level | Rule | Resource | Message |",
        "|---|---|---|---|",
        ...rows.map((v) => `| ${v.level} | ${v.policy} | ${cell(v.resource ?? "(stack)")} | ${cell(v.message)} |`),
        "",
        "## Rules",
        "",
        "| Rule | Level | Applied to |",
        "|---|---|---|",
        ...allPolicies.map((p) => `| ${p.name} | ${p.enforcementLevel ?? "advisory"} | ${result.applied[p.name] ?? 0} |`),
        "",
    ].join("\n");
}

export const policyReport: Report = {
    write(run, outDir) {
        const result = policyVerdict(run);
        fs.writeFileSync(path.join(outDir, "policy-report.md"), policyMarkdown(run, result));
        const failing = mandatory(result);
        const advisory = result.violations.length - failing.length;
        const advisoryByRule = new Map<string, number>();
        for (const v of result.violations.filter((x) => x.level !== "mandatory")) advisoryByRule.set(v.policy, (advisoryByRule.get(v.policy) ?? 0) + 1);
        return [
            `Policy pack: ${failing.length === 0 ? "pass" : "FAIL"}, ${failing.length} mandatory, ${advisory} advisory violation(s) → policy-report.md`,
            ...failing.map((v) => `  [mandatory] ${v.policy}  ${v.resource ?? "(stack)"}: ${v.message}`),
            ...[...advisoryByRule].map(([rule, n]) => `  [advisory] ${rule}: ${n}`),
        ];
    },
    failed(run) {
        return mandatory(policyVerdict(run)).length > 0;
    },
};
