// The four kinds of stack-config key, as zod schemas from the wire (Pulumi hands the program every
// value as text: scalars as written, lists as JSON) to typed values. Each key carries its spec
// (type, default, description, secret) in KEY_SPECS, from which Pulumi.yaml and docs/config.md's
// config reference are generated (scripts/config-reference.ts).
import { z } from "zod";
import { hiddenCharacterProblem } from "./errors";
import { firstProblem, Rule } from "./rules";

export type ConfigKeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
    type: ConfigKeyType;
    description: string;
    default: string | number | boolean | string[];
    secret?: boolean;
}

/** Every declared key's spec, keyed by its schema. */
export const KEY_SPECS = new WeakMap<z.ZodType, ConfigKeySpec>();

type Wire = z.ZodType<unknown, string>;

function declare<S extends Wire>(decoder: S, spec: ConfigKeySpec) {
    const wire = typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
    const schema = decoder.prefault(wire as z.input<S>);
    KEY_SPECS.set(schema, spec);
    return schema;
}

function report(ctx: z.core.$RefinementCtx, message: string | undefined, input: unknown, path?: PropertyKey[]) {
    if (message !== undefined) ctx.addIssue({ code: "custom", message, input, ...(path ? { path } : {}) });
}

/** Applied to every text value before its own rules: hidden characters and stray spaces are never meant. */
function textProblem(value: string, rules: readonly Rule[], options: { freeText?: boolean }): string | undefined {
    const hidden = hiddenCharacterProblem(value, { lookAlikes: !options.freeText });
    if (hidden) return hidden;
    if (value !== value.trim()) return "has leading or trailing spaces; remove them";
    return firstProblem(value, rules);
}

interface TextOptions {
    default?: string;
    description: string;
    rules?: Rule[];
    /** Human text (a display name) may use any script; look-alike letters are not refused. */
    freeText?: boolean;
}

/** A string key. Lists and objects (JSON on the wire) are refused, as the Pulumi CLI refuses them for a string. */
/** A list or object set where a string belongs (`pulumi config set --path`) arrives as JSON text. */
function structured(value: string): boolean {
    if (!/^\s*[[{]/.test(value)) return false;
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null;
    } catch {
        return false; // plain text that happens to start with a bracket
    }
}

const NOT_A_STRING = "must be a string, not a list or object";

export function text(options: TextOptions) {
    const decoder = z.string().superRefine((value, ctx) => {
        report(ctx, structured(value) ? NOT_A_STRING : textProblem(value, options.rules ?? [], options), value);
    });
    return declare(decoder, { type: "string", default: options.default ?? "", description: options.description });
}

/** A secret string key: optional (empty when unset), its value never printed. */
export function secret(options: { description: string; rules?: Rule[] }) {
    const decoder = z.string().superRefine((value, ctx) => {
        if (value !== "") report(ctx, structured(value) ? NOT_A_STRING : textProblem(value, options.rules ?? [], {}), value);
    });
    return declare(decoder, { type: "string", default: "", description: options.description, secret: true });
}

/** A string key with a fixed set of values. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V, options: { default: V[number]; description: string }) {
    const decoder = z.string().transform((value, ctx): V[number] => {
        if ((values as readonly string[]).includes(value)) return value;
        const quoted = values.map((v) => `"${v}"`);
        report(ctx, `must be ${quoted.slice(0, -1).join(", ")}${quoted.length > 1 ? " or " : ""}${quoted[quoted.length - 1]}`, value);
        return z.NEVER;
    });
    return declare(decoder, { type: "string", default: options.default, description: options.description });
}

const INT32_MAX = 2 ** 31 - 1;

/** An integer key within [min, max] (max defaults to int32, what Kubernetes fields hold). */
export function integer(options: { default: number; description: string; min: number; max?: number; rules?: Rule<number>[] }) {
    const max = options.max ?? INT32_MAX;
    const decoder = z.string().transform((value, ctx): number => {
        const n = Number(value);
        if (!/^-?[0-9]+$/.test(value) || !Number.isSafeInteger(n)) {
            report(ctx, `must be an integer ≥ ${options.min}`, value);
            return z.NEVER;
        }
        const problem = n < options.min ? `must be ≥ ${options.min}` : n > max ? `must be ≤ ${max}` : firstProblem(n, options.rules ?? []);
        report(ctx, problem, n);
        return n;
    });
    return declare(decoder, { type: "integer", default: options.default, description: options.description });
}

export function boolean(options: { default: boolean; description: string }) {
    const decoder = z.string().transform((value, ctx): boolean => {
        if (value === "true" || value === "false") return value === "true";
        report(ctx, "must be true or false", value);
        return z.NEVER;
    });
    return declare(decoder, { type: "boolean", default: options.default, description: options.description });
}

/** A list of strings, each entry checked by the rules; `unique` names what duplicates break. */
export function list(key: string, options: { description: string; rules?: Rule[]; unique?: string }) {
    const entries = z.array(z.string()).superRefine((values, ctx) => {
        values.forEach((value, i) => {
            report(ctx, textProblem(value, options.rules ?? [], {}), value, [i]);
            if (options.unique && values.indexOf(value) !== i) report(ctx, `is listed twice; ${options.unique}`, value, [i]);
        });
    });
    const decoder = z.string().transform((value, ctx): string[] => {
        try {
            const parsed: unknown = JSON.parse(value);
            if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed;
        } catch {
            // reported below
        }
        report(ctx, `must be a list of strings, e.g. \`pulumi config set --path '${key}[0]' value\``, value);
        return z.NEVER;
    }).pipe(entries);
    return declare(decoder, { type: "array", default: [], description: options.description });
}
