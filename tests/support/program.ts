// Runs the real program (index.ts) under the mock engine with a stack file's config. A run is a
// pure function of its stack file and overrides (the mocks are deterministic), so within one
// `npm test` the recorded result is shared between test files through a scratch directory
// (tests/support/global-setup.ts): the program runs once per distinct config, not once per file.
//
// Plain Node: a script imports this as it is. Under vitest, tests/support/vitest-setup.ts swaps in
// vitest's module reset (its module graph is not Node's require cache); that file is the only
// vitest-specific part of the harness.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, RecordedResource, recordedSoFar, runProgram } from "../../offline/engine";
import { kubernetesObjects, Manifest } from "../../offline/manifests";

/** Loads index.ts afresh, so the program runs again (a module cache would return the first run's exports). */
export type ProgramLoader = () => Promise<Record<string, unknown>>;

/** Plain Node: forget the repository's own modules (never node_modules, which hold the mocked runtime), then require index.ts. */
const nodeLoader: ProgramLoader = async () => {
    for (const key of Object.keys(require.cache)) if (!key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
    return require("../../index");
};

let loadProgram: ProgramLoader = nodeLoader;

/** Replaces how index.ts is loaded afresh (tests/support/vitest-setup.ts does, for vitest's module graph). */
export function useProgramLoader(loader: ProgramLoader): void {
    loadProgram = loader;
}

export interface StackRunOptions {
    overrides?: Record<string, unknown>;
    secretKeys?: string[];
    /**
     * Run the program now, neither reading nor writing the shared result: for tests that mock a
     * module first, and for the second run of a determinism check (which then compares against a
     * run made in another process).
     */
    fresh?: boolean;
}

/** Where runs are shared, when the suite's global set-up made the directory. */
const RUN_CACHE = process.env.SUPABASE_PLATFORM_RUN_CACHE;

/** A run of index.ts with the module cache reset, so the program executes again (or its shared result). */
export async function runStack(stack: string, options: StackRunOptions = {}): Promise<ProgramRun> {
    const { fresh, ...runOptions } = options;
    const file = RUN_CACHE && !fresh
        ? path.join(RUN_CACHE, `${crypto.createHash("sha256").update(JSON.stringify([stack, runOptions.overrides ?? {}, runOptions.secretKeys ?? []])).digest("hex")}.json`)
        : undefined;
    if (file && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as ProgramRun;
    const run = await runProgram({ stack, ...runOptions, load: loadProgram });
    if (file) {
        // Written whole, then renamed: a concurrent reader sees the complete file or none.
        const partial = `${file}.${process.pid}.partial`;
        fs.writeFileSync(partial, JSON.stringify(run));
        fs.renameSync(partial, file);
    }
    return run;
}

/** Runs the program expecting it to refuse the config; returns the error and what was registered. */
export async function runExpectingFailure(stack: string, options: StackRunOptions): Promise<{ error: Error; registered: RecordedResource[] }> {
    const registered: RecordedResource[] = [];
    try {
        const run = await runProgram({ stack, ...options, load: loadProgram });
        registered.push(...run.resources);
    } catch (error) {
        // The engine only returns on success; what the mocks saw before the throw is nothing if
        // config validation ran first, which the caller asserts through `registered` below. The
        // engine module recording it is the one runProgram ran in (imported above, never reset).
        registered.push(...recordedSoFar());
        return { error: error as Error, registered };
    }
    throw new Error(`stack ${stack} with ${JSON.stringify(options.overrides)} was expected to fail but registered ${registered.length} resources`);
}

export function manifests(run: ProgramRun): Manifest[] {
    return kubernetesObjects(run.resources).map((o) => o.manifest);
}

export function findManifest(run: ProgramRun, kind: string, name: string): Manifest {
    const found = manifests(run).find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in stack ${run.stack}`);
    return found;
}

export function resourcesOfType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** A stack file run under one release: what the release-matrix tests iterate. */
export interface StackVariant {
    /** "dev" or "dev@v0.8.2": the stack, and the release when it is not the file's. */
    label: string;
    stack: string;
    overrides: Record<string, unknown>;
}

/** Every stack file under its own release (seed), then under each other release. */
export function releaseVariants(stacks: string[], releases: readonly string[]): StackVariant[] {
    return [
        ...stacks.map((stack) => ({ label: stack, stack, overrides: {} })),
        ...releases.filter((r) => r !== "seed").flatMap((release) => stacks.map((stack) => ({ label: `${stack}@${release}`, stack, overrides: { release } }))),
    ];
}

/**
 * The release matrix the acceptance checks run over: each stack under each release, plus the seed
 * release with Realtime switched on (v0.8.2 has it on by default).
 */
export function stackMatrix(stacks: string[], releases: readonly string[]): StackVariant[] {
    return [
        ...releaseVariants(stacks, releases),
        ...stacks.map((stack) => ({ label: `${stack}+realtime`, stack, overrides: { realtime: "true" } })),
    ];
}
