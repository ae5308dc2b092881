// GeneratedSecret: a random string made once, kept in the stack's state as a secret, and made
// anew only when its length, alphabet or keepers (the `rotation` counter) change.
//
// Why not @pulumi/random: its plugin is one more binary every operator must fetch from GitHub
// releases, and none of its versions can be built from the Go module proxy (the proxy refuses
// github.com/pulumi/pulumi-random/provider/v4), so the real engine could never deploy this
// program on machines that reach only the registries. A dynamic provider runs inside Node.js, needs
// no plugin beyond @pulumi/pulumi's own, and draws from the operating system's CSPRNG.
import * as pulumi from "@pulumi/pulumi";

/**
 * `alphanumeric` guarantees at least one lower-case letter, one upper-case letter and one digit;
 * `base64url` (A-Z a-z 0-9 - _) is the body of the opaque sb_ API keys.
 */
export type SecretAlphabet = "alphanumeric" | "lowercase" | "base64url";

export interface GeneratedSecretInputs {
    length: number;
    alphabet: SecretAlphabet;
    /** Any change replaces the value (rotation). */
    keepers: Record<string, string>;
}

export const ALPHABETS: Record<SecretAlphabet, string[]> = {
    alphanumeric: ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"],
    lowercase: ["abcdefghijklmnopqrstuvwxyz"],
    base64url: ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"],
};

/**
 * A uniformly random string over the alphabet, with one character of each class at a random
 * position. `randomInt` is injectable so the mock engine can reproduce values.
 */
export function generate(inputs: GeneratedSecretInputs, randomInt: (max: number) => number): string {
    const classes = ALPHABETS[inputs.alphabet];
    if (!classes) throw new Error(`GeneratedSecret: unknown alphabet '${inputs.alphabet}' (use ${Object.keys(ALPHABETS).join(" or ")})`);
    if (!Number.isInteger(inputs.length) || inputs.length < classes.length) {
        throw new Error(`GeneratedSecret: length ${inputs.length} must be a whole number of at least ${classes.length}`);
    }
    const all = classes.join("");
    const chars = Array.from({ length: inputs.length }, () => all[randomInt(all.length)]);
    // One of each class, each at its own random position (a partial Fisher-Yates draw of positions).
    const positions = Array.from({ length: inputs.length }, (_, i) => i);
    classes.forEach((set, i) => {
        const j = i + randomInt(positions.length - i);
        [positions[i], positions[j]] = [positions[j], positions[i]];
        chars[positions[i]] = set[randomInt(set.length)];
    });
    return chars.join("");
}

const sameInputs = (a: GeneratedSecretInputs, b: GeneratedSecretInputs) =>
    a.length === b.length && a.alphabet === b.alphabet && JSON.stringify(a.keepers ?? {}) === JSON.stringify(b.keepers ?? {});

export const generatedSecretProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: GeneratedSecretInputs, news: GeneratedSecretInputs) {
        const failures: { property: string; reason: string }[] = [];
        try {
            generate(news, () => 0);
        } catch (err) {
            failures.push({ property: "length", reason: (err as Error).message });
        }
        return { inputs: news, failures };
    },

    async diff(_id: string, olds: GeneratedSecretInputs & { result?: string }, news: GeneratedSecretInputs) {
        const changed = !sameInputs(olds, news);
        return { changes: changed, replaces: changed ? ["length", "alphabet", "keepers"] : [], deleteBeforeReplace: false };
    },

    async create(inputs: GeneratedSecretInputs) {
        const crypto = require("crypto") as typeof import("crypto");
        const result = generate(inputs, (max) => crypto.randomInt(max));
        return { id: crypto.randomUUID(), outs: { ...inputs, result } };
    },

    async read(id: string, props: GeneratedSecretInputs & { result: string }) {
        // The value lives only in the state: nothing outside can drift.
        return { id, props };
    },

    async delete() {
        // Nothing outside the state to remove.
    },
};

export interface GeneratedSecretArgs {
    length: number;
    alphabet: SecretAlphabet;
    keepers: Record<string, string>;
}

/** A generated secret string (`pulumi-nodejs:dynamic/secrets:GeneratedSecret`); read `.result`. */
export class GeneratedSecret extends pulumi.dynamic.Resource {
    declare readonly result: pulumi.Output<string>;

    constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
        super(generatedSecretProvider, name, { ...args, result: undefined }, { ...opts, additionalSecretOutputs: ["result"] }, "secrets", "GeneratedSecret");
    }
}
