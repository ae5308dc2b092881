// Reads a stack's config the way the Pulumi CLI would: project defaults from Pulumi.yaml, then
// the values of Pulumi.<stack>.yaml. Encrypted `secure:` values cannot be read without the CLI;
// a stack that needs one is refused here rather than rendered with a made-up value.
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
        throw new Error(`No stack file ${path.basename(file)}; known stacks: ${stackNames(root).join(", ")}`);
    }
    const stackFile = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const result: Record<string, string> = {};
    for (const [key, spec] of Object.entries(project.config ?? {})) {
        if (spec.default !== undefined) result[`${project.name}:${key}`] = toWire(spec.default);
    }
    for (const [rawKey, value] of Object.entries(stackFile.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        if (value && typeof value === "object" && "secure" in (value as object)) {
            throw new Error(`${key} in ${path.basename(file)} is encrypted (secure:); the offline render cannot decrypt it. Pass a test value as an override.`);
        }
        result[key] = toWire(value);
    }
    for (const [rawKey, value] of Object.entries(overrides)) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        if (value === undefined) delete result[key];
        else result[key] = toWire(value);
    }
    return result;
}
