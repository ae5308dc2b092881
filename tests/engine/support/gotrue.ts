// A real GoTrue (built by `npm run tools` from a supabase/auth snapshot) run on this machine with
// the env a Deployment gives it, and the one way the tiers call its HTTP API.
import * as path from "path";
import { toolsBin } from "../../../tools/paths";
import { freePort } from "../../support/postgres";
import { jsonOrText, RunningProcess, startHttpProcess } from "../../support/http-process";

export const GOTRUE = path.join(toolsBin(), "gotrue");

export type RunningGoTrue = RunningProcess;

/** Runs the binary with no subcommand, as the image's CMD does: migrations, then serve. Resolves once /health answers. */
export async function startGoTrue(env: Record<string, string>, binary = GOTRUE): Promise<RunningGoTrue> {
    const port = await freePort();
    return startHttpProcess(binary, { ...env, GOTRUE_API_HOST: "127.0.0.1", GOTRUE_API_PORT: String(port) }, port, "/health", 120_000);
}

export async function call(base: string, method: string, route: string, headers: Record<string, string>, body?: unknown) {
    const res = await fetch(`${base}${route}`, {
        method,
        headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await jsonOrText(res) };
}

