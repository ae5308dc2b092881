// `npm run bench`: wall time, CPU time and peak memory of the offline render of a stack, what the
// heavy dependencies cost to load, the program's own run the way the Pulumi CLI's Node.js host runs
// it, and wall time of the whole test suite, each measured in separate processes as a user runs
// them. Prints figures only; the targets are guidance (render ≤ 2.5 s and ≤ 400 MB, tests ≤ 120 s
// on 2 cores), not assertions. On a busy machine wall times stretch; CPU times much less so, and
// the load average is printed with every section.
//   --render-only   the render only        --no-modules   skip the module-load breakdown
//   --no-host       skip the host run      --no-tests     skip the test suite
//   BENCH_RUNS=n    runs per figure (default 5)
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackConfig } from "../offline/stack-config";

const ROOT = path.resolve(__dirname, "..");

interface Sample { seconds: number; cpuSeconds?: number; maxRssMb?: number; modules?: number; status: number | null; stdout: string }

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", ...env } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const figure = (name: string) => {
        const value = new RegExp(`${name}=(\\d+)`).exec(result.stderr ?? "")?.[1];
        return value === undefined ? undefined : Number(value);
    };
    const rss = figure("BENCH_MAX_RSS_KB");
    const cpu = figure("BENCH_CPU_US");
    return { seconds, cpuSeconds: cpu === undefined ? undefined : cpu / 1e6, maxRssMb: rss === undefined ? undefined : rss / 1024, modules: figure("BENCH_MODULES"), status: result.status, stdout: result.stdout ?? "" };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => `load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} cores`;
const spread = (xs: number[], digits = 2) => `median ${median(xs).toFixed(digits)} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)})`;

function benchRender(stack: string, runs: number): void {
    const args = ["--require", path.join(ROOT, "bench/usage.js"), "--import", "tsx", "offline/render.ts", "--stack", stack];
    const samples = Array.from({ length: runs }, () => timed(process.execPath, args));
    const failed = samples.filter((s) => s.status !== 0).length;
    console.log(`render ${stack}: ${runs} runs, wall ${spread(samples.map((s) => s.seconds))} s, ` +
        `CPU ${spread(samples.map((s) => s.cpuSeconds ?? NaN))} s, ` +
        `peak RSS median ${median(samples.map((s) => s.maxRssMb ?? NaN)).toFixed(0)} MB, ${samples[0].modules} CommonJS modules loaded` +
        (failed ? `, ${failed} runs FAILED` : "") + `   [target ≤ 2.5 s, ≤ 400 MB; ${load()}]`);
}

/** What requiring each heavy dependency costs under tsx (the render's runner), the SDKs after @pulumi/pulumi. */
function benchModules(runs: number): void {
    const cases: [string[], string][] = [
        [[], "@pulumi/pulumi"],
        [["@pulumi/pulumi"], "@pulumi/kubernetes"],
        [["@pulumi/pulumi"], "@pulumi/kubernetes/core/v1"],
        [["@pulumi/pulumi"], "@pulumi/postgresql"],
        [["@pulumi/pulumi"], "@pulumi/policy"],
        [[], "@kubernetes/client-node"],
        [[], "zod"],
        [[], "yaml"],
        [[], "jsonwebtoken"],
        [[], "@noble/curves/p256"],
        [[], "pg"],
        [[], "kubernetes-models"],
    ];
    console.log(`module load under tsx (fresh process each, ${runs} runs, medians; ${load()}):`);
    for (const [pre, mod] of cases) {
        const rows = Array.from({ length: runs }, () => {
            const sample = timed(process.execPath, ["--import", "tsx", "bench/module-load.js", ...pre, "--", mod]);
            return JSON.parse(sample.stdout.trim().split("\n").pop() ?? "{}") as { wallMs: number; cpuMs: number; modules: number };
        });
        const label = pre.length ? `${mod} (after ${pre.join(", ")})` : mod;
        console.log(`  ${label.padEnd(52)} CPU ${median(rows.map((r) => r.cpuMs)).toFixed(0).padStart(5)} ms  wall ${median(rows.map((r) => r.wallMs)).toFixed(0).padStart(5)} ms  ${rows[0].modules} modules`);
    }
}

/** index.ts as the CLI's host runs it (bench/host-run.js), with a cold ts-node cache each run. */
function benchHost(stack: string, runs: number): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-host-"));
    try {
        const configFile = path.join(dir, "config.json");
        fs.writeFileSync(configFile, JSON.stringify(stackConfig(stack)));
        const rows = Array.from({ length: runs }, (_, i) => {
            const sample = timed(process.execPath, ["bench/host-run.js", configFile, stack], { TS_NODE_CACHE_DIRECTORY: path.join(dir, `ts-node-${i}`) });
            if (sample.status !== 0) return undefined;
            return JSON.parse(sample.stdout.trim().split("\n").pop() ?? "{}") as { tsNode: string; totalMs: number; cpuMs: number; resources: number };
        });
        const ok = rows.filter((r): r is NonNullable<typeof r> => r !== undefined);
        if (!ok.length) {
            console.log(`host run ${stack}: FAILED`);
            return;
        }
        console.log(`host run ${stack} (ts-node ${ok[0].tsNode} as the CLI's host registers it, index.ts under mocks, ${ok[0].resources} resources): ` +
            `${runs} runs, wall ${spread(ok.map((r) => r.totalMs / 1000))} s, CPU ${spread(ok.map((r) => r.cpuMs / 1000))} s` +
            (ok.length < runs ? `, ${runs - ok.length} runs FAILED` : "") + `   [${load()}]`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
const renderOnly = process.argv.includes("--render-only");
benchRender("dev", runs);
if (!renderOnly && !process.argv.includes("--no-modules")) benchModules(runs);
if (!renderOnly && !process.argv.includes("--no-host")) benchHost("dev", runs);
if (!renderOnly && !process.argv.includes("--no-tests")) {
    const suite = timed("npm", ["test", "--silent"]);
    console.log(`test suite (npm test, incl. tsc --noEmit): ${suite.seconds.toFixed(1)} s, exit ${suite.status}   [target ≤ 120 s; ${load()}]`);
}
