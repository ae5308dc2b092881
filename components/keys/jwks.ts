// Pure: the ES256 signing keys as JWKs, the key sets each consumer reads, and ES256 JWTs signed
// deterministically (RFC 6979), so the same key and claims give a byte-identical token on every run
// and a preview shows no change where nothing changed.
import * as crypto from "crypto";
import { p256 } from "@noble/curves/p256";

/** One EC P-256 signing key as kept in the state: its key id and the JWK coordinates (base64url). */
export interface SigningKey {
    kid: string;
    /** Private scalar. */
    d: string;
    x: string;
    y: string;
}

export interface EcPublicJwk {
    kty: "EC";
    crv: "P-256";
    x: string;
    y: string;
    kid: string;
    alg: "ES256";
    use: "sig";
    key_ops: ["verify"];
}

export interface EcPrivateJwk extends Omit<EcPublicJwk, "key_ops"> {
    d: string;
    key_ops: ("sign" | "verify")[];
}

export interface OctJwk {
    kty: "oct";
    k: string;
    kid: string;
    alg: "HS256";
    key_ops: ("sign" | "verify")[];
}

const b64url = (bytes: Uint8Array | Buffer | string) => Buffer.from(bytes).toString("base64url");

/** A key from a 32-byte private scalar (reduced into the curve's range). */
export function signingKeyFromScalar(seed: Uint8Array, kid: string): SigningKey {
    const d = p256.utils.normPrivateKeyToScalar(seed);
    const scalar = Buffer.from(d.toString(16).padStart(64, "0"), "hex");
    const point = p256.getPublicKey(scalar, false); // 0x04 || x || y
    return { kid, d: b64url(scalar), x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) };
}


export function publicJwk(key: SigningKey): EcPublicJwk {
    return { kty: "EC", crv: "P-256", x: key.x, y: key.y, kid: key.kid, alg: "ES256", use: "sig", key_ops: ["verify"] };
}

/** The legacy HS256 secret as a JWK: the raw secret bytes, base64url (RFC 7518 §6.4). */
export function legacyOctJwk(secret: string, keyOps: OctJwk["key_ops"]): OctJwk {
    return { kty: "oct", k: b64url(secret), kid: legacyKid(secret), alg: "HS256", key_ops: keyOps };
}

/** A stable kid for the legacy secret that reveals nothing of it. */
export function legacyKid(secret: string): string {
    return `legacy-${crypto.createHash("sha256").update(`kid:${secret}`).digest("base64url").slice(0, 16)}`;
}

/**
 * The key set published to clients (GoTrue's /.well-known/jwks.json and the `jwks` output):
 * public EC keys only. The HS256 secret is symmetric, so it never appears here.
 */
export function publicJwks(keys: SigningKey[]): { keys: EcPublicJwk[] } {
    return { keys: keys.map(publicJwk) };
}

/**
 * The key set the verifying services read (PostgREST, Storage, Realtime): every current and
 * retained EC public key plus the legacy HS256 secret, so tokens of both kinds verify during the
 * transition. It holds the secret: pass it only through a Kubernetes Secret.
 */
export function verifierJwks(keys: SigningKey[], legacySecret: string): { keys: (EcPublicJwk | OctJwk)[] } {
    return { keys: [...keys.map(publicJwk), legacyOctJwk(legacySecret, ["verify"])] };
}

/**
 * GoTrue's GOTRUE_JWT_KEYS: the current key signs, retained keys and the legacy secret only verify.
 * The current key is the first of `keys`.
 */
export function issuerJwtKeys(keys: SigningKey[], legacySecret: string): (EcPrivateJwk | OctJwk)[] {
    return [
        ...keys.map((key, i): EcPrivateJwk => ({ ...publicJwk(key), d: key.d, key_ops: i === 0 ? ["sign", "verify"] : ["verify"] })),
        legacyOctJwk(legacySecret, ["verify"]),
    ];
}

/** An ES256 JWT signed with `key`, its header naming the kid. Deterministic (RFC 6979). */
export function signEs256(key: SigningKey, claims: object): string {
    const header = b64url(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid }));
    const payload = b64url(JSON.stringify(claims));
    const digest = crypto.createHash("sha256").update(`${header}.${payload}`).digest();
    const signature = p256.sign(digest, Buffer.from(key.d, "base64url")).toCompactRawBytes();
    return `${header}.${payload}.${b64url(signature)}`;
}

export type OpaqueKeyKind = "publishable" | "secret";

/**
 * An opaque API key as upstream's self-hosted key scripts shape it: `sb_<kind>_` + 22 base64url
 * characters + `_` + the first 8 base64url characters of SHA-256("supabase-self-hosted|" + the part
 * before it). The checksum lets a scanner tell a real key from a typo; it protects nothing.
 */
export function opaqueKey(kind: OpaqueKeyKind, random: string): string {
    if (!/^[A-Za-z0-9_-]{22}$/.test(random)) throw new Error(`opaque ${kind} key: the random part must be 22 base64url characters, got ${random.length}`);
    const intermediate = `sb_${kind}_${random}`;
    const checksum = crypto.createHash("sha256").update(`supabase-self-hosted|${intermediate}`).digest("base64url").slice(0, 8);
    return `${intermediate}_${checksum}`;
}
