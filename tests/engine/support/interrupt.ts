// Interrupting a running `pulumi up` part-way: a signal to the CLI process, as a cancelled CI job
// (SIGINT, then SIGTERM) or a lost runner (SIGKILL) would send.
import * as fs from "fs";

/** Pids of `pulumi <verb>` processes whose working directory is `dir`. */
export function pulumiProcesses(dir: string, verb: string): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
            if (!argv[0]?.endsWith("/pulumi") || !argv.includes(verb)) continue;
            if (fs.readlinkSync(`/proc/${entry}/cwd`) === fs.realpathSync(dir)) pids.push(Number(entry));
        } catch {
            // The process ended while we looked.
        }
    }
    return pids;
}

/** Wait until `pulumi <verb>` runs in `dir` and has made `progress()` true, then signal it. */
export async function killWhen(dir: string, verb: string, progress: () => boolean, signal: NodeJS.Signals, timeoutMs = 300_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const pids = pulumiProcesses(dir, verb);
        if (pids.length > 0 && progress()) {
            for (const pid of pids) process.kill(pid, signal);
            return pids;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`no pulumi ${verb} reached the interruption point within ${timeoutMs / 1000} s`);
}
