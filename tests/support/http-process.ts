// A real service started as a process on this machine (GoTrue, storage-api, postgres-meta): spawned
// with exactly the env given (plus PATH), ready once its health route answers 200 on its port.
// Plain Node, no vitest: the tiers and scripts share it.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

export interface RunningProcess {
    url: string;
    port: number;
    pid: number;
    log(): string;
    stop(): Promise<void>;
}

export async function startHttpProcess(command: string, env: Record<string, string>, port: number, health: string, timeoutMs = 180_000): Promise<RunningProcess> {
    const name = path.basename(command);
    const child: ChildProcess = spawn(command, [], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exitCode !== undefined) throw new Error(`${name} exited ${exitCode} before ${health} answered:\n${log.slice(-4000)}`);
        try {
            const res = await fetch(`${url}${health}`);
            if (res.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`${name} did not answer ${health} in ${timeoutMs / 1000} s:\n${log.slice(-4000)}`);
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    return {
        url, port, pid: child.pid!,
        log: () => log,
        async stop() {
            if (exitCode === undefined) child.kill("SIGTERM");
            await exited;
        },
    };
}

/** A response's body as JSON when it parses, else as text (services answer errors in either). */
export async function jsonOrText(res: Response): Promise<any> {
    const text = await res.text();
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
