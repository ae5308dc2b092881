// Background processes of the sandbox: started detached with a log and a pid file each, so that
// `status` and `stop` work from another shell and after the starting command has exited.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface ProcessSpec {
    name: string;
    command: string;
    args: string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** Run as this uid/gid (PostgreSQL refuses to run as root). */
    uid?: number;
    gid?: number;
}

export const pidFile = (stateDir: string, name: string) => path.join(stateDir, "run", `${name}.pid`);
export const logFile = (stateDir: string, name: string) => path.join(stateDir, "logs", `${name}.log`);

export function startProcess(stateDir: string, spec: ProcessSpec): number {
    fs.mkdirSync(path.join(stateDir, "run"), { recursive: true });
    fs.mkdirSync(path.join(stateDir, "logs"), { recursive: true });
    const log = fs.openSync(logFile(stateDir, spec.name), "a");
    const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd ?? stateDir,
        env: spec.env ?? process.env,
        detached: true,
        stdio: ["ignore", log, log],
        uid: spec.uid,
        gid: spec.gid,
    });
    fs.closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    child.unref();
    fs.writeFileSync(pidFile(stateDir, spec.name), String(child.pid));
    return child.pid;
}

export function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The pid of a started process that is still running, or undefined. */
export function runningPid(stateDir: string, name: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(pidFile(stateDir, name), "utf8"));
        return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Signal the process group (SIGTERM unless told), then SIGKILL what is left after the grace period. */
export async function stopProcess(stateDir: string, name: string, graceMs = 10_000, first: NodeJS.Signals = "SIGTERM"): Promise<boolean> {
    const pid = runningPid(stateDir, name);
    fs.rmSync(pidFile(stateDir, name), { force: true });
    if (pid === undefined) return false;
    const signal = (sig: NodeJS.Signals) => {
        try {
            process.kill(-pid, sig);
        } catch {
            try { process.kill(pid, sig); } catch { /* already gone */ }
        }
    };
    signal(first);
    for (const end = Date.now() + graceMs; Date.now() < end && isAlive(pid);) await sleep(100);
    if (isAlive(pid)) signal("SIGKILL");
    return true;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last lines of a process's log, for error messages. */
export function logTail(stateDir: string, name: string, lines = 15): string {
    try {
        return fs.readFileSync(logFile(stateDir, name), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}
