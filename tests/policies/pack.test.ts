// The pack as the CLI loads it: metadata every rule needs, a self-contained folder (installed on
// its own, so no import may leave policies/), one PolicyPack, and the rules table of docs/guardrails.md in sync.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { allPolicies } from "../../policies/rules";
import { rulesTable } from "../../policies/rules-table";

const ROOT = path.resolve(__dirname, "../..");
const PACK = path.join(ROOT, "policies");
/** What the pack may read of the program: leaves that import nothing above them (.dependency-cruiser.cjs keeps them so). */
const PROGRAM_LEAVES = /^(releases|components\/connection-budget|components\/services\/[a-z]+\/facts)$/;
const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === "node_modules" ? [] : sources(path.join(dir, e.name))) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []);

describe("policy pack", () => {
    it("names every rule once, in kebab-case, with a description and a level", () => {
        const names = allPolicies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        expect(names.length).toBeGreaterThanOrEqual(30);
        for (const p of allPolicies) {
            expect(p.name, p.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
            expect(p.description.length, p.name).toBeGreaterThan(20);
            expect(["mandatory", "advisory"], p.name).toContain(p.enforcementLevel);
            for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                expect(key).not.toBe("enforcementLevel");
                expect((schema as { default?: unknown }).default, `${p.name}.${key}`).toBeDefined();
            }
        }
    });

    it("reads only the program's leaves: imports stay inside policies/, name its declared dependencies, or are the release table, the budget arithmetic or a service's facts", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
        expect(pkg.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
        const declared = new Set(Object.keys(pkg.dependencies));
        for (const file of sources(PACK)) {
            const text = fs.readFileSync(file, "utf8");
            for (const [, spec] of text.matchAll(/from "([^"]+)"/g)) {
                if (spec.startsWith(".")) {
                    const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
                    expect(target.startsWith(`policies${path.sep}`) || PROGRAM_LEAVES.test(target), `${file} imports ${spec}`).toBe(true);
                } else if (!["crypto", "fs", "path"].includes(spec)) {
                    expect(declared.has(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]), `${file} imports ${spec}`).toBe(true);
                }
            }
        }
        expect(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: nodejs$/m);
    });

    it("constructs the PolicyPack only in policies/index.ts, which nothing imports", () => {
        const constructing = sources(ROOT).filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`) && !f.includes(`${path.sep}out${path.sep}`))
            .filter((f) => f !== __filename && /new PolicyPack\(/.test(fs.readFileSync(f, "utf8")));
        expect(constructing.map((f) => path.relative(ROOT, f))).toEqual([path.join("policies", "index.ts")]);
        const importers = sources(path.join(ROOT, "offline")).concat(sources(path.join(ROOT, "tests")))
            .filter((f) => /from "(\.\.\/)+policies"|policies\/index"/.test(fs.readFileSync(f, "utf8")));
        expect(importers).toEqual([]);
    });

    it("keeps the rules table of docs/guardrails.md equal to allPolicies", () => {
        const page = fs.readFileSync(path.join(ROOT, "docs", "guardrails.md"), "utf8");
        const table = /<!-- rules:start[^\n]*-->\n([\s\S]*?)\n<!-- rules:end -->/.exec(page)?.[1];
        expect(table).toBe(rulesTable());
    });
});
