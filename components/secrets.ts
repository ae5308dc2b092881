// SecretBundle: every generated secret, the API keys signed from them, and one Kubernetes Secret
// per workload holding only what that workload reads.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PlatformConfig } from "../config";
import { signApiKey } from "./api-keys";
import { GeneratedSecret } from "./generated-secret";
import { databaseUrl } from "./endpoints";
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
}

/** Workloads that get a scoped Secret. */
export type SecretScope = "postgres" | "gotrue" | "rest" | "storage" | "meta" | "studio" | "backup";

/**
 * Which secret each workload reads, keyed by the environment variable it is exposed as.
 * This table is the whole answer to "who can see what".
 */
export function secretScopes(values: BundleValues, config: PlatformConfig): Record<SecretScope, Record<string, pulumi.Output<string>>> {
    const ns = config.namespace;
    const url = (role: string, query = "") => values.postgresPassword.apply((pw) => databaseUrl(role, pw, ns, query));
    const gotrue: Record<string, pulumi.Output<string>> = {
        GOTRUE_DB_DATABASE_URL: url("supabase_auth_admin", "?search_path=auth"),
        GOTRUE_JWT_SECRET: values.jwtSecret,
    };
    if (config.auth.smtp?.pass) gotrue.GOTRUE_SMTP_PASS = config.auth.smtp.pass;
    for (const provider of config.auth.oauth) {
        gotrue[`GOTRUE_EXTERNAL_${provider.provider.toUpperCase()}_SECRET`] = provider.secret;
    }
    const storage: Record<string, pulumi.Output<string>> = {
        DATABASE_URL: url("supabase_storage_admin"),
        PGRST_JWT_SECRET: values.jwtSecret,
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
        postgres: { POSTGRES_PASSWORD: values.postgresPassword },
        gotrue,
        rest: { PGRST_DB_URI: url("authenticator"), PGRST_JWT_SECRET: values.jwtSecret },
        storage,
        meta: { PG_META_DB_PASSWORD: values.postgresPassword, CRYPTO_KEY: values.pgMetaCryptoKey },
        studio: {
            POSTGRES_PASSWORD: values.postgresPassword,
            SUPABASE_ANON_KEY: values.anonKey,
            SUPABASE_SERVICE_KEY: values.serviceRoleKey,
            AUTH_JWT_SECRET: values.jwtSecret,
            PG_META_CRYPTO_KEY: values.pgMetaCryptoKey,
        },
        backup,
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
        };

        const scopes = secretScopes(this.values, config);
        for (const [scope, entries] of Object.entries(scopes) as [SecretScope, Record<string, pulumi.Output<string>>][]) {
            const secretName = `${scope}-secrets`;
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
