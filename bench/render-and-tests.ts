// `npm run bench`: wall time and peak memory of the offline render of a stack, and wall time of the
// whole test suite, measured as separate processes exactly as a user runs them. Prints figures only;
// the targets are guidance (render ≤ 2.5 s and ≤ 400 MB, tests ≤ 120 s on 2 cores), not assertions.
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

interface Sample { seconds: number; maxRssMb?: number; status: number | null }

function timed(command: string, args: string[]): Sample {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr ?? "")?.[1];
    return { seconds, maxRssMb: rss ? Number(rss) / 1024 : undefined, status: result.status };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function benchRender(stack: string, runs: number): void {
    const args = ["--require", path.join(ROOT, "bench/usage.js"), "--import", "tsx", "offline/render.ts", "--stack", stack];
    const samples = Array.from({ length: runs }, () => timed(process.execPath, args));
    const failed = samples.filter((s) => s.status !== 0).length;
    console.log(`render ${stack}: ${runs} runs, wall median ${median(samples.map((s) => s.seconds)).toFixed(2)} s ` +
        `(min ${Math.min(...samples.map((s) => s.seconds)).toFixed(2)}, max ${Math.max(...samples.map((s) => s.seconds)).toFixed(2)}), ` +
        `peak RSS median ${median(samples.map((s) => s.maxRssMb ?? NaN)).toFixed(0)} MB` +
        (failed ? `, ${failed} runs FAILED` : "") + "   [target ≤ 2.5 s, ≤ 400 MB]");
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
benchRender("dev", runs);
if (!process.argv.includes("--render-only")) {
    const suite = timed("npm", ["test", "--silent"]);
    console.log(`test suite (npm test, incl. tsc --noEmit): ${suite.seconds.toFixed(1)} s, exit ${suite.status}   [target ≤ 120 s]`);
}
