// The layout's rules (ARCHITECTURE.md), held by dependency-cruiser over the whole repository: no
// import circles, config at the bottom, the release table and services' facts as leaves, the pack
// reading only those leaves, and a test harness that plain Node scripts can import.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
const TSX = require.resolve("tsx/cli");

interface CruiseResult {
    modules: { source: string; dependencies: { resolved: string }[] }[];
    summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
}

function cruise(cwd: string, targets: string[]): CruiseResult {
    const run = spawnSync(process.execPath, [DEPCRUISE, "--config", CONFIG, "--output-type", "json", ...targets], { cwd, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
    return JSON.parse(run.stdout) as CruiseResult;
}

const violationsOf = (result: CruiseResult) => result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);

describe("the import graph", () => {
    const everything = ["index.ts", "config.ts", "releases.ts", "outputs.ts", "config", "components", "policies", "offline", "sandbox", "scripts", "tools", "tests", "bench"];
    const result = cruise(ROOT, everything);

    it("breaks none of the layout's rules, anywhere in the repository", () => {
        expect(violationsOf(result)).toEqual([]);
    });

    it("covers the program: every service's room, config, the pack and the harness", () => {
        const sources = new Set(result.modules.map((m) => m.source));
        const rooms = fs.readdirSync(path.join(ROOT, "components", "services"), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
        expect(rooms.length).toBeGreaterThanOrEqual(9);
        for (const room of rooms) expect(sources, room).toContain(`components/services/${room}/facts.ts`);
        for (const file of ["index.ts", "config/schema.ts", "releases.ts", "policies/index.ts", "components/platform.ts", "tests/support/program.ts"]) expect(sources).toContain(file);
    });

    it("keeps config at the bottom: config/ and config.ts reach nothing but releases.ts, themselves and packages", () => {
        const configModules = result.modules.filter((m) => m.source === "config.ts" || m.source.startsWith("config/"));
        expect(configModules.length).toBeGreaterThan(4);
        const reached = new Set(configModules.flatMap((m) => m.dependencies.map((d) => d.resolved)));
        expect(reached).toContain("releases.ts");
        const core = (target: string) => !target.includes("/") && !target.endsWith(".ts");
        for (const target of reached) {
            expect(target === "releases.ts" || target.startsWith("config/") || target.includes("node_modules/") || core(target), target).toBe(true);
        }
    });
});

describe("the rules bite", () => {
    /** A throwaway tree with the repository's folder names, holding exactly the offending imports. */
    function fixture(files: Record<string, string>): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layout-"));
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node" } }));
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        return dir;
    }

    it("reports a circle and config reaching up into components", () => {
        const dir = fixture({
            "config/schema.ts": 'import { POOL } from "../components/services/gotrue";\nexport const KEYS = POOL;\n',
            "components/services/gotrue/index.ts": 'import { KEYS } from "../../../config/schema";\nexport const POOL = 10;\nexport const K = KEYS;\n',
        });
        const names = violationsOf(cruise(dir, ["config", "components"])).map((v) => v.split(":")[0]);
        expect(names).toEqual(expect.arrayContaining(["no-circular", "config-at-the-bottom"]));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reports a facts file, the release table or the pack importing a component", () => {
        const dir = fixture({
            "components/workload.ts": "export const W = 1;\n",
            "components/services/meta/facts.ts": 'import { W } from "../../workload";\nexport const META_PORT = W;\n',
            "releases.ts": 'import { W } from "./components/workload";\nexport const R = W;\n',
            "policies/rules/x.ts": 'import { W } from "../../components/workload";\nexport const X = W;\n',
        });
        const names = violationsOf(cruise(dir, ["components", "releases.ts", "policies"])).map((v) => v.split(":")[0]);
        expect(names).toEqual(expect.arrayContaining(["facts-are-leaves", "release-table-is-a-leaf", "pack-reads-only-leaves"]));
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("the harness from a plain script (no vitest)", () => {
    it("runs the program under the mock engine twice, fresh each time, and sees a refused config register nothing", () => {
        const script = `
            const { runStack, runExpectingFailure } = require("./tests/support/program");
            (async () => {
                const seed = await runStack("dev", { fresh: true });
                const next = await runStack("dev", { fresh: true, overrides: { release: "v0.8.2" } });
                const refused = await runExpectingFailure("dev", { overrides: { postgresMaxConnections: 20 } });
                console.log(JSON.stringify({
                    seed: seed.resources.length, next: next.resources.length,
                    nextRelease: next.outputs.release.value, error: refused.error.message, registered: refused.registered.length,
                }));
            })().catch((e) => { console.error(e); process.exit(1); });`;
        const run = spawnSync(process.execPath, [TSX, "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, SUPABASE_PLATFORM_RUN_CACHE: "" } });
        expect(run.status, run.stderr).toBe(0);
        const seen = JSON.parse(run.stdout.trim().split("\n").pop()!);
        expect(seen.seed).toBeGreaterThan(50);
        // v0.8.2 deploys Realtime and the signing keys: a second, fresh run, not the first one's exports.
        expect(seen.next).toBeGreaterThan(seen.seed);
        expect(seen.nextRelease).toBe("v0.8.2");
        expect(seen.error).toMatch(/postgresMaxConnections = 20: the services may open/);
        expect(seen.registered).toBe(0);
    }, 120_000);
});
