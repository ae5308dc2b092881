// Stack config → one typed, validated PlatformConfig. Nothing else in the program reads config.
//
// CONFIG_KEYS is the single table of every key the program reads: its type, default and
// description. Pulumi.yaml declares the same table for `pulumi config` users (a test keeps them
// equal) and the README's config reference is generated from it.
import * as pulumi from "@pulumi/pulumi";
import { appDefinitionProblems } from "./components/database/apps";

export type ConfigKeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
    type: ConfigKeyType;
    description: string;
    default?: string | number | boolean | string[];
    secret?: boolean;
}

export const PROJECT_NAME = "supabase-platform";

/** The default image of every workload: the seed's tags, each overridable per stack. */
export const DEFAULT_IMAGES = {
    postgres: "supabase/postgres:15.1.1.78",
    gotrue: "supabase/gotrue:v2.132.3",
    rest: "postgrest/postgrest:v12.0.2",
    storage: "supabase/storage-api:v0.43.11",
    imgproxy: "darthsim/imgproxy:v3.8.0",
    meta: "supabase/postgres-meta:v0.68.0",
    studio: "supabase/studio:20240729-ce42139",
    kong: "kong:2.8.1",
} as const;
export type ImageName = keyof typeof DEFAULT_IMAGES;

/** Stateless services whose replica count is configurable (PostgreSQL is always one instance). */
export const SCALABLE_SERVICES = ["kong", "gotrue", "rest", "storage", "meta", "studio"] as const;
export type ScalableService = (typeof SCALABLE_SERVICES)[number];

export const OAUTH_PROVIDERS = ["google", "github", "gitlab", "azure"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
export const imageKey = (name: ImageName) => `${name}Image`;
export const replicasKey = (name: ScalableService) => `${name}Replicas`;
export const oauthClientIdKey = (p: OAuthProvider) => `oauth${capitalize(p)}ClientId`;
export const oauthSecretKey = (p: OAuthProvider) => `oauth${capitalize(p)}Secret`;

export const CONFIG_KEYS: Record<string, ConfigKeySpec> = {
    namespace: { type: "string", default: "supabase", description: "Kubernetes namespace for every Supabase workload (DNS-1123 label). Created with Pod Security Standards labels." },
    apps: { type: "array", default: [], description: "App schemas (SQL identifiers) the platform hosts, e.g. [home_portal, money_tracker]. Each is exposed through PostgREST." },
    rotation: { type: "integer", default: 0, description: "Bump to regenerate every generated secret (JWT secret, keys, passwords); every consumer rolls." },
    jwtIssuedAt: { type: "integer", default: 1767225600, description: "The `iat` (Unix seconds) of the anon and service_role keys. Fixed in config so the keys are identical on every run." },
    apiKeyLifetimeDays: { type: "integer", default: 1825, description: "Lifetime of the anon and service_role keys in days (`exp` = `iat` + this)." },
    jwtExpirySeconds: { type: "integer", default: 3600, description: "Lifetime of user session JWTs issued by GoTrue, in seconds." },
    jwtSecret: { type: "string", secret: true, default: "", description: "Optional user-supplied JWT secret (at least 32 characters). Generated when unset." },
    kongLoadBalancerIp: { type: "string", default: "10.89.97.214", description: "MetalLB IP of the Kong gateway LoadBalancer (ports 8000/8443)." },
    studioLoadBalancerIp: { type: "string", default: "10.89.97.215", description: "MetalLB IP where the dashboard answers on port 3000 (behind Kong's basic-auth)." },
    createMetallbPool: { type: "boolean", default: false, description: "Create a MetalLB IPAddressPool and L2Advertisement holding exactly the configured IPs." },
    metallbNamespace: { type: "string", default: "metallb-system", description: "Namespace MetalLB runs in (its CRs must live there)." },
    createStorageClass: { type: "boolean", default: false, description: "Create the Longhorn StorageClass for the database (Retain, expandable, best-effort locality)." },
    storageClassName: { type: "string", default: "longhorn", description: "StorageClass of every PersistentVolumeClaim." },
    longhornReplicas: { type: "integer", default: 2, description: "Longhorn `numberOfReplicas` of a created StorageClass." },
    postgresVolumeSize: { type: "string", default: "20Gi", description: "Size of the PostgreSQL data volume (Kubernetes quantity)." },
    postgresConfigVolumeSize: { type: "string", default: "64Mi", description: "Size of the volume persisting /etc/postgresql-custom (pgsodium root key)." },
    postgresMemory: { type: "string", default: "2Gi", description: "Memory request and limit of PostgreSQL (Guaranteed QoS)." },
    postgresCpu: { type: "string", default: "1", description: "CPU request of PostgreSQL." },
    postgresMaxConnections: { type: "integer", default: 100, description: "PostgreSQL `max_connections`; the services' pools must fit below it." },
    ...Object.fromEntries(
        (Object.keys(DEFAULT_IMAGES) as ImageName[]).map((name) => [
            imageKey(name),
            { type: "string", default: DEFAULT_IMAGES[name], description: `Image of ${name} (pinned tag, never latest).` } as ConfigKeySpec,
        ]),
    ),
    ...Object.fromEntries(
        SCALABLE_SERVICES.map((name) => [
            replicasKey(name),
            { type: "integer", default: 1, description: `Replicas of ${name}.` } as ConfigKeySpec,
        ]),
    ),
    siteUrl: { type: "string", default: "http://localhost:3000", description: "GoTrue SITE_URL: the app URL used in e-mail links and redirects." },
    additionalRedirectUrls: { type: "array", default: [], description: "Extra redirect URLs GoTrue accepts (GOTRUE_URI_ALLOW_LIST)." },
    disableSignup: { type: "boolean", default: false, description: "Refuse public sign-ups." },
    enableEmailAutoconfirm: { type: "boolean", default: false, description: "Confirm e-mail sign-ups without a confirmation mail." },
    smtpHost: { type: "string", default: "", description: "SMTP host for auth mails; empty disables SMTP." },
    smtpPort: { type: "integer", default: 587, description: "SMTP port." },
    smtpUser: { type: "string", default: "", description: "SMTP user name." },
    smtpPass: { type: "string", secret: true, default: "", description: "SMTP password (`pulumi config set --secret smtpPass ...`)." },
    smtpAdminEmail: { type: "string", default: "", description: "Sender address of auth mails (required with smtpHost)." },
    smtpSenderName: { type: "string", default: "Supabase", description: "Sender display name of auth mails." },
    ...Object.fromEntries(
        OAUTH_PROVIDERS.flatMap((p) => [
            [oauthClientIdKey(p), { type: "string", default: "", description: `OAuth client id for ${p}; setting it enables the provider.` } as ConfigKeySpec],
            [oauthSecretKey(p), { type: "string", secret: true, default: "", description: `OAuth client secret for ${p} (secret).` } as ConfigKeySpec],
        ]),
    ),
    storageBackend: { type: "string", default: "file", description: "Storage backend: `file` (Longhorn PVC shared with imgproxy) or `s3`." },
    storageVolumeSize: { type: "string", default: "10Gi", description: "Size of the file-backend volume." },
    storageFileSizeLimit: { type: "integer", default: 52428800, description: "Largest upload in bytes." },
    s3Bucket: { type: "string", default: "", description: "S3 bucket (s3 backend)." },
    s3Endpoint: { type: "string", default: "", description: "S3 endpoint URL; empty for AWS." },
    s3Region: { type: "string", default: "us-east-1", description: "S3 region." },
    s3ForcePathStyle: { type: "boolean", default: true, description: "Path-style S3 URLs (MinIO and most self-hosted S3)." },
    s3AccessKeyId: { type: "string", secret: true, default: "", description: "S3 access key id (secret)." },
    s3SecretAccessKey: { type: "string", secret: true, default: "", description: "S3 secret access key (secret)." },
    dbAdminEndpoint: { type: "string", default: "cluster", description: "How `pulumi up` reaches PostgreSQL for the database layer: `cluster`, `port-forward` or `loadbalancer`." },
    dbAdminPort: { type: "integer", default: 5432, description: "Local port of `kubectl port-forward` (port-forward mode)." },
    dbAdminLoadBalancerIp: { type: "string", default: "", description: "MetalLB IP of the opt-in admin LoadBalancer (loadbalancer mode)." },
    dbAdminSourceRanges: { type: "array", default: [], description: "CIDRs allowed to reach the admin LoadBalancer (required in loadbalancer mode, never 0.0.0.0/0)." },
    dbAdminClientNamespaces: { type: "array", default: [], description: "cluster mode: namespaces (besides the platform's) whose pods labelled `supabase-platform/db-admin: \"true\"` may reach PostgreSQL, e.g. where the CI runner that runs `pulumi up` lives." },
    backupSchedule: { type: "string", default: "30 2 * * *", description: "Cron schedule (UTC) of the logical dump CronJob (roles, `auth` and the app schemas)." },
    backupRetain: { type: "integer", default: 7, description: "Logical dumps kept; older ones are deleted by the backup job itself." },
    backupTarget: { type: "string", default: "pvc", description: "Where dumps go: `pvc` (a Longhorn volume in the namespace) or `s3` (uploaded to backupS3Bucket)." },
    backupVolumeSize: { type: "string", default: "10Gi", description: "Size of the dump volume (pvc target); holds backupRetain dumps." },
    backupS3Bucket: { type: "string", default: "", description: "Bucket of the dumps (s3 target); keep it off-cluster." },
    backupS3Prefix: { type: "string", default: "postgres", description: "Key prefix of the dumps in the bucket (s3 target)." },
    backupS3Endpoint: { type: "string", default: "", description: "S3 endpoint URL of the dump bucket; empty for AWS." },
    backupS3Region: { type: "string", default: "us-east-1", description: "Region of the dump bucket." },
    backupS3AccessKeyId: { type: "string", secret: true, default: "", description: "Access key id for the dump bucket (secret; s3 target)." },
    backupS3SecretAccessKey: { type: "string", secret: true, default: "", description: "Secret access key for the dump bucket (secret; s3 target)." },
    backupUploaderImage: { type: "string", default: "amazon/aws-cli:2.15.0", description: "Image that uploads dumps to S3 (pinned tag, never latest)." },
    longhornNamespace: { type: "string", default: "longhorn-system", description: "Namespace Longhorn runs in (its RecurringJobs must live there)." },
    longhornSnapshotSchedule: { type: "string", default: "0 * * * *", description: "Cron schedule of the Longhorn snapshot RecurringJob of the database volumes." },
    longhornSnapshotRetain: { type: "integer", default: 24, description: "Longhorn snapshots kept per database volume." },
    longhornBackupSchedule: { type: "string", default: "0 3 * * *", description: "Cron schedule of the Longhorn backup RecurringJob (needs a Longhorn backup target); empty disables it." },
    longhornBackupRetain: { type: "integer", default: 14, description: "Longhorn backups kept per database volume." },
};

export interface AppConfig {
    /** Schema name; also the PostgREST profile. */
    name: string;
}

export interface OAuthProviderConfig {
    provider: OAuthProvider;
    clientId: string;
    secret: pulumi.Output<string>;
}

export interface PlatformConfig {
    project: string;
    stack: string;
    namespace: string;
    apps: AppConfig[];
    keys: {
        rotation: number;
        issuedAt: number;
        apiKeyLifetimeDays: number;
        jwtExpirySeconds: number;
        /** A user-supplied JWT secret; generated when undefined. */
        jwtSecret?: pulumi.Output<string>;
    };
    network: {
        kongIp: string;
        studioIp: string;
        createMetallbPool: boolean;
        metallbNamespace: string;
    };
    storage: {
        storageClassName: string;
        createStorageClass: boolean;
        longhornReplicas: number;
    };
    postgres: {
        volumeSize: string;
        configVolumeSize: string;
        memory: string;
        cpu: string;
        maxConnections: number;
    };
    images: Record<ImageName, string>;
    replicas: Record<ScalableService, number>;
    auth: {
        siteUrl: string;
        additionalRedirectUrls: string[];
        disableSignup: boolean;
        enableEmailAutoconfirm: boolean;
        smtp?: { host: string; port: number; user: string; pass?: pulumi.Output<string>; adminEmail: string; senderName: string };
        oauth: OAuthProviderConfig[];
    };
    storageApi: {
        backend: "file" | "s3";
        volumeSize: string;
        fileSizeLimit: number;
        s3?: { bucket: string; endpoint: string; region: string; forcePathStyle: boolean; accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    };
    backup: BackupConfig;
    dbAdmin:
        | { mode: "cluster"; clientNamespaces: string[] }
        | { mode: "port-forward"; port: number }
        | { mode: "loadbalancer"; ip: string; sourceRanges: string[] };
}

/** Logical dumps (CronJob) and Longhorn RecurringJobs of the database volumes (components/backup.ts). */
export interface BackupConfig {
    schedule: string;
    retain: number;
    target: "pvc" | "s3";
    volumeSize: string;
    s3?: { bucket: string; prefix: string; endpoint: string; region: string; accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    uploaderImage: string;
    longhorn: {
        namespace: string;
        snapshotSchedule: string;
        snapshotRetain: number;
        /** Undefined when longhornBackupSchedule is empty. */
        backupSchedule?: string;
        backupRetain: number;
    };
}

/** Every config problem at once; thrown before any resource is registered. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** Schemas Supabase itself owns; an app may not take them. `pg_*` is refused separately. */
export const RESERVED_SCHEMAS = [
    "auth", "storage", "public", "extensions", "graphql", "graphql_public", "realtime", "_realtime",
    "supabase_functions", "supabase_migrations", "vault", "pgsodium", "pgsodium_masks", "pgbouncer",
    "net", "cron", "information_schema", "_analytics", "_supavisor", "pgtle", "topology",
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const QUANTITY = /^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;

export function isIPv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isCidr(value: string): boolean {
    const [ip, bits, ...rest] = value.split("/");
    return rest.length === 0 && isIPv4(ip) && bits !== undefined && /^[0-9]{1,2}$/.test(bits) && Number(bits) <= 32;
}

/** Splits `registry/repo:tag@digest`; the tag is what follows the last ':' after the last '/'. */
export function imageTag(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

/** Raw access to the stack's config, so parsing can be tested without the Pulumi runtime. */
export interface ConfigSource {
    project: string;
    stack: string;
    /** Plain value of `<project>:<key>`, or undefined when unset. */
    get(key: string): string | undefined;
    /** Every key set under the project namespace (without the prefix). */
    keys(): string[];
}

export function pulumiConfigSource(): ConfigSource {
    const project = pulumi.getProject();
    const cfg = new pulumi.Config(project);
    return {
        project,
        stack: pulumi.getStack(),
        get: (key) => cfg.get(key),
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(`${project}:`))
                .map((k) => k.slice(project.length + 1)),
    };
}

/** Reads and validates the whole stack config. Throws one ConfigError listing every problem. */
export function loadConfig(source: ConfigSource = pulumiConfigSource()): PlatformConfig {
    const problems: string[] = [];
    const fail = (key: string, value: unknown, fix: string) =>
        problems.push(`${source.project}:${key} = ${JSON.stringify(value)}: ${fix}`);

    for (const key of source.keys()) {
        if (!(key in CONFIG_KEYS)) {
            const hint = Object.keys(CONFIG_KEYS).find((k) => k.toLowerCase() === key.toLowerCase());
            fail(key, source.get(key), hint ? `unknown key; did you mean "${hint}"?` : "unknown key; remove it or see the config reference in README.md");
        }
    }

    const raw = (key: string): string | undefined => {
        const spec = CONFIG_KEYS[key];
        if (!spec) throw new Error(`config.ts reads undeclared key ${key}`);
        const value = source.get(key);
        if (value !== undefined) return value;
        if (spec.default === undefined) return undefined;
        return typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
    };
    const str = (key: string): string => raw(key) ?? "";
    const int = (key: string, min: number): number => {
        const value = raw(key);
        const n = Number(value);
        if (value === undefined || !/^-?[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
            fail(key, value, `must be an integer ≥ ${min}`);
            return min;
        }
        if (n < min) fail(key, n, `must be ≥ ${min}`);
        return n;
    };
    const bool = (key: string): boolean => {
        const value = raw(key);
        if (value === "true" || value === "false") return value === "true";
        fail(key, value, "must be true or false");
        return false;
    };
    const list = (key: string): string[] => {
        const value = raw(key) ?? "[]";
        try {
            const parsed: unknown = JSON.parse(value);
            if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed;
        } catch {
            // reported below
        }
        fail(key, value, "must be a list of strings, e.g. `pulumi config set --path '" + key + "[0]' value`");
        return [];
    };
    const secretValue = (key: string): pulumi.Output<string> | undefined => {
        const value = source.get(key);
        return value === undefined || value === "" ? undefined : pulumi.secret(value);
    };
    const dnsLabel = (key: string): string => {
        const value = str(key);
        if (value.length > 63 || !DNS_LABEL.test(value)) {
            fail(key, value, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric, at most 63 characters");
        }
        return value;
    };
    const dnsSubdomain = (key: string): string => {
        const value = str(key);
        if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
            fail(key, value, "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters");
        }
        return value;
    };
    const quantity = (key: string, memoryLike = true): string => {
        const value = str(key);
        const match = QUANTITY.exec(value);
        if (!match || Number(match[1]) <= 0 || (memoryLike && match[3] === "m")) {
            fail(key, value, `must be a positive Kubernetes quantity such as "20Gi" or "512Mi"`);
        }
        return value;
    };
    const ipv4 = (key: string, optional = false): string => {
        const value = str(key);
        if (optional && value === "") return value;
        if (!isIPv4(value)) fail(key, value, "must be an IPv4 address such as 10.89.97.214");
        return value;
    };
    const url = (key: string): string => {
        const value = str(key);
        try {
            const parsed = new URL(value);
            if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
        } catch {
            fail(key, value, "must be an http(s) URL such as https://app.example.com");
        }
        return value;
    };

    const namespace = dnsLabel("namespace");

    const appNames = list("apps");
    const seen = new Set<string>();
    for (const app of appNames) {
        if (app.length > 63 || !SQL_IDENTIFIER.test(app)) {
            fail("apps", app, "each app name must be a lower-case SQL identifier: letters, digits and '_', not starting with a digit, at most 63 characters");
        } else if (RESERVED_SCHEMAS.includes(app) || app.startsWith("pg_")) {
            fail("apps", app, `collides with a schema Supabase owns (${RESERVED_SCHEMAS.slice(0, 9).join(", ")}, pg_*, …); choose another name`);
        }
        if (seen.has(app)) fail("apps", app, "is listed twice; app names must be unique");
        seen.add(app);
    }

    const images = {} as Record<ImageName, string>;
    for (const name of Object.keys(DEFAULT_IMAGES) as ImageName[]) {
        const key = imageKey(name);
        const value = str(key);
        const tag = imageTag(value);
        if (!value || /\s/.test(value)) fail(key, value, `must be an image reference such as ${DEFAULT_IMAGES[name]}`);
        else if (tag === undefined) fail(key, value, `has no tag; pin a version, e.g. ${DEFAULT_IMAGES[name]}`);
        else if (tag === "latest") fail(key, value, `uses "latest", which changes under you; pin a version, e.g. ${DEFAULT_IMAGES[name]}`);
        images[name] = value;
    }

    const replicas = {} as Record<ScalableService, number>;
    for (const name of SCALABLE_SERVICES) replicas[name] = int(replicasKey(name), 1);

    const rotation = int("rotation", 0);
    const issuedAt = int("jwtIssuedAt", 1);
    const apiKeyLifetimeDays = int("apiKeyLifetimeDays", 1);
    const jwtExpirySeconds = int("jwtExpirySeconds", 1);
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (issuedAt > nowSeconds + 300) fail("jwtIssuedAt", issuedAt, "lies in the future; services reject keys issued later than now. Use the current Unix time (`date +%s`)");
    if (issuedAt > 0 && apiKeyLifetimeDays > 0 && issuedAt + apiKeyLifetimeDays * 86400 <= nowSeconds) {
        fail("jwtIssuedAt", issuedAt, `with apiKeyLifetimeDays=${apiKeyLifetimeDays} the keys have already expired; set jwtIssuedAt to the current Unix time (\`date +%s\`) and bump rotation`);
    }
    const userJwtSecret = source.get("jwtSecret");
    if (userJwtSecret !== undefined && userJwtSecret !== "" && userJwtSecret.length < 32) {
        problems.push(`${source.project}:jwtSecret = [secret, ${userJwtSecret.length} characters]: must be at least 32 characters; unset it to have one generated`);
    }

    const kongIp = ipv4("kongLoadBalancerIp");
    const studioIp = ipv4("studioLoadBalancerIp");

    const storageBackend = str("storageBackend");
    if (storageBackend !== "file" && storageBackend !== "s3") fail("storageBackend", storageBackend, 'must be "file" or "s3"');
    let s3: PlatformConfig["storageApi"]["s3"];
    if (storageBackend === "s3") {
        const bucket = str("s3Bucket");
        if (!bucket) fail("s3Bucket", bucket, "is required when storageBackend is s3");
        const endpoint = str("s3Endpoint");
        if (endpoint) url("s3Endpoint");
        const accessKeyId = secretValue("s3AccessKeyId");
        const secretAccessKey = secretValue("s3SecretAccessKey");
        if (!accessKeyId) fail("s3AccessKeyId", "", "is required when storageBackend is s3: `pulumi config set --secret s3AccessKeyId ...`");
        if (!secretAccessKey) fail("s3SecretAccessKey", "", "is required when storageBackend is s3: `pulumi config set --secret s3SecretAccessKey ...`");
        s3 = {
            bucket, endpoint, region: str("s3Region"), forcePathStyle: bool("s3ForcePathStyle"),
            accessKeyId: accessKeyId ?? pulumi.secret(""), secretAccessKey: secretAccessKey ?? pulumi.secret(""),
        };
    } else if (replicas.storage > 1) {
        fail(replicasKey("storage"), replicas.storage, "the file backend lives on a ReadWriteOnce volume, so storage runs one replica; use storageBackend=s3 to scale it");
    }

    const smtpHost = str("smtpHost");
    let smtp: PlatformConfig["auth"]["smtp"];
    if (smtpHost) {
        const adminEmail = str("smtpAdminEmail");
        if (!/^[^@\s]+@[^@\s]+$/.test(adminEmail)) fail("smtpAdminEmail", adminEmail, "must be an e-mail address when smtpHost is set");
        smtp = { host: smtpHost, port: int("smtpPort", 1), user: str("smtpUser"), pass: secretValue("smtpPass"), adminEmail, senderName: str("smtpSenderName") };
    }
    const oauth: OAuthProviderConfig[] = [];
    for (const provider of OAUTH_PROVIDERS) {
        const clientId = str(oauthClientIdKey(provider));
        const secret = secretValue(oauthSecretKey(provider));
        if (clientId && !secret) fail(oauthSecretKey(provider), "", `is required when ${oauthClientIdKey(provider)} is set: \`pulumi config set --secret ${oauthSecretKey(provider)} ...\``);
        if (clientId && secret) oauth.push({ provider, clientId, secret });
    }
    const additionalRedirectUrls = list("additionalRedirectUrls");

    const adminMode = str("dbAdminEndpoint");
    const clientNamespaces = list("dbAdminClientNamespaces");
    for (const ns of clientNamespaces) {
        if (ns.length > 63 || !DNS_LABEL.test(ns)) fail("dbAdminClientNamespaces", ns, "each entry must be a namespace name (DNS-1123 label)");
    }
    let dbAdmin: PlatformConfig["dbAdmin"] = { mode: "cluster", clientNamespaces };
    const adminIp = ipv4("dbAdminLoadBalancerIp", true);
    if (adminMode === "port-forward") {
        const port = int("dbAdminPort", 1);
        if (port > 65535) fail("dbAdminPort", port, "must be a TCP port (1-65535)");
        dbAdmin = { mode: "port-forward", port };
    } else if (adminMode === "loadbalancer") {
        const sourceRanges = list("dbAdminSourceRanges");
        if (!adminIp) fail("dbAdminLoadBalancerIp", adminIp, "is required when dbAdminEndpoint is loadbalancer");
        if (sourceRanges.length === 0) fail("dbAdminSourceRanges", sourceRanges, "the admin LoadBalancer exposes the database; list the CIDRs allowed to reach it, e.g. [\"192.168.10.0/24\"]");
        for (const range of sourceRanges) {
            if (!isCidr(range)) fail("dbAdminSourceRanges", range, "each entry must be an IPv4 CIDR such as 192.168.10.0/24");
            else if (range.endsWith("/0")) fail("dbAdminSourceRanges", range, "opens the database to everyone; list only the networks that need it");
        }
        dbAdmin = { mode: "loadbalancer", ip: adminIp, sourceRanges };
    } else if (adminMode !== "cluster") {
        fail("dbAdminEndpoint", adminMode, 'must be "cluster", "port-forward" or "loadbalancer"');
    }

    const cron = (key: string, optional = false): string => {
        const value = str(key).trim();
        if (optional && value === "") return value;
        const fields = value.split(/\s+/);
        if (fields.length !== 5 || !fields.every((f) => /^[0-9*/,-]+$/.test(f))) {
            fail(key, value, 'must be a five-field cron expression such as "30 2 * * *"');
        }
        return value;
    };
    const backupTarget = str("backupTarget");
    if (backupTarget !== "pvc" && backupTarget !== "s3") fail("backupTarget", backupTarget, 'must be "pvc" or "s3"');
    let backupS3: BackupConfig["s3"];
    if (backupTarget === "s3") {
        const bucket = str("backupS3Bucket");
        if (!bucket) fail("backupS3Bucket", bucket, "is required when backupTarget is s3");
        if (str("backupS3Endpoint")) url("backupS3Endpoint");
        const accessKeyId = secretValue("backupS3AccessKeyId");
        const secretAccessKey = secretValue("backupS3SecretAccessKey");
        if (!accessKeyId) fail("backupS3AccessKeyId", "", "is required when backupTarget is s3: `pulumi config set --secret backupS3AccessKeyId ...`");
        if (!secretAccessKey) fail("backupS3SecretAccessKey", "", "is required when backupTarget is s3: `pulumi config set --secret backupS3SecretAccessKey ...`");
        backupS3 = {
            bucket, prefix: str("backupS3Prefix").replace(/^\/+|\/+$/g, ""), endpoint: str("backupS3Endpoint"), region: str("backupS3Region"),
            accessKeyId: accessKeyId ?? pulumi.secret(""), secretAccessKey: secretAccessKey ?? pulumi.secret(""),
        };
    }
    const uploaderImage = str("backupUploaderImage");
    const uploaderTag = imageTag(uploaderImage);
    if (!uploaderImage || uploaderTag === undefined || uploaderTag === "latest") {
        fail("backupUploaderImage", uploaderImage, "must be an image with a pinned tag, e.g. amazon/aws-cli:2.15.0");
    }
    const longhornBackupSchedule = cron("longhornBackupSchedule", true);
    const backup: BackupConfig = {
        schedule: cron("backupSchedule"),
        retain: int("backupRetain", 1),
        target: backupTarget === "s3" ? "s3" : "pvc",
        volumeSize: quantity("backupVolumeSize"),
        s3: backupS3,
        uploaderImage,
        longhorn: {
            namespace: dnsLabel("longhornNamespace"),
            snapshotSchedule: cron("longhornSnapshotSchedule"),
            snapshotRetain: int("longhornSnapshotRetain", 1),
            backupSchedule: longhornBackupSchedule === "" ? undefined : longhornBackupSchedule,
            backupRetain: int("longhornBackupRetain", 1),
        },
    };

    const lbIps: [string, string][] = [["kongLoadBalancerIp", kongIp], ["studioLoadBalancerIp", studioIp]];
    if (dbAdmin.mode === "loadbalancer" && adminIp) lbIps.push(["dbAdminLoadBalancerIp", adminIp]);
    for (let i = 0; i < lbIps.length; i++) {
        for (let j = i + 1; j < lbIps.length; j++) {
            if (lbIps[i][1] && lbIps[i][1] === lbIps[j][1]) {
                fail(lbIps[j][0], lbIps[j][1], `duplicates ${source.project}:${lbIps[i][0]}; every LoadBalancer needs its own IP`);
            }
        }
    }

    const config: PlatformConfig = {
        project: source.project,
        stack: source.stack,
        namespace,
        apps: appNames.map((name) => ({ name })),
        keys: { rotation, issuedAt, apiKeyLifetimeDays, jwtExpirySeconds, jwtSecret: secretValue("jwtSecret") },
        network: { kongIp, studioIp, createMetallbPool: bool("createMetallbPool"), metallbNamespace: dnsLabel("metallbNamespace") },
        storage: {
            storageClassName: dnsSubdomain("storageClassName"),
            createStorageClass: bool("createStorageClass"),
            longhornReplicas: int("longhornReplicas", 1),
        },
        postgres: {
            volumeSize: quantity("postgresVolumeSize"),
            configVolumeSize: quantity("postgresConfigVolumeSize"),
            memory: quantity("postgresMemory"),
            cpu: quantity("postgresCpu", false),
            maxConnections: int("postgresMaxConnections", 20),
        },
        images,
        replicas,
        auth: {
            siteUrl: url("siteUrl"),
            additionalRedirectUrls,
            disableSignup: bool("disableSignup"),
            enableEmailAutoconfirm: bool("enableEmailAutoconfirm"),
            smtp,
            oauth,
        },
        storageApi: {
            backend: storageBackend === "s3" ? "s3" : "file",
            volumeSize: quantity("storageVolumeSize"),
            fileSizeLimit: int("storageFileSizeLimit", 1),
            s3,
        },
        dbAdmin,
        backup,
    };
    for (const problem of appDefinitionProblems(appNames)) {
        problems.push(`${source.project}:apps: ${problem} (fix the app's file in components/database/apps/)`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
}
