// A real GoTrue (built by `npm run tools` from a supabase/auth snapshot) run on this machine with
// the env a Deployment gives it, and the one way the tiers call its HTTP API.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { toolsBin } from "../../../tools/paths";
import { freePort } from "../../support/postgres";

export const GOTRUE = path.join(toolsBin(), "gotrue");

export interface RunningGoTrue {
    url: string;
    log(): string;
    stop(): Promise<void>;
}

/** Runs the binary with no subcommand, as the image's CMD does: migrations, then serve. Resolves once /health answers. */
export async function startGoTrue(env: Record<string, string>, binary = GOTRUE): Promise<RunningGoTrue> {
    const port = await freePort();
    const child: ChildProcess = spawn(binary, [], {
        env: { PATH: process.env.PATH ?? "", ...env, GOTRUE_API_HOST: "127.0.0.1", GOTRUE_API_PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
        if (exitCode !== undefined) throw new Error(`gotrue exited ${exitCode} before /health answered:\n${log.slice(-4000)}`);
        try {
            const res = await fetch(`${url}/health`);
            if (res.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`gotrue did not answer /health in 120 s:\n${log.slice(-4000)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return {
        url,
        log: () => log,
        async stop() {
            if (exitCode === undefined) child.kill("SIGTERM");
            await exited;
        },
    };
}

export async function call(base: string, method: string, route: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(`${base}${route}`, {
        method,
        headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json: any;
    try {
        json = JSON.parse(text);
    } catch {
        json = text;
    }
    return { status: res.status, json };
}

