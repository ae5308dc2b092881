// Reads a stack's config the way the Pulumi CLI would: project defaults from Pulumi.yaml, then
// the values of Pulumi.<stack>.yaml. Encrypted `secure:` values cannot be read without the CLI
// and the stack's secrets provider; offline, each is replaced by a clearly labelled, deterministic
// placeholder (see placeholderFor) unless an override supplies a value. The render lists the
// replaced keys; the values only ever reach Secrets, which the render redacts.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

export interface ProjectFile {
    name: string;
    config: Record<string, { type: string; default?: unknown; description?: string; secret?: boolean; items?: { type: string } }>;
}

export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
    return YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

export function stackNames(root = PROJECT_ROOT): string[] {
    return fs.readdirSync(root)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A stack named on the command line has no Pulumi.<stack>.yaml: the user's mistake, not the program's. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

export const PLACEHOLDER_PREFIX = "offline-placeholder:";

/**
 * The stand-in for an encrypted value: labelled with its key and padded to 48 characters, so
 * it passes length checks meant for real secrets (a JWT secret needs 32) and is never mistaken
 * for one.
 */
export function placeholderFor(key: string): string {
    return `${PLACEHOLDER_PREFIX}${key}:`.padEnd(48, "x");
}

const placeholdersByStack = new Map<string, string[]>();

/** Keys (without project prefix) whose encrypted value the last read of a stack replaced. */
export function placeholdersUsed(stack: string): string[] {
    return placeholdersByStack.get(stack) ?? [];
}

/** Keys (without project prefix) a stack file sets as `secure:` values. */
export function encryptedKeys(stack: string, root = PROJECT_ROOT): string[] {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const stackFile = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    return Object.entries(stackFile.config ?? {})
        .filter(([, value]) => isEncrypted(value))
        .map(([key]) => key.split(":").pop() as string);
}

function isEncrypted(value: unknown): boolean {
    return !!value && typeof value === "object" && "secure" in (value as object);
}

/** Config values are strings on the wire: scalars as text, lists and objects as JSON. */
function toWire(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The full config map (`<project>:<key>` → wire string) of a stack, with overrides applied last.
 * An override of `undefined` removes the key.
 */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}, root = PROJECT_ROOT): Record<string, string> {
    const project = readProjectFile(root);
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackFileError(
            `No stack file ${path.basename(file)}; known stacks: ${stackNames(root).join(", ")}. ` +
            `To add one, copy stack-template.yaml to ${path.basename(file)} and set its keys (README, "Deploy to your own cluster"; docs/environments.md, "Add a stack").`,
        );
    }
    const stackFile = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const result: Record<string, string> = {};
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if (spec.default !== undefined) result[`${project.name}:${key}`] = toWire(spec.default);
    }
    const fullKey = (rawKey: string) => (rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`);
    const overridden = new Set(Object.keys(overrides).map(fullKey));
    const placeholders: string[] = [];
    for (const [rawKey, value] of Object.entries(stackFile.config ?? {})) {
        const key = fullKey(rawKey);
        if (isEncrypted(value)) {
            if (overridden.has(key)) continue;
            const shortKey = key.split(":").pop() as string;
            result[key] = placeholderFor(shortKey);
            placeholders.push(shortKey);
            continue;
        }
        result[key] = toWire(value);
    }
    for (const [rawKey, value] of Object.entries(overrides)) {
        const key = fullKey(rawKey);
        if (value === undefined) delete result[key];
        else result[key] = toWire(value);
    }
    placeholdersByStack.set(stack, placeholders.sort());
    return result;
}

/** A stack's effective value of a bare key (`namespace`, not `supabase-platform:namespace`). */
export function configReader(stack: string, overrides: Record<string, unknown> = {}, root = PROJECT_ROOT): (key: string) => string | undefined {
    const values = stackConfig(stack, overrides, root);
    const project = readProjectFile(root).name;
    return (key) => values[`${project}:${key}`];
}
