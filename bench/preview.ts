// `npm run bench:preview`: wall time of `pulumi preview` of the dev stack, database layer included
// (dbAdminEndpoint tunnel, the default), through the real CLI, language host and plugins against
// the sandbox, as a pull request's preview runs it. Needs `npm run tools`. Prints figures only; the
// guidance (issue #19) is a preview within 3x the mock render plus the plugins' own start-up.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSandbox, stopSandbox } from "../sandbox/index";
import { toolSource } from "../tools/paths";
import { engineStack, engineWorkspace } from "../tests/engine/support/workspace";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    process.env.SUPABASE_PLATFORM_SANDBOX ??= fs.mkdtempSync(path.join(os.tmpdir(), "bench-sandbox-"));
    const sandbox = await startSandbox();
    const ws = engineWorkspace(sandbox.kubeconfig);
    try {
        const stack = await engineStack(ws, "dev", {});
        const seconds: number[] = [];
        for (let i = 0; i < runs; i++) {
            const t0 = process.hrtime.bigint();
            await stack.preview();
            seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
        }
        console.log(`pulumi preview dev (fresh stack, database layer on, tunnel): ${runs} runs, wall median ${median(seconds).toFixed(2)} s ` +
            `(min ${Math.min(...seconds).toFixed(2)}, max ${Math.max(...seconds).toFixed(2)}); first run ${seconds[0].toFixed(2)} s`);
        console.log(`host: pulumi-language-nodejs from ${toolSource("language-nodejs")}`);
    } finally {
        ws.cleanup();
        await stopSandbox();
    }
}

main().catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
});
