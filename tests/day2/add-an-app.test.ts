// docs/runbooks/add-an-app.md, followed step by step in a scratch copy of the repository: its
// definition file, its registry line and its config change are taken from the runbook itself, then
// the copy is type-checked, rendered, and the tests that read the app list from the stack files
// run there (tests/day2/backup-restore.test.ts: the only one that ever named the apps itself). A runbook whose steps no longer fit the code, or whose app breaks a test, fails here.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../offline/stack-config";

const RUNBOOK = path.join(PROJECT_ROOT, "docs", "runbooks", "add-an-app.md");
/** Not copied: installed packages (linked instead), outputs, and the machinery of other tools. */
const SKIP = new Set(["node_modules", "out", ".git", "bin"]);

/** The text of the runbook's numbered step n, up to the next step. */
function step(runbook: string, n: number): string {
    const match = new RegExp(`^${n}\\. ([\\s\\S]*?)(?=^\\d+\\. |(?![\\s\\S]))`, "m").exec(runbook);
    if (!match) throw new Error(`docs/runbooks/add-an-app.md has no step ${n}`);
    return match[1];
}

/** The fenced code blocks of one language in a step, their indentation removed. */
function blocks(text: string, lang: string): string[] {
    return [...text.matchAll(new RegExp("^( *)```" + lang + "\\n([\\s\\S]*?)^\\1```", "gm"))]
        .map(([, indent, body]) => body.split("\n").map((line) => line.slice(indent.length)).join("\n"));
}

interface Outcome { code: number; stdout: string; stderr: string }
/** A child process's exit code and output, whether it succeeded or not. */
const run = (file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Outcome> =>
    promisify(execFile)(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 })
        .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }));

describe("the add-an-app runbook, followed in a scratch copy", () => {
    let copy: string;
    let app: string;
    /** The checks of the copy, started together once the runbook's steps are applied. */
    const checks = {} as { typeCheck: Promise<Outcome>; tests: Promise<Outcome> };
    /** Only the scratch copy's own settings: the parent run's shared program runs are of other files. */
    const env = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "SUPABASE_PLATFORM_RUN_CACHE" && k !== "NODE_OPTIONS"));

    beforeAll(() => {
        copy = fs.mkdtempSync(path.join(os.tmpdir(), "add-an-app-"));
        fs.cpSync(PROJECT_ROOT, copy, { recursive: true, filter: (src) => !SKIP.has(path.basename(src)) || path.dirname(src) !== PROJECT_ROOT });
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy, "node_modules"));

        const runbook = fs.readFileSync(RUNBOOK, "utf8");
        // Step 1: the definition file, at the path the step names.
        const [definition] = blocks(step(runbook, 1), "ts");
        const file = /`(components\/database\/apps\/[a-z_]+\.ts)`/.exec(step(runbook, 1))![1];
        app = /schema: "([a-z_]+)"/.exec(definition)![1];
        fs.writeFileSync(path.join(copy, file), definition);
        // Step 2: its import beside the others, and the registry list as the step shows it.
        const [registration] = blocks(step(runbook, 2), "ts");
        const importLine = registration.split("\n").find((l) => l.startsWith("import "))!;
        const listLine = registration.split("\n").find((l) => l.includes(".map((app) =>"))!;
        const indexFile = path.join(copy, "components", "database", "apps", "index.ts");
        const index = fs.readFileSync(indexFile, "utf8").split("\n");
        const lastImport = index.map((l) => l.startsWith("import ")).lastIndexOf(true);
        index.splice(lastImport + 1, 0, importLine);
        const listAt = index.findIndex((l) => l.includes(".map((app) =>"));
        expect(listLine.replace(/, [a-zA-Z]+\]/, "]").trim(), "step 2's list is the registry's plus the new app").toBe(index[listAt].trim());
        index[listAt] = listLine;
        fs.writeFileSync(indexFile, index.join("\n"));
        // Step 3: the stack file's apps as the step lists them.
        const [yaml] = blocks(step(runbook, 3), "yaml");
        const stackFile = path.join(copy, "Pulumi.dev.yaml");
        const stack = YAML.parseDocument(fs.readFileSync(stackFile, "utf8"));
        const apps = (YAML.parse(yaml) as Record<string, string[]>)["supabase-platform:apps"];
        expect(apps.slice(0, -1), "step 3 keeps the apps dev already has").toEqual(stack.toJS().config["supabase-platform:apps"]);
        expect(apps.at(-1)).toBe(app);
        stack.setIn(["config", "supabase-platform:apps"], apps);
        fs.writeFileSync(stackFile, stack.toString());

        // Step 4 (`npm run render -- --stack dev && npm test`) in the copy, in one vitest process: the
        // render as `npm run render` does it (render() and its summary, written to out/), then the
        // tests that read the app list from the stack file. And a type check of the new definition
        // against the model, the first half of npm test.
        fs.writeFileSync(path.join(copy, "tests", "runbook-render.test.ts"), [
            'import * as fs from "fs";',
            'import * as path from "path";',
            'import { expect, it, vi } from "vitest";',
            'import { PROJECT_ROOT } from "../offline/stack-config";',
            'it("npm run render -- --stack dev", async () => {',
            '    vi.resetModules(); // the program runs afresh, as in its own process',
            '    const { render, summary } = await import("../offline/render");',
            '    const result = await render("dev");',
            '    fs.writeFileSync(path.join(PROJECT_ROOT, "out", "dev", "summary.txt"), summary(result));',
            '    expect(result.failed).toBe(false);',
            '});',
            "",
        ].join("\n"));
        const options = { cwd: copy, env: env() };
        const bin = (pkg: string, file: string) => path.join(PROJECT_ROOT, "node_modules", pkg, file);
        fs.writeFileSync(path.join(copy, "tsconfig.apps.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["components/database/apps/*.ts"] }));
        checks.typeCheck = run(process.execPath, [bin("typescript", "bin/tsc"), "-p", "tsconfig.apps.json", "--noEmit"], options);
        checks.tests = run(process.execPath, [bin("vitest", "vitest.mjs"), "run", "--no-file-parallelism", "tests/runbook-render.test.ts", "tests/day2/backup-restore.test.ts"], options);
    });

    afterAll(async () => {
        await Promise.allSettled(Object.values(checks));
        if (copy) fs.rmSync(copy, { recursive: true, force: true });
    });

    it("the definition type-checks against the database model", async () => {
        const result = await checks.typeCheck;
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    }, 240_000);

    it("step 4: npm run render passes config validation and the policy pack, with the new app's tables", async () => {
        const result = await checks.tests;
        const summary = path.join(copy, "out", "dev", "summary.txt");
        expect(fs.existsSync(summary), `${result.stdout}\n${result.stderr}`).toBe(true);
        const text = fs.readFileSync(summary, "utf8");
        expect(text).toMatch(/Policy pack: pass, 0 mandatory/);
        expect(text).toMatch(/Database layer: 3 apps/);
        expect(text).toContain(`"${app}":{"schema":"${app}"`);
        expect(fs.readFileSync(path.join(copy, "out", "dev", "database.md"), "utf8")).toContain(`${app}.recipes`);
    }, 240_000);

    it("step 4: the tests that read the app list from the stack file pass with the new app", async () => {
        const result = await checks.tests;
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        expect(result.stdout).toMatch(/Test Files\s+.*2 passed/);
    }, 240_000);
});
