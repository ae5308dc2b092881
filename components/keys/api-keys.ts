// Pure: the anon and service_role API keys, HS256 JWTs signed with the JWT secret.
import * as jwt from "jsonwebtoken";

export type ApiKeyRole = "anon" | "service_role";

export interface ApiKeyClaims {
    role: ApiKeyRole;
    iss: "supabase";
    iat: number;
    exp: number;
}

export function apiKeyClaims(role: ApiKeyRole, issuedAt: number, lifetimeDays: number): ApiKeyClaims {
    return { role, iss: "supabase", iat: issuedAt, exp: issuedAt + lifetimeDays * 86400 };
}

/**
 * Signs an API key. Every claim comes from the arguments, never the clock, so the same secret and
 * config give a byte-identical key on every run.
 */
export function signApiKey(secret: string, role: ApiKeyRole, issuedAt: number, lifetimeDays: number): string {
    // jsonwebtoken keeps a payload's own `iat` and only falls back to the clock when it is absent.
    return jwt.sign(apiKeyClaims(role, issuedAt, lifetimeDays), secret, { algorithm: "HS256" });
}
