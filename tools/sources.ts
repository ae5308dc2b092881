// Upstream source trees the tests replay (the supabase/postgres image's init scripts, Realtime's
// tenant schema), read from git snapshots at a pinned ref and never committed here.
//
// Where a tree comes from, first hit wins:
//   1. the tools cache: <toolsHome>/sources/<owner>+<name>@<ref>/ (CI has this, not the variable);
//   2. a bare git clone in $SUPABASE_PLATFORM_SOURCES/<owner>+<name> (or of a repository that
//      carries the same commit, e.g. a fork), from which only the asked-for paths are extracted
//      into the cache: some snapshots lack a few large blobs elsewhere in the tree;
//   3. nothing: the caller gets one line saying what is missing and the command that provides it.
//
// `tsx tools/sources.ts --prefetch` fills the cache with everything the tests need.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { toolsHome } from "./paths";
import { SourceRequest } from "./source-request";

export type { SourceRequest } from "./source-request";

export const SOURCES_ENV = "SUPABASE_PLATFORM_SOURCES";

export type SourceLookup = { dir: string } | { missing: string };

const snapshotName = (repo: string) => repo.replace("/", "+");
export const sourceCacheDir = (repo: string, ref: string, env: NodeJS.ProcessEnv = process.env) =>
    path.join(toolsHome(env), "sources", `${snapshotName(repo)}@${ref}`);

function git(gitDir: string, args: string[]): { ok: boolean; stdout: Buffer; stderr: string } {
    const r = spawnSync("git", [`--git-dir=${gitDir}`, ...args], { maxBuffer: 256 * 1024 * 1024 });
    return { ok: r.status === 0, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? String(r.error ?? "") };
}

const hasRef = (gitDir: string, ref: string) => git(gitDir, ["cat-file", "-e", `${ref}^{commit}`]).ok;

/** Extracts `paths` at `ref` from a bare clone into `dir`, only those not there yet. */
function extract(gitDir: string, ref: string, paths: string[], dir: string): string | undefined {
    const staging = `${dir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    try {
        const archive = git(gitDir, ["archive", "--format=tar", ref, "--", ...paths]);
        if (!archive.ok) return archive.stderr.trim().split("\n")[0];
        const tar = spawnSync("tar", ["-x", "-C", staging], { input: archive.stdout });
        if (tar.status !== 0) return `tar: ${tar.stderr?.toString().trim()}`;
        for (const p of paths) {
            const target = path.join(dir, p);
            if (fs.existsSync(target)) continue;
            fs.mkdirSync(path.dirname(target), { recursive: true });
            try {
                fs.renameSync(path.join(staging, p), target);
            } catch (err) {
                // Another test process extracted the same path first; its copy is identical.
                if (!fs.existsSync(target)) throw err;
            }
        }
        return undefined;
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}

/** The directory holding `paths` at `ref`, or the one line saying what is missing and how to get it. */
export function locateSource(req: SourceRequest, env: NodeJS.ProcessEnv = process.env): SourceLookup {
    const dir = sourceCacheDir(req.repo, req.ref, env);
    const absent = req.paths.filter((p) => !fs.existsSync(path.join(dir, p)));
    if (absent.length === 0) return { dir };

    const what = `${req.purpose ?? `${req.repo} sources`} (${req.repo} at ${req.ref}${absent.length < req.paths.length ? `: ${absent.join(", ")}` : ""})`;
    const clone = `git clone --bare https://github.com/${req.repo} "$${SOURCES_ENV}/${snapshotName(req.repo)}"`;
    const root = env[SOURCES_ENV];
    if (!root) return { missing: `missing ${what}: not in the tools cache and ${SOURCES_ENV} is not set; provide it with: export ${SOURCES_ENV}=<a folder>; ${clone}; npm run tools` };

    const candidates = [req.repo, ...(req.alsoIn ?? [])].map((r) => ({ repo: r, gitDir: path.join(root, snapshotName(r)) }));
    const present = candidates.filter((c) => fs.existsSync(c.gitDir));
    const holder = present.find((c) => hasRef(c.gitDir, req.ref));
    if (!holder) {
        const seen = present.length === 0 ? `no snapshot ${candidates.map((c) => `$${SOURCES_ENV}/${snapshotName(c.repo)}`).join(" or ")}`
            : `${present.map((c) => `$${SOURCES_ENV}/${snapshotName(c.repo)}`).join(" and ")} ${present.length === 1 ? "lacks" : "lack"} ${req.ref}`;
        const fix = present.length === 0 ? clone
            : `git --git-dir="$${SOURCES_ENV}/${snapshotName(req.repo)}" fetch https://github.com/${req.repo} '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'`;
        return { missing: `missing ${what}: ${seen}; provide it with: ${fix}; npm run tools` };
    }
    const failed = extract(holder.gitDir, req.ref, absent, dir);
    if (failed) return { missing: `missing ${what}: ${snapshotName(holder.repo)} cannot extract it (${failed}); provide a complete snapshot with: ${clone}; npm run tools` };
    return { dir };
}

/**
 * A directory holding `paths` of `repo` at `ref`, or undefined after reporting ONE line (what is
 * missing, the repository and ref, the command that provides it) through `report`.
 */
export function sourceTree(repo: string, ref: string, paths: string[], options: Omit<SourceRequest, "repo" | "ref" | "paths"> & {
    env?: NodeJS.ProcessEnv;
    report?: (line: string) => void;
} = {}): string | undefined {
    const found = locateSource({ repo, ref, paths, alsoIn: options.alsoIn, purpose: options.purpose }, options.env);
    if ("dir" in found) return found.dir;
    (options.report ?? ((line: string) => console.warn(line)))(found.missing);
    return undefined;
}

/** `tsx tools/sources.ts --prefetch`: extract every tree the tests replay into the tools cache. */
async function main(argv: string[]): Promise<number> {
    if (!argv.includes("--prefetch")) {
        console.error("usage: tsx tools/sources.ts --prefetch   (extracts the upstream sources the tests replay into the tools cache)");
        return 2;
    }
    const { SOURCES_THE_TESTS_NEED } = await import("../sandbox/image-sources");
    let missing = 0;
    for (const req of SOURCES_THE_TESTS_NEED) {
        const found = locateSource(req);
        if ("dir" in found) console.log(`sources: ${req.repo}@${req.ref} ready in ${found.dir}`);
        else {
            missing++;
            console.log(`sources: ${found.missing}`);
        }
    }
    // Optional like GoTrue: a missing snapshot leaves the image-bootstrap tests on their fallback.
    if (missing) console.log(`sources: ${missing} of ${SOURCES_THE_TESTS_NEED.length} missing; the tests use the hand-written fixture where they are`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
