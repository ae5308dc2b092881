// tools/sources.ts on a throwaway bare repository: the tools cache first, then a snapshot in
// $SUPABASE_PLATFORM_SOURCES (or a fork's), only the asked-for paths, else one line naming the
// repository, the ref and the command that provides it. No network, no real snapshot.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { locateSource, sourceCacheDir, sourceTree } from "../../tools/sources";
import { SOURCES_THE_TESTS_NEED } from "../../sandbox/image-sources";

let root: string;
let sources: string;
let env: NodeJS.ProcessEnv;

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, {
    cwd, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
}).toString().trim();

beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sources-test-"));
    sources = path.join(root, "snapshots");
    const work = path.join(root, "work");
    fs.mkdirSync(path.join(work, "migrations", "db", "init-scripts"), { recursive: true });
    fs.writeFileSync(path.join(work, "migrations", "db", "init-scripts", "00-a.sql"), "select 1;\n");
    fs.writeFileSync(path.join(work, "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(work, "big.bin"), "not asked for\n");
    git(work, "init", "-q");
    git(work, "add", ".");
    git(work, "commit", "-qm", "one");
    git(work, "tag", "v1");
    fs.mkdirSync(sources);
    git(root, "clone", "-q", "--bare", work, path.join(sources, "acme+db"));
    env = { SUPABASE_PLATFORM_TOOLS: path.join(root, "tools"), SUPABASE_PLATFORM_SOURCES: sources };
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("sourceTree", () => {
    it("extracts only the asked-for paths at the ref into <toolsHome>/sources/<owner>+<name>@<ref>", () => {
        const dir = sourceTree("acme/db", "v1", ["migrations/db", "Dockerfile"], { env });
        expect(dir).toBe(path.join(root, "tools", "sources", "acme+db@v1"));
        expect(fs.readFileSync(path.join(dir!, "migrations/db/init-scripts/00-a.sql"), "utf8")).toBe("select 1;\n");
        expect(fs.existsSync(path.join(dir!, "Dockerfile"))).toBe(true);
        expect(fs.existsSync(path.join(dir!, "big.bin"))).toBe(false);
        expect(fs.readdirSync(path.dirname(dir!))).toEqual(["acme+db@v1"]);
    });

    it("serves the cache without any snapshot (as on CI, where the variable is unset)", () => {
        const cacheOnly = { SUPABASE_PLATFORM_TOOLS: env.SUPABASE_PLATFORM_TOOLS };
        expect(sourceTree("acme/db", "v1", ["Dockerfile"], { env: cacheOnly })).toBe(sourceCacheDir("acme/db", "v1", cacheOnly));
    });

    it("adds a path the cache lacks from the snapshot", () => {
        const dir = sourceTree("acme/db", "v1", ["big.bin"], { env })!;
        expect(fs.readFileSync(path.join(dir, "big.bin"), "utf8")).toBe("not asked for\n");
    });

    it("finds a commit in a fork's snapshot when the repository's own lacks it", () => {
        const commit = git(path.join(sources, "acme+db"), "rev-parse", "v1");
        fs.renameSync(path.join(sources, "acme+db"), path.join(sources, "fork+db"));
        try {
            const dir = sourceTree("acme/db", commit, ["Dockerfile"], { env, alsoIn: ["fork/db"] });
            expect(dir).toBe(sourceCacheDir("acme/db", commit, env));
        } finally {
            fs.renameSync(path.join(sources, "fork+db"), path.join(sources, "acme+db"));
        }
    });

    it("reports ONE line when nothing provides the tree: what, which repository and ref, which command", () => {
        const lines: string[] = [];
        const report = (line: string) => lines.push(line);
        const none = { SUPABASE_PLATFORM_TOOLS: path.join(root, "empty-tools") };
        expect(sourceTree("acme/db", "v1", ["Dockerfile"], { env: none, report, purpose: "the acme scripts" })).toBeUndefined();
        expect(lines).toEqual([
            "missing the acme scripts (acme/db at v1): not in the tools cache and SUPABASE_PLATFORM_SOURCES is not set; provide it with: "
            + "export SUPABASE_PLATFORM_SOURCES=<a folder>; git clone --bare https://github.com/acme/db \"$SUPABASE_PLATFORM_SOURCES/acme+db\"; npm run tools",
        ]);
    });

    it("says which snapshot lacks the ref, and how to update it", () => {
        const found = locateSource({ repo: "acme/db", ref: "v2", paths: ["Dockerfile"] }, { ...env, SUPABASE_PLATFORM_TOOLS: path.join(root, "empty-tools") });
        expect(found).toEqual({ missing: expect.stringContaining("$SUPABASE_PLATFORM_SOURCES/acme+db lacks v2; provide it with: git --git-dir=\"$SUPABASE_PLATFORM_SOURCES/acme+db\" fetch https://github.com/acme/db") });
        expect("missing" in found && found.missing.split("\n")).toHaveLength(1);
    });

    it("names no snapshot that does not exist, and a path missing at the ref", () => {
        const none = { ...env, SUPABASE_PLATFORM_TOOLS: path.join(root, "empty-tools") };
        const absent = locateSource({ repo: "acme/other", ref: "v1", paths: ["x"] }, none);
        expect(absent).toEqual({ missing: expect.stringContaining("no snapshot $SUPABASE_PLATFORM_SOURCES/acme+other; provide it with: git clone --bare https://github.com/acme/other") });
        const noPath = locateSource({ repo: "acme/db", ref: "v1", paths: ["no/such/file"] }, none);
        expect(noPath).toEqual({ missing: expect.stringContaining("acme+db cannot extract it (") });
    });

    it("the prefetch list covers both releases' images and Realtime, without machine paths", () => {
        expect(SOURCES_THE_TESTS_NEED.map((r) => `${r.repo}@${r.ref}`)).toEqual([
            "supabase/postgres@15.1.1.78", "supabase/postgres@f183a83f0bd0122c9dcc438f17a106533435c963", "supabase/realtime@v2.129.8",
        ]);
        for (const r of SOURCES_THE_TESTS_NEED) for (const p of r.paths) expect(path.isAbsolute(p), p).toBe(false);
    });
});
