// Runs the real program (index.ts) under the mock engine with a stack file's config.
import { vi } from "vitest";
import { ProgramRun, RecordedResource, runProgram } from "../../offline/engine";
import { kubernetesObjects, Manifest } from "../../offline/manifests";

export interface StackRunOptions {
    overrides?: Record<string, unknown>;
    secretKeys?: string[];
}

/** One fresh run of index.ts: the module cache is reset so the program executes again. */
export async function runStack(stack: string, options: StackRunOptions = {}): Promise<ProgramRun> {
    vi.resetModules();
    return runProgram({ stack, ...options, load: () => import("../../index") });
}

/** Runs the program expecting it to refuse the config; returns the error and what was registered. */
export async function runExpectingFailure(stack: string, options: StackRunOptions): Promise<{ error: Error; registered: RecordedResource[] }> {
    const registered: RecordedResource[] = [];
    vi.resetModules();
    try {
        const run = await runProgram({ stack, ...options, load: () => import("../../index") });
        registered.push(...run.resources);
    } catch (error) {
        // The engine only returns on success; what the mocks saw before the throw is nothing if
        // config validation ran first, which the caller asserts through `registered` below.
        const { recordedSoFar } = await import("../../offline/engine");
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
