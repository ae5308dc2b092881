// SecretBundle: every generated secret, the API keys signed from them, and one Kubernetes Secret
// per workload holding only what that workload reads.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { Release } from "../releases";
import { apiKeyClaims, ApiKeyRole, signApiKey } from "./keys/api-keys";
import { issuerJwtKeys, opaqueKey, publicJwks, signEs256, SigningKey, verifierJwks } from "./keys/jwks";
import { JwtSigningKeys } from "./keys/signing-keys";
import { GeneratedSecret } from "./generated-secret";
import { databaseUrl } from "./endpoints";
import { renderAuthFile } from "./services/pooler/ini";
import { checksumOf, workloadLabels } from "./workload";

/** The values the bundle generates or derives. All are secret Outputs except where noted. */
export interface BundleValues {
    jwtSecret: pulumi.Output<string>;
    /** Public by design: it only reaches what row-level security allows. Not secret. */
    anonKey: pulumi.Output<string>;
    serviceRoleKey: pulumi.Output<string>;
    /** Password of postgres, supabase_admin and every service login role (letters and digits). */
    postgresPassword: pulumi.Output<string>;
    dashboardUsername: pulumi.Output<string>;
    dashboardPassword: pulumi.Output<string>;
    pgMetaCryptoKey: pulumi.Output<string>;
    secretKeyBase: pulumi.Output<string>;
    /** Realtime only (config `realtime`): its AES key for the tenant secrets (exactly 16 bytes) and the /metrics JWT secret. */
    realtime?: { dbEncKey: pulumi.Output<string>; metricsJwtSecret: pulumi.Output<string> };
    /** The ES256 and opaque keys; only in releases that have them (hasAsymmetricKeys). */
    asymmetric?: AsymmetricKeys;
    /**
     * The pooler only (config `pooler`): the password of PgBouncer's auth user `pgbouncer`, its own
     * (never the superuser's: the pooler pod holds it), and each app's `<app>_login` password.
     */
    pooler?: { authPassword: pulumi.Output<string>; loginPasswords: Record<string, pulumi.Output<string>> };
}

/**
 * The new API keys of release v0.8.2, beside the legacy HS256 ones: ES256 JWTs signed by the
 * stack's current signing key, the opaque sb_ keys the gateway maps to them, and the key sets.
 */
export interface AsymmetricKeys {
    /** Newest first; the first signs. Secret. */
    signingKeys: pulumi.Output<SigningKey[]>;
    /** ES256 anon JWT (what the gateway substitutes for the publishable key). Not secret. */
    anonKey: pulumi.Output<string>;
    /** ES256 service_role JWT. Secret. */
    serviceRoleKey: pulumi.Output<string>;
    /** sb_publishable_…: the client key, safe in a browser (RLS decides). Not secret. */
    publishableKey: pulumi.Output<string>;
    /** sb_secret_…: the server key, bypasses RLS. Secret. */
    secretKey: pulumi.Output<string>;
    /** Public EC keys only, as JSON: what clients verify session tokens with. Not secret. */
    jwks: pulumi.Output<string>;
    /** EC public keys plus the legacy secret as an oct key, as JSON: for the verifying services. Secret. */
    verifierJwks: pulumi.Output<string>;
    /** GoTrue's GOTRUE_JWT_KEYS (private signing key, retired keys, legacy secret), as JSON. Secret. */
    issuerKeys: pulumi.Output<string>;
}

/** Releases whose services take ES256 signing keys and opaque API keys. */
export function hasAsymmetricKeys(release: Release): boolean {
    return release !== "seed";
}

/** The Secret of a scope (the restore Job template, rendered outside the program, names it too). */
export const scopeSecretName = (scope: SecretScope) => `${scope}-secrets`;

/** Workloads that get a scoped Secret. */
export type SecretScope = "postgres" | "gotrue" | "rest" | "storage" | "meta" | "studio" | "backup" | "realtime" | "pooler";

/**
 * Which secret each workload reads, keyed by the environment variable it is exposed as.
 * This table is the whole answer to "who can see what".
 */
export function secretScopes(values: BundleValues, config: PlatformConfig): Partial<Record<SecretScope, Record<string, pulumi.Output<string>>>> {
    const ns = config.namespace;
    const url = (role: string, query = "") => values.postgresPassword.apply((pw) => databaseUrl(role, pw, ns, query));
    const next = values.asymmetric;
    const gotrue: Record<string, pulumi.Output<string>> = {
        GOTRUE_DB_DATABASE_URL: url("supabase_auth_admin", "?search_path=auth"),
        GOTRUE_JWT_SECRET: values.jwtSecret,
        ...(next ? { GOTRUE_JWT_KEYS: next.issuerKeys } : {}),
    };
    if (config.auth.smtp?.pass) gotrue.GOTRUE_SMTP_PASS = config.auth.smtp.pass;
    for (const provider of config.auth.oauth) {
        gotrue[`GOTRUE_EXTERNAL_${provider.provider.toUpperCase()}_SECRET`] = provider.secret;
    }
    const storage: Record<string, pulumi.Output<string>> = {
        DATABASE_URL: url("supabase_storage_admin"),
        // storage-api v1 renamed PGRST_JWT_SECRET and verifies ES256 tokens from JWT_JWKS.
        ...(next ? { AUTH_JWT_SECRET: values.jwtSecret, JWT_JWKS: next.verifierJwks } : { PGRST_JWT_SECRET: values.jwtSecret }),
        ANON_KEY: values.anonKey,
        SERVICE_KEY: values.serviceRoleKey,
    };
    if (config.storageApi.s3) {
        storage.AWS_ACCESS_KEY_ID = config.storageApi.s3.accessKeyId;
        storage.AWS_SECRET_ACCESS_KEY = config.storageApi.s3.secretAccessKey;
    }
    // The dump CronJob connects as supabase_admin (same password) and, with an S3 target, uploads.
    const backup: Record<string, pulumi.Output<string>> = { POSTGRES_PASSWORD: values.postgresPassword };
    if (config.backup.s3) {
        backup.AWS_ACCESS_KEY_ID = config.backup.s3.accessKeyId;
        backup.AWS_SECRET_ACCESS_KEY = config.backup.s3.secretAccessKey;
    }
    return {
        // With PITR to S3, wal-g in the database pod (archive_command, the base backup) reads these as they are.
        postgres: { POSTGRES_PASSWORD: values.postgresPassword, ...(config.pitr?.s3 ? { AWS_ACCESS_KEY_ID: config.pitr.s3.accessKeyId, AWS_SECRET_ACCESS_KEY: config.pitr.s3.secretAccessKey } : {}) },
        gotrue,
        // PostgREST 14 takes a JWKS in PGRST_JWT_SECRET: ES256 tokens and legacy HS256 ones verify.
        rest: { PGRST_DB_URI: url("authenticator"), PGRST_JWT_SECRET: next ? next.verifierJwks : values.jwtSecret },
        storage,
        meta: { PG_META_DB_PASSWORD: values.postgresPassword, CRYPTO_KEY: values.pgMetaCryptoKey },
        studio: {
            POSTGRES_PASSWORD: values.postgresPassword,
            SUPABASE_ANON_KEY: values.anonKey,
            SUPABASE_SERVICE_KEY: values.serviceRoleKey,
            AUTH_JWT_SECRET: values.jwtSecret,
            PG_META_CRYPTO_KEY: values.pgMetaCryptoKey,
            ...(next ? { SUPABASE_PUBLISHABLE_KEY: next.publishableKey, SUPABASE_SECRET_KEY: next.secretKey } : {}),
        },
        backup,
        ...(values.realtime ? { realtime: realtimeScope(values, values.realtime) } : {}),
        // Mounted as PgBouncer's auth_file: the auth user's line only; app passwords are looked up (auth_query).
        ...(values.pooler ? { pooler: { "userlist.txt": values.pooler.authPassword.apply((pw) => renderAuthFile(pw)) } } : {}),
    };
}

/**
 * Realtime's secrets. API_JWT_SECRET verifies legacy tokens and the tenant API; the seed of v2.134
 * also stores API_JWT_JWKS with the tenant, so ES256 tokens verify (supabase/realtime@v2.129.8
 * priv/repo/seeds.exs:26-27); v2.29.15 reads no JWKS. METRICS_JWT_SECRET is required from v2.78.5.
 */
function realtimeScope(values: BundleValues, own: NonNullable<BundleValues["realtime"]>): Record<string, pulumi.Output<string>> {
    return {
        DB_PASSWORD: values.postgresPassword,
        DB_ENC_KEY: own.dbEncKey,
        API_JWT_SECRET: values.jwtSecret,
        SECRET_KEY_BASE: values.secretKeyBase,
        ...(values.asymmetric ? { API_JWT_JWKS: values.asymmetric.verifierJwks, METRICS_JWT_SECRET: own.metricsJwtSecret } : {}),
    };
}

export interface SecretBundleArgs {
    config: PlatformConfig;
    /** Namespace the scoped Secrets live in. */
    namespace: pulumi.Input<string>;
}

export class SecretBundle extends pulumi.ComponentResource {
    readonly values: BundleValues;
    private readonly secrets = {} as Record<SecretScope, { name: string; keys: string[]; checksum: pulumi.Output<string> }>;

    constructor(name: string, args: SecretBundleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:SecretBundle", name, {}, opts);
        const { config } = args;
        // Every generated value is replaced when `rotation` changes.
        const keepers = { rotation: String(config.keys.rotation) };
        const password = (id: string, length: number) =>
            new GeneratedSecret(`${name}-${id}`, { length, alphabet: "alphanumeric", keepers }, { parent: this }).result;

        const jwtSecret = config.keys.jwtSecret ?? password("jwt-secret", 48);
        const sign = (role: "anon" | "service_role") =>
            pulumi.secret(jwtSecret).apply((secret) => signApiKey(secret, role, config.keys.issuedAt, config.keys.apiKeyLifetimeDays));
        const dashboardUser = new GeneratedSecret(`${name}-dashboard-user`, { length: 8, alphabet: "lowercase", keepers }, { parent: this });

        this.values = {
            jwtSecret: pulumi.secret(jwtSecret),
            anonKey: pulumi.unsecret(sign("anon")),
            serviceRoleKey: pulumi.secret(sign("service_role")),
            postgresPassword: pulumi.secret(password("postgres-password", 32)),
            dashboardUsername: pulumi.secret(dashboardUser.result.apply((u) => `admin-${u}`)),
            dashboardPassword: pulumi.secret(password("dashboard-password", 32)),
            pgMetaCryptoKey: pulumi.secret(password("pg-meta-crypto-key", 48)),
            secretKeyBase: pulumi.secret(password("secret-key-base", 64)),
            asymmetric: hasAsymmetricKeys(config.release) ? this.asymmetricKeys(name, config, keepers, pulumi.secret(jwtSecret)) : undefined,
            realtime: config.realtime.enabled ? {
                dbEncKey: pulumi.secret(password("realtime-db-enc-key", 16)),
                metricsJwtSecret: pulumi.secret(password("realtime-metrics-jwt-secret", 48)),
            } : undefined,
            pooler: config.pooler ? {
                authPassword: pulumi.secret(password("pooler-auth-password", 32)),
                loginPasswords: Object.fromEntries(config.apps.map((app) => [app.name, pulumi.secret(password(`pooler-login-${app.name}`, 32))])),
            } : undefined,
        };

        const scopes = secretScopes(this.values, config);
        for (const [scope, entries] of Object.entries(scopes) as [SecretScope, Record<string, pulumi.Output<string>>][]) {
            if (!entries) continue;
            const secretName = scopeSecretName(scope);
            new k8s.core.v1.Secret(`${name}-${scope}`, {
                metadata: { name: secretName, namespace: args.namespace, labels: workloadLabels(scope, "secrets") },
                type: "Opaque",
                stringData: entries,
            }, { parent: this });
            const keys = Object.keys(entries).sort();
            this.secrets[scope] = {
                name: secretName,
                keys,
                checksum: checksumOf(this.values.jwtSecret, keys.map((k) => entries[k])),
            };
        }
        this.registerOutputs({ anonKey: this.values.anonKey, serviceRoleKey: this.values.serviceRoleKey });
    }

    private asymmetricKeys(name: string, config: PlatformConfig, keepers: Record<string, string>, jwtSecret: pulumi.Output<string>): AsymmetricKeys {
        const signing = new JwtSigningKeys(`${name}-signing-keys`, {
            keepers, signingKeyRotation: config.keys.signingKeyRotation, retain: config.keys.retainedSigningKeys,
        }, { parent: this });
        const keys = signing.keys;
        // Signed with the current key from fixed claims (RFC 6979): identical on every run.
        const sign = (role: ApiKeyRole) => keys.apply((k) => signEs256(k[0], apiKeyClaims(role, config.keys.issuedAt, config.keys.apiKeyLifetimeDays)));
        // Opaque keys rotate with `rotation` or on their own with `apiKeyRotation`.
        const opaqueKeepers = { ...keepers, apiKeyRotation: String(config.keys.apiKeyRotation) };
        const opaque = (kind: "publishable" | "secret") =>
            new GeneratedSecret(`${name}-${kind}-key`, { length: 22, alphabet: "base64url", keepers: opaqueKeepers }, { parent: this }).result
                .apply((random) => opaqueKey(kind, random));
        return {
            signingKeys: pulumi.secret(keys),
            anonKey: pulumi.unsecret(sign("anon")),
            serviceRoleKey: pulumi.secret(sign("service_role")),
            publishableKey: pulumi.unsecret(opaque("publishable")),
            secretKey: pulumi.secret(opaque("secret")),
            jwks: pulumi.unsecret(keys.apply((k) => JSON.stringify(publicJwks(k)))),
            verifierJwks: pulumi.secret(pulumi.all([keys, jwtSecret]).apply(([k, secret]) => JSON.stringify(verifierJwks(k, secret)))),
            issuerKeys: pulumi.secret(pulumi.all([keys, jwtSecret]).apply(([k, secret]) => JSON.stringify(issuerJwtKeys(k, secret)))),
        };
    }

    /** A workload's Secret as a volume (for files such as PgBouncer's userlist.txt). */
    volume(scope: SecretScope, volumeName: string): k8s.types.input.core.v1.Volume {
        return { name: volumeName, secret: { secretName: this.secrets[scope].name, defaultMode: 0o440 } };
    }

    /** Name of a workload's Secret. */
    secretName(scope: SecretScope): string {
        return this.secrets[scope].name;
    }

    /** Every key of a workload's Secret as an env var read through secretKeyRef. */
    env(scope: SecretScope): k8s.types.input.core.v1.EnvVar[] {
        const { name, keys } = this.secrets[scope];
        return keys.map((key) => ({ name: key, valueFrom: { secretKeyRef: { name, key } } }));
    }

    /** One key of a workload's Secret, exposed under another env name. */
    envAs(scope: SecretScope, key: string, envName: string): k8s.types.input.core.v1.EnvVar {
        const { name, keys } = this.secrets[scope];
        if (!keys.includes(key)) throw new Error(`Secret ${name} has no key ${key}`);
        return { name: envName, valueFrom: { secretKeyRef: { name, key } } };
    }

    /** Fingerprint of a workload's Secret contents, for its pod-template checksum annotation. */
    checksum(scope: SecretScope): pulumi.Output<string> {
        return this.secrets[scope].checksum;
    }
}
