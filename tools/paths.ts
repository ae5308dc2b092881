// Where the real toolchain lives (built by `npm run tools`) and which versions it was built at.
// The table is tools/versions.sh; this module reads it, so the shell build and the TypeScript
// sandbox and engine tier cannot disagree.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** KEY=value lines of tools/versions.sh (arrays and expansions are not needed here). */
export function toolVersions(): Record<string, string> {
    const text = fs.readFileSync(path.join(__dirname, "versions.sh"), "utf8");
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([A-Z0-9_]+)=([^\s"(][^\s]*)$/.exec(line.trim());
        if (m) out[m[1]] = m[2];
    }
    return out;
}

/** Same rule as versions.sh: $SUPABASE_PLATFORM_TOOLS, else $XDG_CACHE_HOME or ~/.cache. */
export function toolsHome(env: NodeJS.ProcessEnv = process.env): string {
    if (env.SUPABASE_PLATFORM_TOOLS) return env.SUPABASE_PLATFORM_TOOLS;
    return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "supabase-platform", "tools");
}

export const toolsBin = (env: NodeJS.ProcessEnv = process.env) => path.join(toolsHome(env), "bin");

/** The binaries the sandbox and the engine tier need; `npm run tools -- --check` checks the same. */
export const REQUIRED_BINARIES = [
    "pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "pulumi-resource-postgresql",
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok",
];

/** Where a component built from a snapshot came from (`npm run tools` writes it beside the binary). */
export function toolSource(component: string, env: NodeJS.ProcessEnv = process.env): string {
    try {
        return fs.readFileSync(path.join(toolsBin(env), `${component}.source`), "utf8").trim();
    } catch {
        return "module proxy";
    }
}

/** Missing binaries, each with the command that provides it. Empty when the toolchain is complete. */
export function missingTools(env: NodeJS.ProcessEnv = process.env): string[] {
    const bin = toolsBin(env);
    return REQUIRED_BINARIES.filter((b) => {
        try {
            fs.accessSync(path.join(bin, b), fs.constants.X_OK);
            return false;
        } catch {
            return true;
        }
    });
}

export function requireTools(env: NodeJS.ProcessEnv = process.env): string {
    const missing = missingTools(env);
    if (missing.length > 0) {
        throw new Error(`missing tools in ${toolsBin(env)}: ${missing.join(", ")}. Build them once with: npm run tools (about an hour cold on 2 cores)`);
    }
    return toolsBin(env);
}
