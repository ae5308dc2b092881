// README.md and docs/ against the code: every command, config key, file path, output name, link and
// worked example they mention must exist and hold, so the documentation cannot drift from the program.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../config";
import { configuredBudget } from "../components/configured-budget";
import { contractFor } from "../components/services/contracts";
import { configReader, PROJECT_ROOT, stackNames } from "../offline/stack-config";
import { RELEASE_NAMES, RELEASES, repositoryAndTag } from "../releases";
import { runStack } from "./support/program";

const ROOT = PROJECT_ROOT;
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

/** README.md, ARCHITECTURE.md and every page under docs/. */
function docFiles(): string[] {
    const pages: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(rel);
            else if (entry.name.endsWith(".md")) pages.push(rel);
        }
    };
    walk("docs");
    return ["README.md", "ARCHITECTURE.md", ...pages.sort()];
}

const FENCE = /^( *)```[^\n]*\n[\s\S]*?^\1```/gm;
/** Inline code spans outside fenced blocks. */
const spans = (text: string) => [...text.replace(FENCE, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
/** Inline code spans and the lines of fenced blocks: where commands are written. */
const commandText = (text: string) => [...spans(text), ...[...text.matchAll(FENCE)].flatMap((m) => m[0].split("\n"))];

/** Every identifier-like word of the program's TypeScript sources (not node_modules, not out/). */
function codeWords(): Set<string> {
    const words = new Set<string>();
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (["node_modules", "out", ".git", "bin"].includes(entry.name)) continue;
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/\.(ts|ya?ml|sh|sql|json)$/.test(entry.name)) for (const [w] of fs.readFileSync(full, "utf8").matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) words.add(w);
        }
    };
    walk(ROOT);
    return words;
}

/** GitHub's heading anchors of a markdown page. */
function anchors(text: string): Set<string> {
    return new Set([...text.replace(FENCE, "").matchAll(/^#+ (.+)$/gm)].map(([, h]) =>
        h.trim().toLowerCase().replace(/`/g, "").replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")));
}

const OUTPUT_NAMES = () => {
    const source = read("outputs.ts");
    const body = /export interface PlatformOutputs \{([\s\S]*?)\n\}/.exec(source)![1];
    return [...body.matchAll(/^ {4}([a-zA-Z]+)\??:/gm)].map((m) => m[1]);
};
const configKeys = new Set(Object.keys(CONFIG_KEYS));

/** The positional arguments of a CLI line's tail: flags dropped, with the value of `--stack`/`-s`. */
function positional(rest: string): string[] {
    const words = rest.split("#")[0].trim().split(/\s+/).filter(Boolean);
    const args: string[] = [];
    for (let i = 0; i < words.length; i++) {
        if (words[i] === "--stack" || words[i] === "-s") i++;
        else if (!words[i].startsWith("-")) args.push(words[i]);
    }
    return args;
}

/** Files a runbook tells the reader to create (the runbook's own test creates and checks them). */
const CREATED_BY_RUNBOOKS = ["components/database/apps/recipes.ts"];

describe("README.md and docs/ match the code", () => {
    const pages = docFiles().map((file) => ({ file, text: read(file) }));
    const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

    it("README.md stays a five-minute read (at most 250 lines) and links every page of docs/", () => {
        const readme = read("README.md");
        expect(readme.split("\n").length).toBeLessThanOrEqual(250);
        for (const { file } of pages.filter((p) => p.file.startsWith(`docs${path.sep}`) && !p.file.includes(`${path.sep}runbooks${path.sep}`))) {
            expect(readme, file).toContain(`](${file.split(path.sep).join("/")})`);
        }
    });

    it("names no path of one machine (absolute paths are container paths only)", () => {
        for (const { file, text } of pages) expect(text.match(/\/(?:work|home|Users|root)\/[\w.+-]+/g) ?? [], file).toEqual([]);
    });

    it("every relative link points at a file of the repository, and every anchor at a heading", () => {
        const broken: string[] = [];
        for (const { file, text } of pages) {
            for (const [, target] of text.replace(FENCE, "").matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue;
                const [where, anchor] = target.split("#");
                const resolved = where ? path.normalize(path.join(path.dirname(file), where)) : file;
                if (!fs.existsSync(path.join(ROOT, resolved))) { broken.push(`${file}: ${target}`); continue; }
                if (anchor && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
            }
        }
        expect(broken).toEqual([]);
    });

    it("every `npm run` script, `npx` path and repository path mentioned exists", () => {
        const topLevel = new Set(fs.readdirSync(ROOT).filter((f) => !["out", "node_modules"].includes(f)));
        const missing: string[] = [];
        for (const { file, text } of pages) {
            for (const line of commandText(text)) {
                for (const [, script] of line.matchAll(/\bnpm run (?:-s )?([a-z][\w:-]*\w)/g)) if (!scripts.includes(script)) missing.push(`${file}: npm run ${script}`);
                for (const [, target] of line.matchAll(/\bnpx (?:vitest run|tsx) ([\w./-]+)/g)) if (!fs.existsSync(path.join(ROOT, target))) missing.push(`${file}: npx … ${target}`);
            }
            for (const span of spans(text)) {
                for (const token of span.split(/[\s,()]+/)) {
                    const candidate = token.replace(/^["']|["':.;]+$/g, "");
                    if (/[<>*{}$]|^\.|:\/\//.test(candidate) || candidate.includes(":")) continue;
                    const first = candidate.split("/")[0];
                    if (candidate.includes("/") && topLevel.has(first)) {
                        if (!fs.existsSync(path.join(ROOT, candidate)) && !CREATED_BY_RUNBOOKS.includes(candidate)) missing.push(`${file}: ${candidate}`);
                    } else if (/^[\w.-]+\.ts$/.test(candidate) && !candidate.includes("/")) {
                        // A bare source file name: some file of the repository has it.
                        if (!sourceNames().has(candidate)) missing.push(`${file}: ${candidate}`);
                    }
                }
            }
        }
        expect(missing).toEqual([]);
    });

    it("every config key set, read or removed with the CLI is a key of the schema (or a provider's)", () => {
        const unknown: string[] = [];
        for (const { file, text } of pages) {
            for (const line of commandText(text)) {
                for (const [, rest] of line.matchAll(/\bpulumi config (?:set|get|rm)\b([^|&;)\n]*)/g)) {
                    const [first] = positional(rest);
                    if (!first) continue; // e.g. "`pulumi config set --secret`" as a command name
                    const key = first.replace(/^['"]|['"]$/g, "").replace(/\[.*$/, "");
                    // Provider keys (kubernetes:context), placeholders, and structured paths (a.b.c),
                    // which this program's flat schema does not use, are not its keys.
                    if (/[:<.]/.test(key)) continue;
                    if (!configKeys.has(key)) unknown.push(`${file}: pulumi config …${rest}`);
                }
            }
        }
        expect(unknown).toEqual([]);
    });

    it("every camelCase name in code spans is a config key, an output or a name in the code", () => {
        const words = codeWords();
        const outputs = new Set(OUTPUT_NAMES());
        const unknown: string[] = [];
        for (const { file, text } of pages) {
            for (const span of spans(text)) {
                for (const [name] of span.matchAll(/\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b/g)) {
                    if (!configKeys.has(name) && !outputs.has(name) && !words.has(name)) unknown.push(`${file}: ${name}`);
                }
            }
        }
        expect(unknown).toEqual([]);
    });

    it("every image named with its tag is one a release pins or a contract records (a placeholder tag like v2.x.y aside)", () => {
        const pinned = new Set(RELEASE_NAMES.flatMap((r) => Object.values(RELEASES[r].images)));
        const repositories = new Set([...pinned].map((image) => repositoryAndTag(image).repository));
        const stale: string[] = [];
        for (const { file, text } of pages) {
            for (const span of spans(text)) {
                for (const token of span.split(/[\s,()]+/)) {
                    const { repository, tag } = repositoryAndTag(token);
                    if (!tag || !repositories.has(repository) || /\.x\b/.test(tag)) continue;
                    if (!pinned.has(token) && !contractFor(token)) stale.push(`${file}: ${token}`);
                }
            }
        }
        expect(stale).toEqual([]);
    });

    it("the README's quick-start keys are config keys, and the template stack file sets each of them", () => {
        const readme = read("README.md");
        const quickStart = readme.split("## Deploy to your own cluster")[1].split("\n## ")[0];
        const rows = quickStart.split("\n").filter((l) => /^\| `/.test(l));
        const keys = rows.flatMap((r) => [...r.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
        expect(keys.length).toBeGreaterThanOrEqual(5);
        const template = YAML.parse(read("stack-template.yaml")) as { config: Record<string, unknown> };
        const templateKeys = Object.keys(template.config).map((k) => k.split(":")[1]);
        for (const key of keys) {
            expect(configKeys.has(key), key).toBe(true);
            expect(templateKeys, key).toContain(key);
        }
        for (const key of templateKeys) expect(configKeys.has(key), `stack-template.yaml: ${key}`).toBe(true);
    });

    it("the README's outputs table lists exactly the stack outputs, with their secrecy", async () => {
        const readme = read("README.md");
        const section = readme.split("## What an app repo reads")[1].split("\n## ")[0];
        const rows = section.split("\n").filter((l) => /^\| `[a-zA-Z]+` \|/.test(l)).map((l) => l.split("|").map((c) => c.trim()));
        const documented = rows.map((r) => r[1].replace(/`/g, ""));
        expect([...documented].sort()).toEqual([...OUTPUT_NAMES()].sort());
        for (const release of RELEASE_NAMES) {
            const run = await runStack("dev", { overrides: { release } });
            expect(Object.keys(run.outputs).sort()).toEqual([...documented].sort());
            for (const [, name, secret] of rows) {
                const output = run.outputs[name.replace(/`/g, "")];
                if (output.value !== undefined) expect(output.secret, `${name} (${release})`).toBe(secret === "yes");
            }
        }
        for (const { file, text } of pages) {
            for (const line of commandText(text)) {
                for (const [, rest] of line.matchAll(/\bpulumi stack output\b([^|&;)\n]*)/g)) {
                    for (const name of positional(rest)) expect(OUTPUT_NAMES(), `${file}: ${line}`).toContain(name);
                }
            }
        }
    });

    it("the connection-budget example is what config validation computes for dev's counts", () => {
        const services = read(path.join("docs", "services.md"));
        const read1 = configReader("dev");
        for (const release of RELEASE_NAMES) {
            const int = (key: string) => Number(read1(key));
            const { explanation } = configuredBudget({
                postgresMaxConnections: int("postgresMaxConnections"), storageBackend: read1("storageBackend") as "file" | "s3",
                gotrueReplicas: int("gotrueReplicas"), restReplicas: int("restReplicas"), storageReplicas: int("storageReplicas"),
                metaReplicas: int("metaReplicas"), realtimeReplicas: int("realtimeReplicas"), realtime: read1("realtime") as "auto", release,
                pooler: read1("pooler") as "auto", dbAdminEndpoint: read1("dbAdminEndpoint"), poolerReplicas: int("poolerReplicas"),
                poolerTransactionMaxDbConnections: int("poolerTransactionMaxDbConnections"), poolerSessionMaxDbConnections: int("poolerSessionMaxDbConnections"),
            });
            expect(services).toContain(`release ${`${release}:`.padEnd(7)} ${explanation}`);
        }
    });

    it("the workflows table names exactly the secrets and variables each workflow reads", () => {
        const environments = read(path.join("docs", "environments.md"));
        const table = /<!-- workflows:begin[^\n]*-->\n([\s\S]*?)\n<!-- workflows:end -->/.exec(environments)![1];
        const rows = table.split("\n").filter((l) => l.startsWith("| `"));
        const dir = path.join(ROOT, ".github", "workflows");
        expect(rows.map((r) => /`([^`]+)`/.exec(r)![1]).sort()).toEqual(fs.readdirSync(dir).sort());
        for (const row of rows) {
            const cells = row.split("|").map((c) => c.trim());
            const file = cells[1].replace(/`/g, "");
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            // secrets.X, and secrets[matrix.k] resolved through the matrix's values of k.
            const doc = YAML.parse(text) as { jobs: Record<string, { strategy?: { matrix?: { include?: Record<string, string>[] } } }> };
            const matrix = Object.values(doc.jobs).flatMap((j) => j.strategy?.matrix?.include ?? []);
            const secrets = new Set([...text.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]));
            for (const [, k] of text.matchAll(/secrets\[matrix\.(\w+)\]/g)) for (const entry of matrix) secrets.add(entry[k]);
            const vars = new Set([...text.matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1]));
            const named = (cell: string) => new Set([...cell.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]));
            expect([...named(cells[4])].sort(), `${file} secrets`).toEqual([...secrets].sort());
            expect([...named(cells[5])].sort(), `${file} variables`).toEqual([...vars].sort());
        }
    });
});

describe("the template stack file", () => {
    it("renders as it is: config validation and the policy pack pass", async () => {
        const template = YAML.parse(read("stack-template.yaml")) as { config: Record<string, unknown> };
        // Any stack file with every one of its keys removed, then the template's: the template alone.
        const base = stackNames()[0];
        const cleared = Object.fromEntries(Object.keys(YAML.parse(read(`Pulumi.${base}.yaml`)).config).map((k) => [k.split(":")[1], undefined]));
        const values = Object.fromEntries(Object.entries(template.config).map(([k, v]) => [k.split(":")[1], v]));
        // fresh: the shared runs are keyed by their overrides as JSON, where the cleared (undefined) keys vanish.
        const run = await runStack(base, { overrides: { ...cleared, ...values }, fresh: true });
        const { evaluate, mandatory } = await import("../policies/evaluate");
        const { allPolicies } = await import("../policies/rules");
        expect(mandatory(await evaluate(run.resources, allPolicies)).map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
        expect(run.outputs.release.value).toBe(values.release);
        expect(run.outputs.apiUrl.value).toBe(`http://${values.kongLoadBalancerIp}:8000`);
    });
});

describe("npm ci", () => {
    it("has a decision in package.json's allowScripts for every dependency with an install script", () => {
        const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { hasInstallScript?: boolean }> };
        const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([k]) => k.split("node_modules/").pop()!);
        const allowScripts = (JSON.parse(read("package.json")) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
        expect(withScripts.filter((name) => !(name in allowScripts))).toEqual([]);
    });
});

let names: Set<string> | undefined;
/** Base names of the repository's TypeScript files. */
function sourceNames(): Set<string> {
    if (names) return names;
    names = new Set();
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (["node_modules", "out", ".git", "bin"].includes(entry.name)) continue;
            if (entry.isDirectory()) walk(path.join(dir, entry.name));
            else if (entry.name.endsWith(".ts")) names!.add(entry.name);
        }
    };
    walk(ROOT);
    return names;
}
