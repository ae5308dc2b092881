// JwtSigningKeys: the stack's EC P-256 signing keys, made once and kept in the state as a secret.
// The first key signs; the ones after it are retired keys kept only so that tokens they signed
// still verify. Bumping `signingKeyRotation` adds a new first key and keeps the previous ones up to
// `retain`, so signed-in users are not logged out; bumping the stack-wide `rotation` replaces the
// whole set (every secret anew, as for the legacy secret).
import * as pulumi from "@pulumi/pulumi";
import type { SigningKey } from "./jwks";

export interface SigningKeysInputs {
    /** Any change replaces the set (the stack-wide `rotation`). */
    keepers: Record<string, string>;
    /** Bump to rotate: a new signing key, the previous one kept for verification. */
    signingKeyRotation: number;
    /** How many retired keys stay verifiable beside the signing key. */
    retain: number;
}

export interface SigningKeysState extends SigningKeysInputs {
    /** Newest first: keys[0] signs. */
    keys: SigningKey[];
}

/**
 * The key set after a rotation: `fresh` first, then the previous keys, at most `retain` of them.
 * Pure, so the tests hold the overlap directly.
 */
export function rotatedKeys(previous: SigningKey[], fresh: SigningKey | undefined, retain: number): SigningKey[] {
    const head = fresh ? [fresh, ...previous] : previous;
    return head.slice(0, 1 + retain);
}

/**
 * A fresh EC P-256 key from the operating system's CSPRNG, its kid a random UUID (as upstream's
 * key script does). Node's own crypto only: the provider runs serialized, outside this module.
 */
export function freshSigningKey(): SigningKey {
    const crypto = require("crypto") as typeof import("crypto");
    const { privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = privateKey.export({ format: "jwk" });
    return { kid: crypto.randomUUID(), d: jwk.d!, x: jwk.x!, y: jwk.y! };
}

const sameKeepers = (a: SigningKeysInputs, b: SigningKeysInputs) => JSON.stringify(a.keepers ?? {}) === JSON.stringify(b.keepers ?? {});

export const signingKeysProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: SigningKeysInputs, news: SigningKeysInputs) {
        const failures: { property: string; reason: string }[] = [];
        if (!Number.isInteger(news.retain) || news.retain < 1) failures.push({ property: "retain", reason: `retain ${news.retain} must be a whole number of at least 1` });
        if (!Number.isInteger(news.signingKeyRotation) || news.signingKeyRotation < 0) failures.push({ property: "signingKeyRotation", reason: `signingKeyRotation ${news.signingKeyRotation} must be a whole number of at least 0` });
        return { inputs: news, failures };
    },

    async diff(_id: string, olds: SigningKeysState, news: SigningKeysInputs) {
        if (!sameKeepers(olds, news)) return { changes: true, replaces: ["keepers"], deleteBeforeReplace: false };
        const changes = olds.signingKeyRotation !== news.signingKeyRotation || olds.retain !== news.retain;
        return { changes, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: SigningKeysInputs) {
        const crypto = require("crypto") as typeof import("crypto");
        return { id: crypto.randomUUID(), outs: { ...inputs, keys: [freshSigningKey()] } };
    },

    async update(_id: string, olds: SigningKeysState, news: SigningKeysInputs) {
        const rotate = olds.signingKeyRotation !== news.signingKeyRotation;
        return { outs: { ...news, keys: rotatedKeys(olds.keys, rotate ? freshSigningKey() : undefined, news.retain) } };
    },

    async read(id: string, props: SigningKeysState) {
        // The keys live only in the state: nothing outside can drift.
        return { id, props };
    },

    async delete() {
        // Nothing outside the state to remove.
    },
};

export interface JwtSigningKeysArgs {
    keepers: Record<string, string>;
    signingKeyRotation: number;
    retain: number;
}

/** The signing key set (`pulumi-nodejs:dynamic/keys:JwtSigningKeys`); read `.keys`, newest first. */
export class JwtSigningKeys extends pulumi.dynamic.Resource {
    declare readonly keys: pulumi.Output<SigningKey[]>;

    constructor(name: string, args: JwtSigningKeysArgs, opts?: pulumi.CustomResourceOptions) {
        super(signingKeysProvider, name, { ...args, keys: undefined }, { ...opts, additionalSecretOutputs: ["keys"] }, "keys", "JwtSigningKeys");
    }
}
