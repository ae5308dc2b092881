// Secrets reach pods only through secretKeyRef or mounted volumes; ConfigMaps and literal env
// values hold no credentials; the publicly known defaults of Supabase's docker/.env.example are
// refused wherever they appear; a Secret holding a JWT secret holds a long one.
import * as crypto from "crypto";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, containersOf, label, Obj, requireType, T, textEntries, workloadView, workloadLabel } from "./util";

/** Name tokens that mark a value as a credential. */
const SENSITIVE_TOKENS = new Set(["SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "PWD", "TOKEN", "PRIVATE", "CREDENTIAL", "CREDENTIALS", "APIKEY", "KEY"]);
/** A last token saying the value is about a credential, not the credential itself. */
const DESCRIPTIVE_SUFFIXES = new Set([
    "FILE", "PATH", "DIR", "ID", "NAME", "REF", "EXP", "EXPIRY", "TTL", "LENGTH", "MIN", "MAX", "ENABLED",
    "AUD", "ALG", "ALGORITHM", "HEADER", "CLAIM", "ROLE", "ROLES", "TYPE", "SIZE", "CHARACTERS", "REQUIRED", "URL",
]);

/** Does an env or data key look like it holds a credential? */
export function looksSecretName(name: string, allowed: string[] = []): boolean {
    if (allowed.includes(name)) return false;
    const tokens = name.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
    if (tokens.length === 0) return false;
    if (DESCRIPTIVE_SUFFIXES.has(tokens[tokens.length - 1])) return false;
    return tokens.some((t) => SENSITIVE_TOKENS.has(t));
}

const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;
/** scheme://user:password@ — a password in a URL, unless it is a $(VAR) reference. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:(?!\$\()[^/\s@]+@/i;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** SQL `PASSWORD 'literal'` (a psql variable `:'var'` is not a literal). */
const SQL_PASSWORD_LITERAL = /\bPASSWORD\s+'[^']+'/i;
/** `password: value` / `secret = value` lines in config files, variables excluded. */
const KEY_VALUE_CREDENTIAL = /^\s*["']?[A-Za-z0-9_.-]*(password|passwd|secret|token)["']?\s*[:=]\s*["']?(?![$:{<])[^\s"']{4,}/im;

export function findJwts(text: string): string[] {
    return text.match(JWT_PATTERN) ?? [];
}

/** Why a text holds a credential in the clear, or undefined. */
export function credentialInText(text: string): string | undefined {
    if (findJwts(text).length) return "a JWT";
    if (URL_CREDENTIALS.test(text)) return "a URL with a password";
    if (PRIVATE_KEY.test(text)) return "a private key";
    if (SQL_PASSWORD_LITERAL.test(text)) return "a SQL password literal";
    if (KEY_VALUE_CREDENTIAL.test(text)) return "a password/secret/token assignment";
    return undefined;
}

export interface SecretNameConfig {
    /** Env or data keys that match the credential pattern but hold none. */
    allowedNames: string[];
}

const allowedNamesSchema = {
    type: "array" as const,
    items: { type: "string" as const },
    description: "Names that look like credentials but are not (e.g. PGRST_JWT_ROLE_CLAIM_KEY holds a JSON path; KONG_SSL_CERT_KEY the path of the mounted key file, and a PEM key inline is still caught as a private key).",
    default: ["PGRST_JWT_ROLE_CLAIM_KEY", "KONG_SSL_CERT_KEY"],
};

export const noLiteralSecretEnv: ResourceValidationPolicy = {
    name: "no-literal-secret-env",
    description: "Secrets reach containers only through secretKeyRef or volumes: no literal env value whose name looks like a credential, nor any literal JWT or URL with a password.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedNames: allowedNamesSchema } },
    validateResource: (args, report) => {
        const w = workloadView(args.type, args.props, args.urn, args.name);
        if (!w) return args.notApplicable("Policy only applies to pod-creating resources");
        const config = configOf<SecretNameConfig>(noLiteralSecretEnv, args);
        for (const { container } of containersOf(w.pod)) {
            for (const env of (container.env ?? []) as Obj[]) {
                if (typeof env.value !== "string" || env.value === "") continue;
                if (looksSecretName(env.name, config.allowedNames)) {
                    report(`${workloadLabel(w)}: container ${container.name} env ${env.name} is a literal value; use valueFrom.secretKeyRef`);
                    continue;
                }
                const found = credentialInText(env.value);
                if (found === "a JWT" || found === "a URL with a password" || found === "a private key") {
                    report(`${workloadLabel(w)}: container ${container.name} env ${env.name} holds ${found} literally; use valueFrom.secretKeyRef`);
                }
            }
        }
    },
};

export const noSecretsInConfigMaps: ResourceValidationPolicy = {
    name: "no-secrets-in-configmaps",
    description: "ConfigMaps hold no credentials: no credential-named key with a value, no JWT, password, private key or URL with a password.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedNames: allowedNamesSchema } },
    validateResource: (args, report) => {
        const props = requireType(args, T.configMap);
        const config = configOf<SecretNameConfig>(noSecretsInConfigMaps, args);
        const where = label("ConfigMap", props.metadata?.namespace, props.metadata?.name ?? args.name);
        for (const [key, value] of textEntries(T.configMap, props)) {
            if (value.trim() !== "" && looksSecretName(key, config.allowedNames)) {
                report(`${where}: key ${key} looks like a credential; put it in a Secret`);
                continue;
            }
            const found = credentialInText(value);
            if (found) report(`${where}: key ${key} holds ${found}; put it in a Secret`);
        }
    },
};

/**
 * Values published in Supabase's docker/.env.example (and the CLI's local defaults). Anyone can
 * read them, so a deployment holding one is open. Matched as substrings, so a Kong config or a
 * connection string that embeds one is caught too.
 */
export const KNOWN_DEFAULT_SECRETS: readonly string[] = [
    "your-super-secret-and-long-postgres-password",
    "super-secret-jwt-token-with-at-least-32-characters-long",
    "this_password_is_insecure_and_should_be_updated",
    "your-32-character-encryption-key",
    "your-encryption-key-32-chars-min",
    "your-super-secret-and-long-logflare-key",
    "UpNVntn3cDxHJpq99YMc1T1AQgQpc8kfYTuRgBiYa15BLrx8etQoXz3gZv1/u2oq",
    "625729a08b95bf1b7ff351a663f3a23c",
    "850181e4652dd023b7a98c58ae0d2d34bd487ee0cc3254aed6eda37307425907",
];
/** The .env.example placeholder family: every default secret there starts like this. */
const PLACEHOLDER_PREFIX = /your-super-secret-/i;
/** Short defaults, only refused under a credential-named key (they are ordinary words elsewhere). */
export const KNOWN_DEFAULT_SHORT: readonly string[] = ["SAMPLE_KEY", "secret1234", "supabaserealtime", "your-tenant-id", "postgres", "password"];
/** Secrets the demo keys were signed with; a JWT verifying with one is forgeable by anyone. */
const DEMO_JWT_SECRETS = [
    "your-super-secret-jwt-token-with-at-least-32-characters-long",
    "super-secret-jwt-token-with-at-least-32-characters-long",
];

function jwtIsDemo(token: string): boolean {
    const [header, payload, signature] = token.split(".");
    try {
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Obj;
        if (claims.iss === "supabase-demo") return true;
    } catch {
        // not a JSON payload: only the signature check applies
    }
    return DEMO_JWT_SECRETS.some((s) => crypto.createHmac("sha256", s).update(`${header}.${payload}`).digest("base64url") === signature);
}

/** Why a value is a published default, or undefined. */
export function knownDefault(key: string, value: string): string | undefined {
    const hit = KNOWN_DEFAULT_SECRETS.find((d) => value.includes(d));
    if (hit) return `the published default "${hit.length > 24 ? `${hit.slice(0, 24)}…` : hit}"`;
    if (PLACEHOLDER_PREFIX.test(value)) return "a your-super-secret-… placeholder";
    if (findJwts(value).some(jwtIsDemo)) return "a Supabase demo JWT (iss supabase-demo or signed with the demo secret)";
    if (looksSecretName(key) && KNOWN_DEFAULT_SHORT.includes(value.trim())) return `the well-known default "${value.trim()}"`;
    return undefined;
}

export const noDefaultSupabaseSecrets: ResourceValidationPolicy = {
    name: "no-default-supabase-secrets",
    description: "No Secret, ConfigMap or env value holds a publicly known Supabase default (the demo JWTs, your-super-secret-… values, the default dashboard password, …).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type === T.secret || args.type === T.configMap) {
            const kind = args.type === T.secret ? "Secret" : "ConfigMap";
            const where = label(kind, args.props.metadata?.namespace, args.props.metadata?.name ?? args.name);
            for (const [key, value] of textEntries(args.type, args.props)) {
                const why = knownDefault(key, value);
                if (why) report(`${where}: key ${key} holds ${why}; generate a fresh value`);
            }
            return;
        }
        const w = workloadView(args.type, args.props, args.urn, args.name);
        if (!w) return args.notApplicable("Policy only applies to Secrets, ConfigMaps and pod-creating resources");
        for (const { container } of containersOf(w.pod)) {
            for (const env of (container.env ?? []) as Obj[]) {
                if (typeof env.value !== "string") continue;
                const why = knownDefault(env.name, env.value);
                if (why) report(`${workloadLabel(w)}: container ${container.name} env ${env.name} holds ${why}`);
            }
        }
    },
};

export interface JwtSecretConfig {
    minLength: number;
}

export const jwtSecretLength: ResourceValidationPolicy = {
    name: "jwt-secret-length",
    description: "A JWT secret held in a Secret (any key containing JWT_SECRET) is at least 32 characters.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { minLength: { type: "integer", minimum: 32, default: 32 } } },
    validateResource: (args, report) => {
        const props = requireType(args, T.secret);
        const { minLength } = configOf<JwtSecretConfig>(jwtSecretLength, args);
        const where = label("Secret", props.metadata?.namespace, props.metadata?.name ?? args.name);
        for (const [key, value] of textEntries(T.secret, props)) {
            if (/JWT_SECRET/i.test(key) && value.length < minLength) {
                report(`${where}: ${key} is ${value.length} characters; a JWT secret needs at least ${minLength}`);
            }
        }
    },
};
