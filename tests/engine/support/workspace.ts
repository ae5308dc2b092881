// A stack of this program under the real Pulumi CLI (Automation API, local file backend,
// passphrase secrets) against the sandbox. The project is copied to a temp dir (tracked files only,
// node_modules linked), so config changes and state never touch the checkout.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, OpType, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { writeHostBin } from "../../../sandbox/host-bin";
import { REPO_ROOT, requireTools, toolsHome } from "../../../tools/paths";

export interface EngineWorkspace {
    dir: string;
    env: Record<string, string>;
    cleanup(): void;
}

export function engineWorkspace(kubeconfig: string): EngineWorkspace {
    const bin = requireTools();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-tier-"));
    const project = path.join(dir, "project");
    const files = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const file of files) {
        if (!fs.existsSync(path.join(REPO_ROOT, file))) continue; // deleted in the working tree
        fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(project, file));
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"));
    fs.mkdirSync(path.join(dir, "state"));
    const env: Record<string, string> = {
        PATH: `${writeHostBin(path.join(dir, "host-bin"))}:${bin}:${process.env.PATH}`,
        KUBECONFIG: kubeconfig,
        PULUMI_HOME: path.join(dir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-tier-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // A missing plugin fails at once instead of trying a download from the internet.
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    return { dir: project, env, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function pulumiCommand(): Promise<PulumiCommand> {
    return PulumiCommand.get({ root: toolsHome(), skipVersionCheck: true });
}

/** A stack of the copied project, with its Pulumi.<name>.yaml and these config values on top. */
export async function engineStack(ws: EngineWorkspace, name: string, config: Record<string, string>): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: ws.dir }, {
        pulumiCommand: await pulumiCommand(), envVars: ws.env,
    });
    for (const [key, value] of Object.entries(config)) await stack.setConfig(`supabase-platform:${key}`, { value });
    return stack;
}

/**
 * The top-level inputs that differ, as `pulumi preview` shows them (`[diff: ~using]`): a dynamic
 * provider's diff reports only that something changed (the Node.js dynamic-provider host sends no
 * property list), so the CLI, and this, compare the old and new inputs.
 */
function changedInputs(olds: Record<string, unknown> | undefined, news: Record<string, unknown> | undefined): string[] {
    if (!olds || !news) return [];
    return [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
}

/** Per-resource steps of a preview or update, from the engine's event stream. */
export class StepLog {
    readonly steps: { urn: string; type: string; op: OpType; diffs: string[] }[] = [];
    readonly diagnostics: string[] = [];
    readonly policyViolations: { policy: string; level: string; urn?: string; message: string }[] = [];

    readonly onEvent = (event: EngineEvent) => {
        const pre = event.resourcePreEvent?.metadata;
        if (pre) this.steps.push({ urn: pre.urn, type: pre.type, op: pre.op, diffs: pre.diffs?.length ? pre.diffs : changedInputs(pre.old?.inputs, pre.new?.inputs) });
        if (event.diagnosticEvent) this.diagnostics.push(event.diagnosticEvent.message);
        const p = event.policyEvent;
        if (p) this.policyViolations.push({ policy: p.policyName, level: p.enforcementLevel, urn: p.resourceUrn, message: p.message });
    };

    /** Steps other than `same`, as "op type name". */
    changes(): string[] {
        return this.steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.type} ${s.urn.split("::").pop()}`);
    }
}

/** Wall times of named steps, printed once per file: what a reviewer compares between runs. */
export class WallTimes {
    private readonly seconds: Record<string, number> = {};

    async timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
        const t0 = Date.now();
        try {
            return await fn();
        } finally {
            this.seconds[label] = (Date.now() - t0) / 1000;
        }
    }

    summary(title: string): string {
        return `${title} wall times (s): ` + Object.entries(this.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");
    }
}
