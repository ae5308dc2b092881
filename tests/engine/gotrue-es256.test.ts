// A real GoTrue (built by `npm run tools` from a local snapshot of supabase/auth at the version in
// tools/versions.sh) signing users in with the program's ES256 keys, on a real PostgreSQL 15 in the
// image's state with the program's database layer applied (the database tests' harness, no
// sandbox). What it shows: GoTrue accepts GOTRUE_JWT_KEYS as issuerJwtKeys shapes it and signs
// ES256 with our kid; the token verifies against GoTrue's own JWKS, our publicJwks and the
// verifierJwks PostgREST gets; the legacy HS256 keys still work; RLS on the token's claims keeps
// each user to their own rows; and after a rotation GoTrue still accepts the old key's tokens.
import * as fs from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, importJWK, JSONWebKeySet, JWK, jwtVerify, JWTPayload, JWTVerifyOptions } from "jose";
import { Client, escapeIdentifier } from "pg";
import { signApiKey } from "../../components/keys/api-keys";
import { issuerJwtKeys, publicJwks, signEs256, SigningKey, verifierJwks } from "../../components/keys/jwks";
import { freshSigningKey } from "../../components/keys/signing-keys";
import { toolVersions } from "../../tools/paths";
import { appliedWorld, AppliedWorld, connectAs } from "../database/support/world";
import { findManifest, runStack } from "../support/program";
import { call, GOTRUE, RunningGoTrue, startGoTrue } from "./support/gotrue";

const VERSION = toolVersions().GOTRUE_VERSION;
const haveGotrue = (() => {
    try {
        fs.accessSync(GOTRUE, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
})();
if (!haveGotrue) {
    console.log(`GoTrue scenario skipped: no ${GOTRUE}; the module proxy refuses github.com/supabase/auth, so it is built from a snapshot: put a bare clone of supabase/auth at $SUPABASE_PLATFORM_SOURCES/supabase+auth, then npm run tools -- --only gotrue`);
}

/** The public URL of the gateway's /auth/v1 route, as the program passes it (issuer and API_EXTERNAL_URL). */
const EXTERNAL = "http://127.0.0.1:8000/auth/v1";
const PASSWORD = "correct-horse-battery-staple";


/**
 * Verifies a token against a whole key set, oct keys included (jose's createLocalJWKSet takes only
 * asymmetric keys): the key with the token's kid, or, for a kid-less token such as the legacy
 * anon and service_role keys, the keys whose alg matches the header's.
 */
async function verifyWithSet(token: string, jwks: JSONWebKeySet, options: JWTVerifyOptions = {}) {
    const { alg, kid } = decodeProtectedHeader(token);
    const candidates = jwks.keys.filter((k) => (kid ? k.kid === kid : true) && k.alg === alg);
    if (candidates.length === 0) throw new Error(`no key in the set for alg ${alg} kid ${kid ?? "(none)"}`);
    let last: unknown;
    for (const jwk of candidates) {
        try {
            return await jwtVerify(token, await importJWK(jwk as JWK, alg), options);
        } catch (error) {
            last = error;
        }
    }
    throw last;
}

/**
 * One request the way PostgREST v14 runs it: the token verified against the JWKS it gets in
 * PGRST_JWT_SECRET, then, in one transaction as authenticator, SET LOCAL ROLE to the role claim
 * and the claims as JSON in request.jwt.claims (the setting tests/database/support/session.ts uses).
 */
async function asPostgrest(authenticator: Client, jwks: JSONWebKeySet, token: string, sql: string, params: unknown[] = [], commit = false) {
    const { payload } = await verifyWithSet(token, jwks);
    await authenticator.query("BEGIN");
    try {
        await authenticator.query(`SET LOCAL ROLE ${escapeIdentifier(String(payload.role))}`);
        await authenticator.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(payload)]);
        const result = await authenticator.query(sql, params);
        await authenticator.query(commit ? "COMMIT" : "ROLLBACK");
        return result.rows;
    } catch (error) {
        await authenticator.query("ROLLBACK");
        throw error;
    }
}

describe.skipIf(!haveGotrue)(`real GoTrue ${VERSION} with the program's ES256 signing keys`, () => {
    let w: AppliedWorld;
    let programEnv: Record<string, string>;
    let legacySecret: string;
    let key: SigningKey;
    let gotrue: RunningGoTrue;
    let authenticator: Client;
    const users: Record<"A" | "B", { id: string; email: string; accessToken: string; claims: JWTPayload }> = {} as any;

    /** The env the program gives the gotrue container, the database and listener pointed at this machine. */
    const envFor = (keys: SigningKey[]): Record<string, string> => ({
        ...programEnv,
        API_EXTERNAL_URL: EXTERNAL,
        GOTRUE_JWT_ISSUER: EXTERNAL,
        GOTRUE_SITE_URL: "http://127.0.0.1:3000",
        GOTRUE_MAILER_AUTOCONFIRM: "true",
        GOTRUE_DISABLE_SIGNUP: "false",
        GOTRUE_DB_DATABASE_URL: `postgres://supabase_auth_admin:${encodeURIComponent(w.secrets.postgresPassword)}@${w.world.target.host}:${w.world.target.port}/postgres?search_path=auth`,
        GOTRUE_JWT_SECRET: legacySecret,
        GOTRUE_JWT_KEYS: JSON.stringify(issuerJwtKeys(keys, legacySecret)),
    });

    beforeAll(async () => {
        w = await appliedWorld("dev");
        // The plain env the program gives the gotrue container in release v0.8.2 (secrets come from
        // gotrue-secrets; set below), and the signing key that release's bundle generated.
        const next = await runStack("dev", { overrides: { release: "v0.8.2" } });
        const container = findManifest(next, "Deployment", "gotrue").spec.template.spec.containers.find((c: any) => c.name === "gotrue");
        programEnv = Object.fromEntries((container.env as { name: string; value?: string }[]).filter((e) => typeof e.value === "string").map((e) => [e.name, e.value!]));
        legacySecret = w.secrets.jwtSecret;
        // The image's own auth init script already has these columns; the fallback bootstrap.sql
        // mirrors only those the database layer touches. GoTrue's first migration creates the table
        // only if it is missing, so add the rest as the image's initial auth schema has them (a
        // no-op on the image's bootstrap), and let the real migrations run over it.
        await w.admin.query(`alter table auth.users
            add column if not exists confirmed_at timestamptz, add column if not exists invited_at timestamptz,
            add column if not exists confirmation_token varchar(255), add column if not exists confirmation_sent_at timestamptz,
            add column if not exists recovery_token varchar(255), add column if not exists recovery_sent_at timestamptz,
            add column if not exists email_change_token varchar(255), add column if not exists email_change varchar(255),
            add column if not exists email_change_sent_at timestamptz, add column if not exists last_sign_in_at timestamptz,
            add column if not exists is_super_admin bool`);
        const signer = (JSON.parse(findManifest(next, "Secret", "gotrue-secrets").stringData.GOTRUE_JWT_KEYS) as { kid: string; d?: string; x: string; y: string; key_ops: string[] }[])
            .find((k) => k.key_ops.includes("sign"))!;
        key = { kid: signer.kid, d: signer.d!, x: signer.x, y: signer.y };
        gotrue = await startGoTrue(envFor([key]));
        authenticator = await connectAs(w.world, "authenticator", w.secrets.postgresPassword);
    });

    afterAll(async () => {
        await authenticator?.end().catch(() => undefined);
        await gotrue?.stop();
        await w?.admin.end().catch(() => undefined);
        await w?.world.pg.stop();
    });

    it("starts with GOTRUE_JWT_KEYS from issuerJwtKeys, migrates the auth schema and publishes exactly our public key", async () => {
        const health = await call(gotrue.url, "GET", "/health", {});
        expect(health.status).toBe(200);
        expect(health.json.version).toBe(VERSION);
        const jwks = await call(gotrue.url, "GET", "/.well-known/jwks.json", {});
        expect(jwks.status).toBe(200);
        expect(jwks.json).toEqual(publicJwks([key]));
        const oidc = await call(gotrue.url, "GET", "/.well-known/openid-configuration", {});
        expect(oidc.json.issuer).toBe(EXTERNAL);
        expect(oidc.json.jwks_uri).toBe(`${EXTERNAL}/.well-known/jwks.json`);
    });

    it("signs two users up by e-mail and password and signs them in: ES256 access tokens with our kid", async () => {
        const anon = signApiKey(legacySecret, "anon", 1_700_000_000, 3650);
        for (const who of ["A", "B"] as const) {
            const email = `user-${who.toLowerCase()}-${Date.now()}@example.com`;
            const signup = await call(gotrue.url, "POST", "/signup", { apikey: anon }, { email, password: PASSWORD });
            expect(signup.status, JSON.stringify(signup.json)).toBe(200);
            const token = await call(gotrue.url, "POST", "/token?grant_type=password", { apikey: anon }, { email, password: PASSWORD });
            expect(token.status, JSON.stringify(token.json)).toBe(200);
            const header = decodeProtectedHeader(token.json.access_token);
            expect(header).toMatchObject({ alg: "ES256", kid: key.kid });
            const { payload } = await jwtVerify(token.json.access_token, createLocalJWKSet(publicJwks([key])), { issuer: EXTERNAL, audience: "authenticated" });
            expect(payload).toMatchObject({ sub: token.json.user.id, role: "authenticated", email });
            users[who] = { id: token.json.user.id, email, accessToken: token.json.access_token, claims: payload };
        }
        expect(users.A.id).not.toBe(users.B.id);
    });

    it("the access token verifies with jose against GoTrue's JWKS, our publicJwks and the verifierJwks PostgREST gets", async () => {
        const token = users.A.accessToken;
        const remote = await jwtVerify(token, createRemoteJWKSet(new URL(`${gotrue.url}/.well-known/jwks.json`)), { issuer: EXTERNAL });
        const ours = await jwtVerify(token, createLocalJWKSet(publicJwks([key])), { issuer: EXTERNAL });
        // PGRST_JWT_SECRET is this JSON: the EC public key and the HS256 oct key of the legacy secret.
        const verifier = JSON.parse(JSON.stringify(verifierJwks([key], legacySecret))) as JSONWebKeySet;
        expect(verifier.keys.map((k) => k.kty)).toEqual(["EC", "oct"]);
        const rest = await verifyWithSet(token, verifier, { issuer: EXTERNAL });
        for (const r of [remote, ours, rest]) expect(r.payload.sub).toBe(users.A.id);
        // A key that is not ours does not verify it.
        await expect(jwtVerify(token, createLocalJWKSet(publicJwks([{ ...freshSigningKey(), kid: key.kid }])))).rejects.toThrow(/signature/);
    });

    it("legacy HS256 API keys still work: anon verifies against verifierJwks, service_role is accepted by GoTrue's admin API", async () => {
        const anon = signApiKey(legacySecret, "anon", 1_700_000_000, 3650);
        const serviceRole = signApiKey(legacySecret, "service_role", 1_700_000_000, 3650);
        const verifier = verifierJwks([key], legacySecret) as JSONWebKeySet;
        expect(decodeProtectedHeader(anon)).toEqual({ alg: "HS256", typ: "JWT" });
        expect((await verifyWithSet(anon, verifier)).payload.role).toBe("anon");
        expect((await verifyWithSet(serviceRole, verifier)).payload.role).toBe("service_role");
        await expect(verifyWithSet(signApiKey(`${legacySecret}-not`, "anon", 1_700_000_000, 3650), verifier)).rejects.toThrow(/signature/);
        // GoTrue verifies the kid-less HS256 token with GOTRUE_JWT_SECRET (HS256 is a valid method
        // because issuerJwtKeys carries the oct key with alg HS256).
        const admin = await call(gotrue.url, "GET", "/admin/users", { apikey: serviceRole, authorization: `Bearer ${serviceRole}` });
        expect(admin.status, JSON.stringify(admin.json)).toBe(200);
        expect(admin.json.users.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([users.A.id, users.B.id]));
        const settings = await call(gotrue.url, "GET", "/settings", { apikey: anon, authorization: `Bearer ${anon}` });
        expect(settings.status).toBe(200);
        expect(settings.json.external.email).toBe(true);
        // The anon key is a valid token to GoTrue, just not a user's: /user refuses it for its missing
        // sub, not its signature; a token signed with another secret is refused for the signature.
        const anonUser = await call(gotrue.url, "GET", "/user", { apikey: anon, authorization: `Bearer ${anon}` });
        const forged = signApiKey(`${legacySecret}-not`, "anon", 1_700_000_000, 3650);
        const forgedUser = await call(gotrue.url, "GET", "/user", { apikey: forged, authorization: `Bearer ${forged}` });
        expect(anonUser.status).toBe(403);
        expect(forgedUser.status).toBe(403);
        expect(JSON.stringify(anonUser.json)).not.toMatch(/signature/i);
        expect(JSON.stringify(forgedUser.json)).toMatch(/signature/i);
    });

    it("RLS on the token's claims, as PostgREST runs them: each user reads only their own money_tracker.categories row", async () => {
        const verifier = verifierJwks([key], legacySecret) as JSONWebKeySet;
        for (const who of ["A", "B"] as const) {
            const rows = await asPostgrest(authenticator, verifier, users[who].accessToken,
                "insert into money_tracker.categories (name) values ($1) returning user_id", [`Food of ${who}`], true);
            expect(rows).toEqual([{ user_id: users[who].id }]);
        }
        const all = await w.admin.query("select user_id, name from money_tracker.categories where name like 'Food of %' order by name");
        expect(all.rows).toEqual([{ user_id: users.A.id, name: "Food of A" }, { user_id: users.B.id, name: "Food of B" }]);
        for (const who of ["A", "B"] as const) {
            const rows = await asPostgrest(authenticator, verifier, users[who].accessToken, "select user_id, name from money_tracker.categories order by name");
            expect(rows).toEqual([{ user_id: users[who].id, name: `Food of ${who}` }]);
        }
        const anon = signApiKey(legacySecret, "anon", 1_700_000_000, 3650);
        const { payload } = await verifyWithSet(anon, verifier);
        await authenticator.query("BEGIN");
        await authenticator.query("SET LOCAL ROLE anon");
        await authenticator.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(payload)]);
        await expect(authenticator.query("select * from money_tracker.categories")).rejects.toThrow(/permission denied/);
        await authenticator.query("ROLLBACK");
    });

    it("rotation: with issuerJwtKeys([new, old]) GoTrue signs with the new key and still accepts the old key's tokens", async () => {
        const fresh = freshSigningKey();
        await gotrue.stop();
        gotrue = await startGoTrue(envFor([fresh, key]));
        const jwks = await call(gotrue.url, "GET", "/.well-known/jwks.json", {});
        expect(jwks.json.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([fresh.kid, key.kid].sort());

        // The token GoTrue issued before the rotation, and one signed by the old key here.
        const before = await call(gotrue.url, "GET", "/user", { authorization: `Bearer ${users.A.accessToken}` });
        expect(before.status, JSON.stringify(before.json)).toBe(200);
        expect(before.json.id).toBe(users.A.id);
        const now = Math.floor(Date.now() / 1000);
        const byOld = signEs256(key, { ...users.A.claims, iat: now, exp: now + 600 });
        expect(decodeProtectedHeader(byOld)).toMatchObject({ alg: "ES256", kid: key.kid });
        const old = await call(gotrue.url, "GET", "/user", { authorization: `Bearer ${byOld}` });
        expect(old.status, JSON.stringify(old.json)).toBe(200);
        expect(old.json.id).toBe(users.A.id);

        // A key GoTrue does not hold is refused.
        const stranger = signEs256({ ...freshSigningKey(), kid: key.kid }, { ...users.A.claims, iat: now, exp: now + 600 });
        expect((await call(gotrue.url, "GET", "/user", { authorization: `Bearer ${stranger}` })).status).toBe(403);

        // A new sign-in is signed by the new key and verifies against the rotated verifier set.
        const token = await call(gotrue.url, "POST", "/token?grant_type=password", {}, { email: users.B.email, password: PASSWORD });
        expect(token.status, JSON.stringify(token.json)).toBe(200);
        expect(decodeProtectedHeader(token.json.access_token)).toMatchObject({ alg: "ES256", kid: fresh.kid });
        const verifier = verifierJwks([fresh, key], legacySecret) as JSONWebKeySet;
        expect((await verifyWithSet(token.json.access_token, verifier)).payload.sub).toBe(users.B.id);
        expect((await verifyWithSet(byOld, verifier)).payload.sub).toBe(users.A.id);
    });
});
