import * as crypto from "crypto";
import { describe, expect, it } from "vitest";
import { jwtSecretLength, knownDefault, looksSecretName, noDefaultSupabaseSecrets, noLiteralSecretEnv, noSecretsInConfigMaps } from "../../policies/rules/secrets";
import { broken, deployment, isNotApplicable, resourceViolations, T } from "../support/policy";

const env = (p: any) => p.spec.template.spec.containers[0].env;
const b64 = (s: string) => Buffer.from(s).toString("base64url");
function jwt(payload: object, secret: string): string {
    const head = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify(payload))}`;
    return `${head}.${crypto.createHmac("sha256", secret).update(head).digest("base64url")}`;
}
const RANDOM_SECRET = "q8VfX2mT7rLw9ZpK4sJc6HdN1bYgE3uA5oRiMtWx";
const OWN_KEY = jwt({ role: "anon", iss: "supabase", iat: 1767225600 }, RANDOM_SECRET);
const DEMO_ISSUER_KEY = jwt({ role: "service_role", iss: "supabase-demo", iat: 1641769200, exp: 1799535600 }, RANDOM_SECRET);
const DEMO_SECRET_KEY = jwt({ role: "anon", iss: "supabase" }, "your-super-secret-jwt-token-with-at-least-32-characters-long");

describe("looksSecretName", () => {
    it("knows credentials from descriptions of them", () => {
        expect(["GOTRUE_JWT_SECRET", "SMTP_PASS", "ANON_KEY", "SECRET_KEY_BASE", "ACCESS_TOKEN", "db-password"].every((n) => looksSecretName(n))).toBe(true);
        expect(["GOTRUE_JWT_EXP", "PGRST_DB_ANON_ROLE", "DB_PASSWORD_FILE", "GOTRUE_EXTERNAL_GOOGLE_CLIENT_ID", "LOG_LEVEL"].some((n) => looksSecretName(n))).toBe(false);
        expect(looksSecretName("PGRST_JWT_ROLE_CLAIM_KEY", ["PGRST_JWT_ROLE_CLAIM_KEY"])).toBe(false);
    });
});

describe("no-literal-secret-env", () => {
    it("passes secretKeyRef and plain settings", async () => {
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, deployment())).toEqual([]);
    });
    it("rejects a literal credential-named value", async () => {
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, broken(deployment(), (p) => env(p).push({ name: "SMTP_PASS", value: "hunter22" }))))
            .toEqual(["Deployment supabase/api: container api env SMTP_PASS is a literal value; use valueFrom.secretKeyRef"]);
    });
    it("rejects a literal JWT under an innocent name", async () => {
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, broken(deployment(), (p) => env(p).push({ name: "SUPABASE_ANON", value: OWN_KEY }))))
            .toEqual(["Deployment supabase/api: container api env SUPABASE_ANON holds a JWT literally; use valueFrom.secretKeyRef"]);
    });
    it("rejects a connection URL with a password but not one using $(VAR)", async () => {
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, broken(deployment(), (p) => env(p).push({ name: "DATABASE_URL", value: "postgres://app:pw123456@db:5432/postgres" })))).toHaveLength(1);
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, broken(deployment(), (p) => env(p).push({ name: "DATABASE_URL", value: "postgres://app:$(DB_PASSWORD)@db:5432/postgres" })))).toEqual([]);
    });
    it("allows a configured name", async () => {
        const props = broken(deployment(), (p) => env(p).push({ name: "ROLE_CLAIM_KEY", value: ".role" }));
        expect(await resourceViolations(noLiteralSecretEnv, T.deployment, props, { allowedNames: ["ROLE_CLAIM_KEY"] })).toEqual([]);
    });
});

describe("no-secrets-in-configmaps", () => {
    const cm = () => ({ metadata: { name: "init", namespace: "supabase" }, data: { "roles.sql": "\\set pgpass `echo \"$PGPASSWORD\"`\nALTER USER authenticator WITH PASSWORD :'pgpass';\n", LOG_LEVEL: "info" } });
    it("passes SQL that reads the password from a variable", async () => {
        expect(await resourceViolations(noSecretsInConfigMaps, T.configMap, cm())).toEqual([]);
    });
    it("rejects a SQL password literal", async () => {
        expect(await resourceViolations(noSecretsInConfigMaps, T.configMap, broken(cm(), (p) => (p.data["roles.sql"] += "ALTER USER anon WITH PASSWORD 'hunter22';"))))
            .toEqual(["ConfigMap supabase/init: key roles.sql holds a SQL password literal; put it in a Secret"]);
    });
    it("rejects a credential-named key", async () => {
        expect(await resourceViolations(noSecretsInConfigMaps, T.configMap, broken(cm(), (p) => (p.data.JWT_SECRET = RANDOM_SECRET))))
            .toEqual(["ConfigMap supabase/init: key JWT_SECRET looks like a credential; put it in a Secret"]);
    });
    it("rejects a JWT in a config file", async () => {
        expect(await resourceViolations(noSecretsInConfigMaps, T.configMap, broken(cm(), (p) => (p.data["kong.yml"] = `consumers:\n  - keyauth_credentials:\n      - key: ${OWN_KEY}\n`))))
            .toEqual(["ConfigMap supabase/init: key kong.yml holds a JWT; put it in a Secret"]);
    });
    it("rejects a password assignment", async () => {
        expect(await resourceViolations(noSecretsInConfigMaps, T.configMap, broken(cm(), (p) => (p.data["app.ini"] = "[db]\npassword = s3cr3tvalue\n")))).toHaveLength(1);
    });
});

describe("no-default-supabase-secrets", () => {
    const secret = () => ({ metadata: { name: "gotrue-secrets", namespace: "supabase" }, stringData: { GOTRUE_JWT_SECRET: RANDOM_SECRET, ANON_KEY: OWN_KEY } });
    it("passes generated values", async () => {
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.secret, secret())).toEqual([]);
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.deployment, deployment())).toEqual([]);
    });
    it("rejects the .env.example JWT secret", async () => {
        const messages = await resourceViolations(noDefaultSupabaseSecrets, T.secret, broken(secret(), (p) => (p.stringData.GOTRUE_JWT_SECRET = "your-super-secret-jwt-token-with-at-least-32-characters-long")));
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(/^Secret supabase\/gotrue-secrets: key GOTRUE_JWT_SECRET holds the published default/);
    });
    it("rejects a demo key by issuer and by signing secret", async () => {
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.secret, broken(secret(), (p) => (p.stringData.ANON_KEY = DEMO_ISSUER_KEY))))
            .toEqual(["Secret supabase/gotrue-secrets: key ANON_KEY holds a Supabase demo JWT (iss supabase-demo or signed with the demo secret); generate a fresh value"]);
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.secret, broken(secret(), (p) => (p.stringData.ANON_KEY = DEMO_SECRET_KEY))))
            .toHaveLength(1);
    });
    it("rejects the default dashboard password inside base64 data and in a Kong config", async () => {
        const data = { metadata: { name: "kong-config", namespace: "supabase" }, data: { "kong.yml": Buffer.from("basicauth_credentials:\n  - password: this_password_is_insecure_and_should_be_updated\n").toString("base64") } };
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.secret, data)).toHaveLength(1);
    });
    it("rejects a default in a ConfigMap and in a literal env value", async () => {
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.configMap, { metadata: { name: "c" }, data: { PG_META_CRYPTO_KEY: "your-encryption-key-32-chars-min" } })).toHaveLength(1);
        expect(await resourceViolations(noDefaultSupabaseSecrets, T.deployment, broken(deployment(), (p) => env(p).push({ name: "CRYPTO_KEY", value: "SAMPLE_KEY" })))).toEqual([
            'Deployment supabase/api: container api env CRYPTO_KEY holds the well-known default "SAMPLE_KEY"',
        ]);
    });
    it("treats short defaults as defaults only under credential names", () => {
        expect(knownDefault("PG_META_DB_USER", "postgres")).toBeUndefined();
        expect(knownDefault("PG_META_DB_PASSWORD", "postgres")).toBeDefined();
    });
});

describe("jwt-secret-length", () => {
    const secret = () => ({ metadata: { name: "rest-secrets", namespace: "supabase" }, stringData: { PGRST_JWT_SECRET: RANDOM_SECRET, OTHER: "x" } });
    it("passes a 40-character secret and ignores other kinds", async () => {
        expect(await resourceViolations(jwtSecretLength, T.secret, secret())).toEqual([]);
        expect(await isNotApplicable(jwtSecretLength, T.configMap, { data: {} })).toBe(true);
    });
    it("rejects a short one, in stringData or data", async () => {
        expect(await resourceViolations(jwtSecretLength, T.secret, broken(secret(), (p) => (p.stringData.PGRST_JWT_SECRET = "short-secret"))))
            .toEqual(["Secret supabase/rest-secrets: PGRST_JWT_SECRET is 12 characters; a JWT secret needs at least 32"]);
        expect(await resourceViolations(jwtSecretLength, T.secret, { metadata: { name: "s" }, data: { JWT_SECRET: Buffer.from("abc").toString("base64") } })).toHaveLength(1);
    });
});
