// The GitHub workflows parse, pin every action to a commit, trigger as documented, preview with the
// policy pack and a PR comment per environment, deploy per protected environment, and run the
// offline render and tests without secrets.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../offline/stack-config";

const DIR = path.join(PROJECT_ROOT, ".github", "workflows");
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; name?: string };
type Job = { steps: Step[]; environment?: string; needs?: string | string[]; strategy?: { matrix: { include?: { stack: string }[] } }; container?: string; concurrency?: Record<string, unknown> };
type Workflow = { on: Record<string, any>; jobs: Record<string, Job>; permissions?: Record<string, string> };

const load = (file: string): Workflow => {
    const doc = YAML.parseDocument(fs.readFileSync(path.join(DIR, file), "utf8"));
    expect(doc.errors, file).toEqual([]);
    return doc.toJS() as Workflow;
};
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const passesPolicyPack = (s: Step) => s.with?.policyPacks === "policies" || /--policy-pack[ =]policies\b/.test(s.run ?? "");

describe("GitHub workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

    it("exist and are valid YAML with jobs and steps", () => {
        expect(files).toEqual(["ci.yml", "deploy.yml", "preview.yml"]);
        for (const file of files) {
            const wf = load(file);
            expect(Object.keys(wf.jobs).length, file).toBeGreaterThan(0);
            for (const [name, job] of Object.entries(wf.jobs)) expect(job.steps.length, `${file} ${name}`).toBeGreaterThan(0);
        }
    });

    it("pins every action to a full commit SHA", () => {
        const uses = files.flatMap((f) => steps(load(f)).map((s) => s.uses).filter((u): u is string => !!u));
        expect(uses.length).toBeGreaterThanOrEqual(8);
        for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        // One version per action across the files.
        const byAction = new Map<string, Set<string>>();
        for (const u of uses) {
            const [action, sha] = u.split("@");
            byAction.set(action, (byAction.get(action) ?? new Set()).add(sha));
        }
        for (const [action, shas] of byAction) expect(shas.size, action).toBe(1);
    });

    it("ci: on every push, render and test with no secret", () => {
        const wf = load("ci.yml");
        expect(Object.keys(wf.on)).toContain("push");
        expect(wf.on.push ?? {}).not.toHaveProperty("branches");
        const runs = steps(wf).map((s) => s.run ?? "").join("\n");
        expect(runs).toContain("npm ci");
        expect(runs).toContain("npm run render -- --stack dev");
        expect(runs).toContain("npm run render -- --stack prod");
        expect(runs).toContain("npm test");
        expect(fs.readFileSync(path.join(DIR, "ci.yml"), "utf8")).not.toContain("secrets.");
    });

    it("ci: keeps the render of both stacks as a build artifact, after rendering them", () => {
        const ciSteps = steps(load("ci.yml"));
        const upload = ciSteps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@"));
        expect(upload).toBeGreaterThan(-1);
        const paths = String(ciSteps[upload].with?.path).split("\n").map((p) => p.trim()).filter(Boolean);
        expect(paths.sort()).toEqual(["out/dev", "out/prod"]);
        expect(ciSteps[upload].with?.["if-no-files-found"]).toBe("error");
        const rendered = ciSteps.findIndex((s) => (s.run ?? "").includes("npm run render -- --stack prod"));
        expect(rendered).toBeGreaterThan(-1);
        expect(rendered).toBeLessThan(upload);
    });

    it("preview: on pull requests, per environment, with the policy pack and a PR comment", () => {
        const wf = load("preview.yml");
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        expect(wf.permissions?.["pull-requests"]).toBe("write");
        const job = Object.values(wf.jobs)[0];
        expect(job.strategy?.matrix.include?.map((e) => e.stack)).toEqual(["dev", "prod"]);
        const [pulumi] = pulumiSteps(job);
        expect(pulumi.with).toMatchObject({ command: "preview", "comment-on-pr": true, diff: true });
        expect(String(pulumi.with?.["stack-name"])).toContain("${{ matrix.stack }}");
        expect(passesPolicyPack(pulumi)).toBe(true);
        expect(pulumi.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
        expect(job.steps.some((s) => (s.run ?? "").includes(".kube/config"))).toBe(true);
    });

    it("deploy: on main, `pulumi up` per protected environment, dev before prod", () => {
        const wf = load("deploy.yml");
        expect(wf.on.push.branches).toEqual(["main"]);
        expect(Object.keys(wf.jobs)).toEqual(["dev", "prod"]);
        expect(wf.jobs.prod.needs).toBe("dev");
        for (const stack of ["dev", "prod"]) {
            const job = wf.jobs[stack];
            expect(job.environment).toBe(stack);
            const pulumi = pulumiSteps(job).find((s) => s.with?.command === "up");
            expect(pulumi?.with).toMatchObject({ command: "up" });
            if (!pulumi) return;
            // A dead run's lock is cleared first (docs/runbooks/interrupted-deploy.md), for this stack only.
            const cancel = job.steps.findIndex((s) => (s.run ?? "").startsWith("pulumi cancel --yes --stack"));
            expect(cancel).toBeGreaterThan(-1);
            expect(cancel).toBeLessThan(job.steps.indexOf(pulumi));
            expect(job.steps[cancel].run).toMatch(new RegExp(`/supabase-platform/${stack} `));
            expect(job.concurrency?.["cancel-in-progress"]).toBe(false);
            expect(String(pulumi.with?.["stack-name"])).toMatch(new RegExp(`/supabase-platform/${stack}$`));
            expect(passesPolicyPack(pulumi)).toBe(true);
            expect(pulumi.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
            const kube = job.steps.find((s) => (s.run ?? "").includes(".kube/config"));
            expect(kube?.env?.KUBECONFIG_CONTENT).toBe("${{ secrets.KUBECONFIG }}");
            expect(job.steps.at(-1)?.run).toContain(`npm run smoke -- --stack`);
        }
    });
});
