// The new API keys of release v0.8.2: ES256 signing keys, the key sets each consumer reads, the
// opaque sb_ keys, the rotation overlap, and how the bundle hands them to each workload. Tokens are
// verified with jose, an implementation independent of the one that signs them.
import * as crypto from "crypto";
import * as jose from "jose";
import * as jwt from "jsonwebtoken";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeyClaims, signApiKey } from "../components/keys/api-keys";
import {
    issuerJwtKeys, legacyOctJwk, opaqueKey, publicJwks, signEs256, signingKeyFromScalar, verifierJwks,
} from "../components/keys/jwks";
import { freshSigningKey, rotatedKeys, signingKeysProvider } from "../components/keys/signing-keys";
import { ProgramRun } from "../offline/engine";
import { manifests, runStack } from "./support/program";

const LEGACY = "a-legacy-hs256-secret-of-forty-characters!";

/** Verifies like a JWKS consumer: the key named by the header's kid, or by alg when it names none. */
async function verifyWithSet(token: string, set: { keys: any[] }) {
    const header = jose.decodeProtectedHeader(token);
    const jwk = set.keys.find((k) => (header.kid ? k.kid === header.kid : k.alg === header.alg));
    if (!jwk) throw new Error(`no key for kid ${header.kid} / alg ${header.alg}`);
    const key = await jose.importJWK(jwk, jwk.alg);
    return (await jose.jwtVerify(token, key, { algorithms: [jwk.alg] })).payload;
}

describe("ES256 signing", () => {
    const key = freshSigningKey();

    it("signs a JWT that jose verifies with the published public key, its header naming the kid", async () => {
        const claims = apiKeyClaims("anon", 1795651200, 1825);
        const token = signEs256(key, claims);
        expect(jose.decodeProtectedHeader(token)).toEqual({ alg: "ES256", typ: "JWT", kid: key.kid });
        const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(publicJwks([key]) as jose.JSONWebKeySet), { algorithms: ["ES256"] });
        expect(payload).toEqual(claims);
    });

    it("gives the same token for the same key and claims (RFC 6979), another for other claims", () => {
        const claims = apiKeyClaims("service_role", 1795651200, 1825);
        expect(signEs256(key, claims)).toBe(signEs256(key, claims));
        expect(signEs256(key, { ...claims, exp: claims.exp + 1 })).not.toBe(signEs256(key, claims));
    });

    it("refuses a token signed by another key", async () => {
        const token = signEs256(freshSigningKey(), apiKeyClaims("anon", 1, 1));
        await expect(verifyWithSet(token, publicJwks([{ ...freshSigningKey(), kid: jose.decodeProtectedHeader(token).kid! }]))).rejects.toThrow(/signature/);
    });

    it("derives a valid P-256 key from any 32 bytes, as the mock engine does", async () => {
        const derived = signingKeyFromScalar(crypto.createHash("sha256").update("seed").digest(), "kid-1");
        const imported = await jose.importJWK({ kty: "EC", crv: "P-256", x: derived.x, y: derived.y, d: derived.d }, "ES256");
        expect(imported).toBeTruthy();
        expect(signingKeyFromScalar(crypto.createHash("sha256").update("seed").digest(), "kid-1")).toEqual(derived);
    });
});

describe("key sets", () => {
    const current = freshSigningKey();
    const retired = freshSigningKey();

    it("publishes only public EC keys: no private scalar, no HS256 secret", () => {
        const set = publicJwks([current, retired]);
        expect(set.keys.map((k) => k.kid)).toEqual([current.kid, retired.kid]);
        expect(JSON.stringify(set)).not.toContain(current.d);
        expect(set.keys.every((k) => k.kty === "EC" && !("d" in k) && k.key_ops.join() === "verify")).toBe(true);
    });

    it("gives the verifying services every EC key and the legacy secret: ES256 and legacy HS256 tokens both verify", async () => {
        const set = verifierJwks([current, retired], LEGACY);
        const es256 = signEs256(retired, apiKeyClaims("anon", 1795651200, 1825));
        const hs256 = signApiKey(LEGACY, "anon", 1795651200, 1825);
        expect((await verifyWithSet(es256, set)).role).toBe("anon");
        expect((await verifyWithSet(hs256, set)).role).toBe("anon");
        // The oct key is the raw secret, base64url (RFC 7518 §6.4), with a kid that does not reveal it.
        const oct = set.keys.find((k) => k.kty === "oct")!;
        expect(Buffer.from((oct as any).k, "base64url").toString()).toBe(LEGACY);
        expect(oct.kid).not.toContain(LEGACY.slice(0, 8));
    });

    it("gives GoTrue exactly one signing key (the current one); retired keys and the legacy secret only verify", () => {
        const keys = issuerJwtKeys([current, retired], LEGACY);
        expect(Array.isArray(keys)).toBe(true);
        expect(keys.filter((k) => k.key_ops.includes("sign")).map((k) => k.kid)).toEqual([current.kid]);
        expect(keys.map((k) => [k.kty, k.alg, k.key_ops.join("+")])).toEqual([
            ["EC", "ES256", "sign+verify"], ["EC", "ES256", "verify"], ["oct", "HS256", "verify"],
        ]);
        expect(keys.every((k) => typeof k.kid === "string" && k.kid.length > 0)).toBe(true);
        expect(keys[2]).toEqual(legacyOctJwk(LEGACY, ["verify"]));
    });
});

describe("opaque API keys", () => {
    const random = "AbCdEfGhIjKlMnOpQrSt_-";

    it("have upstream's shape: prefix, 22 base64url characters, _ and an 8-character checksum", () => {
        const publishable = opaqueKey("publishable", random);
        const secret = opaqueKey("secret", random);
        expect(publishable).toHaveLength(46);
        expect(secret).toHaveLength(41);
        const checksum = crypto.createHash("sha256").update(`supabase-self-hosted|sb_secret_${random}`).digest("base64url").slice(0, 8);
        expect(secret).toBe(`sb_secret_${random}_${checksum}`);
    });

    it("refuse a random part that is not 22 base64url characters", () => {
        expect(() => opaqueKey("secret", "short")).toThrow(/22 base64url characters, got 5/);
        expect(() => opaqueKey("secret", `${random.slice(0, 21)}=`)).toThrow(/22 base64url/);
    });
});

describe("signing key rotation", () => {
    const [a, b, c] = [freshSigningKey(), freshSigningKey(), freshSigningKey()];

    it("puts the new key first and keeps `retain` previous ones", () => {
        expect(rotatedKeys([a], b, 1)).toEqual([b, a]);
        expect(rotatedKeys([b, a], c, 1)).toEqual([c, b]);
        expect(rotatedKeys([b, a], c, 2)).toEqual([c, b, a]);
        expect(rotatedKeys([c, b, a], undefined, 1)).toEqual([c, b]);
    });

    it("the provider updates in place on a rotation (keeping the old key) and replaces only when keepers change", async () => {
        const inputs = { keepers: { rotation: "0" }, signingKeyRotation: 0, retain: 1 };
        const created = await signingKeysProvider.create!(inputs);
        expect(created.outs.keys).toHaveLength(1);
        const bumped = { ...inputs, signingKeyRotation: 1 };
        expect(await signingKeysProvider.diff!(created.id, created.outs, bumped)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
        const updated = await signingKeysProvider.update!(created.id, created.outs, bumped);
        expect(updated.outs!.keys).toHaveLength(2);
        expect(updated.outs!.keys[1]).toEqual(created.outs.keys[0]);
        expect(await signingKeysProvider.diff!(created.id, updated.outs, bumped)).toMatchObject({ changes: false });
        expect(await signingKeysProvider.diff!(created.id, updated.outs, { ...bumped, keepers: { rotation: "1" } }))
            .toEqual({ changes: true, replaces: ["keepers"], deleteBeforeReplace: false });
        expect((await signingKeysProvider.check!(inputs, { ...inputs, retain: 0 })).failures).toEqual([
            { property: "retain", reason: "retain 0 must be a whole number of at least 1" },
        ]);
    });
});

const secretData = (run: ProgramRun, name: string): Record<string, string> =>
    manifests(run).find((m) => m.kind === "Secret" && m.metadata.name === name)!.stringData;

describe.each(["dev", "prod"])("the bundle of release v0.8.2 on stack %s", (stack) => {
    let first: ProgramRun;
    let second: ProgramRun;
    let rotatedSigning: ProgramRun;
    let rotatedOpaque: ProgramRun;
    beforeAll(async () => {
        const run = (extra: Record<string, unknown> = {}) => runStack(stack, { overrides: { release: "v0.8.2", ...extra } });
        [first, rotatedSigning, rotatedOpaque] = [await run(), await run({ signingKeyRotation: 1 }), await run({ apiKeyRotation: 1 })];
        second = await runStack(stack, { overrides: { release: "v0.8.2" }, fresh: true });
    });

    it("gives each verifier the JWKS with both key kinds, and GoTrue its signing keys", async () => {
        const rest = secretData(first, "rest-secrets");
        const verifierSet = JSON.parse(rest.PGRST_JWT_SECRET);
        expect(verifierSet.keys.map((k: any) => k.kty)).toEqual(["EC", "oct"]);
        expect(secretData(first, "storage-secrets").JWT_JWKS).toBe(rest.PGRST_JWT_SECRET);
        expect(secretData(first, "storage-secrets").AUTH_JWT_SECRET).toBe(first.outputs.jwtSecret.value);
        expect(secretData(first, "storage-secrets").PGRST_JWT_SECRET).toBeUndefined();
        const gotrueKeys = JSON.parse(secretData(first, "gotrue-secrets").GOTRUE_JWT_KEYS);
        expect(gotrueKeys.filter((k: any) => k.key_ops.includes("sign"))).toHaveLength(1);
        expect(secretData(first, "studio-secrets").SUPABASE_PUBLISHABLE_KEY).toBe(first.outputs.publishableKey.value);
        expect(secretData(first, "studio-secrets").SUPABASE_SECRET_KEY).toBe(first.outputs.secretKey.value);
        // The legacy keys still verify everywhere during the transition.
        expect((await verifyWithSet(first.outputs.anonKey.value as string, verifierSet)).role).toBe("anon");
        // The published JWKS is the verifier set without the secret.
        expect(JSON.parse(first.outputs.jwks.value as string).keys).toEqual(verifierSet.keys.filter((k: any) => k.kty === "EC"));
    });

    it("gives byte-identical keys, tokens and Secrets on a second run", () => {
        for (const key of ["publishableKey", "secretKey", "jwks", "anonKey"]) expect(second.outputs[key].value).toBe(first.outputs[key].value);
        for (const name of ["rest-secrets", "gotrue-secrets", "storage-secrets", "studio-secrets"]) expect(secretData(second, name)).toEqual(secretData(first, name));
    });

    it("a signing-key rotation signs with a new kid and keeps the previous key verifiable; the opaque keys stay", () => {
        const before = JSON.parse(first.outputs.jwks.value as string).keys;
        const after = JSON.parse(rotatedSigning.outputs.jwks.value as string).keys;
        expect(after).toHaveLength(2);
        expect(after[1]).toEqual(before[0]);
        expect(after[0].kid).not.toBe(before[0].kid);
        expect(rotatedSigning.outputs.publishableKey.value).toBe(first.outputs.publishableKey.value);
        expect(rotatedSigning.outputs.jwtSecret.value).toBe(first.outputs.jwtSecret.value);
        const signer = JSON.parse(secretData(rotatedSigning, "gotrue-secrets").GOTRUE_JWT_KEYS).find((k: any) => k.key_ops.includes("sign"));
        expect(signer.kid).toBe(after[0].kid);
    });

    it("an API-key rotation issues new opaque keys and keeps the signing keys and the legacy secret", () => {
        expect(rotatedOpaque.outputs.publishableKey.value).not.toBe(first.outputs.publishableKey.value);
        expect(rotatedOpaque.outputs.secretKey.value).not.toBe(first.outputs.secretKey.value);
        expect(rotatedOpaque.outputs.jwks.value).toBe(first.outputs.jwks.value);
        expect(rotatedOpaque.outputs.jwtSecret.value).toBe(first.outputs.jwtSecret.value);
    });

    it("keeps the legacy HS256 keys as they are in the seed release", () => {
        const secret = first.outputs.jwtSecret.value as string;
        expect((jwt.verify(first.outputs.serviceRoleKey.value as string, secret, { algorithms: ["HS256"] }) as any).role).toBe("service_role");
    });
});
