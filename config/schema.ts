// The stack config, declared once. Every key: its kind, default, description and the rules its
// value must pass (as strict as whatever consumes it); then the rules across keys. Pulumi.yaml's
// `config:` block and the config reference (docs/config.md) are generated from KEYS (npm run config:sync),
// and PlatformConfig is the typed result of stackSchema() (config/platform.ts).
import { z } from "zod";
import { RELEASE_NAMES, ReleaseImages, RELEASES } from "../releases";
import { boolean, integer, list, oneOf, secret, text } from "./keys";
import {
    appSchemaName, byteSize, canonicalIp, cpuQuantity, cronSchedule, dnsLabel, dnsSubdomain, emailAddress, hostname,
    httpUrl, loadBalancerIp, minLength, noSpaces, optional, pinnedImage, platformNamespace, port, publicHostname, redirectUrl,
    s3BucketName, s3Endpoint, s3Prefix, s3Region, singleLine, sourceRange,
} from "./rules";

export const PROJECT_NAME = "supabase-platform";

/** Every workload's image comes from the stack's release (releases.ts), each overridable per stack. */
export const IMAGE_NAMES = ["postgres", "gotrue", "rest", "storage", "imgproxy", "meta", "studio", "kong", "realtime", "pooler"] as const satisfies readonly (keyof ReleaseImages)[];
export type ImageName = (typeof IMAGE_NAMES)[number];

/** Stateless services whose replica count is configurable (PostgreSQL is always one instance). */
export const SCALABLE_SERVICES = ["kong", "gotrue", "rest", "storage", "meta", "studio", "realtime", "pooler"] as const;
export type ScalableService = (typeof SCALABLE_SERVICES)[number];

export const OAUTH_PROVIDERS = ["google", "github", "gitlab", "azure"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

const capitalize = <S extends string>(s: S) => (s.charAt(0).toUpperCase() + s.slice(1)) as Capitalize<S>;
export const imageKey = <N extends ImageName>(name: N) => `${name}Image` as const;
export const replicasKey = <S extends ScalableService>(name: S) => `${name}Replicas` as const;
export const oauthClientIdKey = <P extends OAuthProvider>(p: P) => `oauth${capitalize(p)}ClientId` as const;
export const oauthSecretKey = <P extends OAuthProvider>(p: P) => `oauth${capitalize(p)}Secret` as const;

/** Builds one key per name, typed by the key each name gets. */
function keysFor<N extends string, K extends string, S>(names: readonly N[], keyOf: (n: N) => K, make: (n: N) => S): Record<K, S> {
    return Object.fromEntries(names.map((n) => [keyOf(n), make(n)])) as Record<K, S>;
}

const volume = (description: string, fallback: string) =>
    text({ default: fallback, description, rules: [byteSize(10 * 2 ** 20, "10Mi; a smaller filesystem cannot hold its own metadata")] });
const cron = (description: string, fallback: string) => text({ default: fallback, description, rules: [cronSchedule] });
const bucket = (description: string) => text({ description, rules: [optional(s3BucketName)] });
const setSecret = (key: string) => `\`pulumi config set --secret ${key} ...\``;

/** Per provider, its client id then its secret (the order Pulumi.yaml and docs/config.md list them). */
function oauthKeys() {
    const keys = {} as { [P in OAuthProvider as `oauth${Capitalize<P>}ClientId`]: ReturnType<typeof text> } & { [P in OAuthProvider as `oauth${Capitalize<P>}Secret`]: ReturnType<typeof secret> };
    for (const p of OAUTH_PROVIDERS) {
        keys[oauthClientIdKey(p)] = text({ description: `OAuth client id for ${p}; setting it enables the provider (with ${oauthSecretKey(p)}).`, rules: [noSpaces("an OAuth client id")] });
        keys[oauthSecretKey(p)] = secret({ description: `OAuth client secret for ${p} (secret).`, rules: [noSpaces("an OAuth client secret")] });
    }
    return keys;
}

const NOW = () => Math.floor(Date.now() / 1000);

export const KEYS = {
    release: oneOf(RELEASE_NAMES, { default: "v0.8.2", description: "The upstream release whose image set, configuration and keys the stack runs: v0.8.2 (self-hosted/v0.8.2, PostgreSQL 17, ES256 and opaque sb_ keys; the default for new stacks) or seed (mid-2024 pins, PostgreSQL 15, legacy keys; the default before, so a stack created then that never set release must pin it: pulumi config set release seed). A database created on one PostgreSQL major is not started on another; see allowPostgresMajorUpgrade." }),
    realtime: oneOf(["auto", "true", "false"], { default: "auto", description: "Deploy Realtime (database changes, broadcast and presence at /realtime/v1): true or false; auto follows the release (off in seed, on in v0.8.2)." }),
    // The connection pooler (PgBouncer) app repos reach the database through (components/services/pooler, docs/pooler.md).
    pooler: oneOf(["auto", "true", "false"], { default: "auto", description: "Deploy the connection pooler (PgBouncer: transaction mode on 6543, session mode on 5432) with a login role `<app>_login` per app: true or false; auto follows the release (off in seed, on in v0.8.2) and stays off when dbAdminEndpoint is none (the database layer makes the login roles). See docs/pooler.md." }),
    poolerTransactionDefaultPoolSize: integer({ default: 10, min: 1, max: 10000, description: "Pooler, transaction port: server connections per app login role (PgBouncer default_pool_size)." }),
    poolerTransactionMaxDbConnections: integer({ default: 10, min: 1, max: 10000, description: "Pooler, transaction port: server connections of one pooler pod in all (max_db_connections); counted in the connection budget per pod at rollout peak." }),
    poolerTransactionMaxClientConn: integer({ default: 200, min: 1, max: 100000, description: "Pooler, transaction port: client connections one pooler pod accepts (max_client_conn)." }),
    poolerSessionDefaultPoolSize: integer({ default: 5, min: 1, max: 10000, description: "Pooler, session port (migrations): server connections per app login role (default_pool_size)." }),
    poolerSessionMaxDbConnections: integer({ default: 5, min: 1, max: 10000, description: "Pooler, session port: server connections of one pooler pod in all (max_db_connections); counted in the connection budget." }),
    poolerSessionMaxClientConn: integer({ default: 50, min: 1, max: 100000, description: "Pooler, session port: client connections one pooler pod accepts (max_client_conn)." }),
    poolerEndpoint: oneOf(["cluster", "loadbalancer"], { default: "cluster", description: "Where apps reach the pooler: `cluster` (a ClusterIP Service; pods labelled `supabase-platform/pooler-client: \"true\"` in any namespace) or `loadbalancer` (also a MetalLB LoadBalancer on poolerLoadBalancerIp, limited to poolerSourceRanges)." }),
    poolerLoadBalancerIp: text({ description: "MetalLB IP of the pooler LoadBalancer (poolerEndpoint loadbalancer; ports 6543 and 5432).", rules: [optional(loadBalancerIp)] }),
    poolerSourceRanges: list("poolerSourceRanges", { description: "CIDRs allowed to reach the pooler LoadBalancer (required with poolerEndpoint loadbalancer, never 0.0.0.0/0).", rules: [sourceRange], unique: "each range once" }),
    allowPostgresMajorUpgrade: boolean({ default: false, description: "Let a change of release or postgresImage start a new PostgreSQL major on this stack: a fresh data volume beside the old one, into which the dump is restored (docs/runbooks/postgres-major-upgrade.md). Without it such a change is refused." }),
    namespace: text({ default: "supabase", description: "Kubernetes namespace for every Supabase workload (DNS-1123 label). Created with Pod Security Standards labels; never a system namespace (kube-*, default, longhorn-system, metallb-system, …).", rules: [dnsLabel, platformNamespace] }),
    apps: list("apps", { description: "App schemas (SQL identifiers) the platform hosts, e.g. [home_portal, money_tracker]. Each is exposed through PostgREST; Supabase's own schemas (auth, storage, public, …, pg_*) are refused.", rules: [appSchemaName], unique: "app names must be unique" }),
    rotation: integer({ default: 0, min: 0, description: "Bump to regenerate every generated secret (JWT secret, keys, passwords); every consumer rolls." }),
    signingKeyRotation: integer({ default: 0, min: 0, description: "Release v0.8.2: bump to sign with a new ES256 key. The previous keys stay in the JWKS (signingKeysRetained), so sessions they signed keep verifying until they expire." }),
    signingKeysRetained: integer({ default: 1, min: 1, max: 10, description: "Release v0.8.2: how many retired ES256 keys stay verifiable after a signingKeyRotation. Rotate again only once sessions signed by the oldest retained key have expired (jwtExpirySeconds)." }),
    apiKeyRotation: integer({ default: 0, min: 0, description: "Release v0.8.2: bump to issue new opaque sb_publishable_/sb_secret_ keys; the old ones stop working at once (e.g. after a leak). Signing keys and JWTs stay." }),
    jwtIssuedAt: integer({
        default: 1767225600, min: 1, description: "The `iat` (Unix seconds) of the anon and service_role keys. Fixed in config so the keys are identical on every run.",
        rules: [(iat) => (iat > NOW() + 300 ? "lies in the future; services reject keys issued later than now. Use the current Unix time (`date +%s`)" : undefined)],
    }),
    apiKeyLifetimeDays: integer({ default: 1825, min: 1, max: 36500, description: "Lifetime of the anon and service_role keys in days (`exp` = `iat` + this)." }),
    jwtExpirySeconds: integer({ default: 3600, min: 1, description: "Lifetime of user session JWTs issued by GoTrue, in seconds." }),
    jwtSecret: secret({ description: "Optional user-supplied JWT secret (at least 32 characters). Generated when unset.", rules: [minLength(32, "must be at least 32 characters; unset it to have one generated")] }),
    kongLoadBalancerIp: text({ default: "10.89.97.214", description: "MetalLB IP of the Kong gateway LoadBalancer (ports 8000/8443); IPv4 or IPv6, unicast.", rules: [loadBalancerIp] }),
    studioLoadBalancerIp: text({ default: "10.89.97.215", description: "MetalLB IP where the dashboard answers on port 3000 (behind Kong's basic-auth); differs from every other LoadBalancer IP.", rules: [loadBalancerIp] }),
    createMetallbPool: boolean({ default: false, description: "Create the MetalLB IPAddressPool <namespace>-pool and its L2Advertisement holding exactly the configured LoadBalancer IPs (/32 each, autoAssign false, this namespace only); they must then lie outside every existing pool, since MetalLB refuses overlapping pools. false: an existing pool must hold them." }),
    metallbNamespace: text({ default: "metallb-system", description: "Namespace MetalLB runs in (its CRs must live there).", rules: [dnsLabel] }),
    createStorageClass: boolean({ default: false, description: "Create the Longhorn StorageClass for the database (Retain, expandable, best-effort locality)." }),
    storageClassName: text({ default: "longhorn", description: "StorageClass of every PersistentVolumeClaim (DNS-1123 subdomain).", rules: [dnsSubdomain] }),
    longhornReplicas: integer({ default: 2, min: 1, max: 20, description: "Longhorn `numberOfReplicas` of a created StorageClass (Longhorn accepts 1-20)." }),
    postgresVolumeSize: text({ default: "20Gi", description: "Size of the PostgreSQL data volume (Kubernetes quantity, at least 1Gi).", rules: [byteSize(2 ** 30, "1Gi; the image's initdb and extensions need it")] }),
    postgresConfigVolumeSize: volume("Size of the volume persisting /etc/postgresql-custom (pgsodium root key).", "64Mi"),
    postgresMemory: text({ default: "2Gi", description: "Memory request and limit of PostgreSQL (Guaranteed QoS; at least 256Mi).", rules: [byteSize(256 * 2 ** 20, "256Mi; PostgreSQL with Supabase's extensions is OOM-killed below it")] }),
    postgresCpu: text({ default: "1", description: "CPU request of PostgreSQL (Kubernetes quantity, e.g. 1 or 500m).", rules: [cpuQuantity] }),
    postgresMaxConnections: integer({
        default: 0, min: 0, max: 262143, description: "PostgreSQL `max_connections`; the services' pools (× pods at rollout peak) must fit below it, minus 3 reserved and 10 for admin sessions. 0 takes the release's default: 100 in seed, 150 in v0.8.2 (its pooler and Realtime hold connections too).",
        rules: [(n) => (n !== 0 && n < 20 ? "must be 0 (the release's default) or at least 20" : undefined)],
    }),
    ...keysFor(IMAGE_NAMES, imageKey, (name) =>
        text({ description: `Image of ${name} (OCI reference, pinned tag or digest, never latest); empty takes the release's image (the table in releases.ts; docs/releases.md).`, rules: [optional(pinnedImage(RELEASES["v0.8.2"].images[name]))] })),
    ...keysFor(SCALABLE_SERVICES, replicasKey, (name) => integer({ default: 1, min: 1, max: 100, description: `Replicas of ${name}.` })),
    siteUrl: text({ default: "http://localhost:3000", description: "GoTrue SITE_URL: the app URL used in e-mail links and redirects.", rules: [httpUrl("https://app.example.com")] }),
    additionalRedirectUrls: list("additionalRedirectUrls", { description: "Extra redirect URLs GoTrue accepts (GOTRUE_URI_ALLOW_LIST): absolute URLs or globs such as https://*.example.com/**.", rules: [redirectUrl], unique: "each URL once" }),
    disableSignup: boolean({ default: false, description: "Refuse public sign-ups." }),
    enableEmailAutoconfirm: boolean({ default: false, description: "Confirm e-mail sign-ups without a confirmation mail." }),
    smtpHost: text({ description: "SMTP host for auth mails; empty disables SMTP.", rules: [optional(hostname)] }),
    smtpPort: integer({ default: 587, min: 1, max: 65535, description: "SMTP port.", rules: [port] }),
    smtpUser: text({ description: "SMTP user name (with smtpPass).", rules: [singleLine] }),
    smtpPass: secret({ description: "SMTP password (`pulumi config set --secret smtpPass ...`)." }),
    smtpAdminEmail: text({ description: "Sender address of auth mails (required with smtpHost).", rules: [optional(emailAddress)] }),
    smtpSenderName: text({ default: "Supabase", description: "Sender display name of auth mails.", rules: [singleLine], freeText: true }),
    ...oauthKeys(),
    storageBackend: oneOf(["file", "s3"], { default: "file", description: "Storage backend: `file` (Longhorn PVC shared with imgproxy) or `s3`." }),
    storageVolumeSize: volume("Size of the file-backend volume.", "10Gi"),
    storageFileSizeLimit: integer({ default: 52428800, min: 1, max: Number.MAX_SAFE_INTEGER, description: "Largest upload in bytes." }),
    s3Bucket: bucket("S3 bucket (s3 backend; S3 bucket naming rules)."),
    s3Endpoint: text({ description: "S3 endpoint URL; empty for AWS.", rules: [optional(s3Endpoint)] }),
    s3Region: text({ default: "us-east-1", description: "S3 region.", rules: [s3Region] }),
    s3ForcePathStyle: boolean({ default: true, description: "Path-style S3 URLs (MinIO and most self-hosted S3)." }),
    s3AccessKeyId: secret({ description: "S3 access key id (secret).", rules: [noSpaces("an access key id")] }),
    s3SecretAccessKey: secret({ description: "S3 secret access key (secret).", rules: [noSpaces("a secret access key")] }),
    dbAdminEndpoint: oneOf(["tunnel", "cluster", "port-forward", "loadbalancer", "none"], { default: "tunnel", description: "How `pulumi up` reaches PostgreSQL for the database layer: `tunnel` (the program port-forwards to pod postgres-0 through the Kubernetes API with the Kubernetes provider's credentials; needs `create` on `pods/portforward` in the namespace), `cluster` (pulumi runs in the cluster), `port-forward` (a loopback tunnel you run yourself, e.g. SSH to a bastion), `loadbalancer`, or `none` (this stack deploys the services but manages nothing inside PostgreSQL)." }),
    dbAdminTunnelPort: integer({ default: 0, min: 0, max: 65535, description: "Loopback port of the tunnel (tunnel mode); kept stable because the providers' host and port are stored in the state. 0 derives one from project and stack (20000-29999); else 1024-65535.", rules: [(p) => (p !== 0 && p < 1024 ? "must be 0 (derived) or 1024-65535, a port a non-root process can listen on" : undefined)] }),
    dbAdminPort: integer({ default: 5432, min: 1, max: 65535, description: "Local port of the loopback tunnel you run yourself (port-forward mode).", rules: [port] }),
    dbAdminLoadBalancerIp: text({ description: "MetalLB IP of the opt-in admin LoadBalancer (loadbalancer mode).", rules: [optional(loadBalancerIp)] }),
    dbAdminSourceRanges: list("dbAdminSourceRanges", { description: "CIDRs allowed to reach the admin LoadBalancer (required in loadbalancer mode, never 0.0.0.0/0).", rules: [sourceRange], unique: "each range once" }),
    dbAdminClientNamespaces: list("dbAdminClientNamespaces", { description: "cluster mode: namespaces (besides the platform's) whose pods labelled `supabase-platform/db-admin: \"true\"` may reach PostgreSQL, e.g. where the CI runner that runs `pulumi up` lives.", rules: [(ns) => (dnsLabel(ns) ? "each entry must be a namespace name (DNS-1123 label)" : undefined)], unique: "each namespace once" }),
    backupSchedule: cron("Cron schedule (UTC) of the logical dump CronJob (roles, `auth` and the app schemas): five fields or @daily-style macros, no TZ=.", "30 2 * * *"),
    backupRetain: integer({ default: 7, min: 1, max: 1000, description: "Logical dumps kept; older ones are deleted by the backup job itself." }),
    backupTarget: oneOf(["pvc", "s3"], { default: "pvc", description: "Where dumps go: `pvc` (a Longhorn volume in the namespace) or `s3` (uploaded to backupS3Bucket)." }),
    backupVolumeSize: volume("Size of the dump volume (pvc target); holds backupRetain dumps.", "10Gi"),
    backupS3Bucket: bucket("Bucket of the dumps (s3 target); keep it off-cluster."),
    backupS3Prefix: text({ default: "postgres", description: "Key prefix of the dumps in the bucket (s3 target).", rules: [s3Prefix] }),
    backupS3Endpoint: text({ description: "S3 endpoint URL of the dump bucket; empty for AWS.", rules: [optional(s3Endpoint)] }),
    backupS3Region: text({ default: "us-east-1", description: "Region of the dump bucket.", rules: [s3Region] }),
    backupS3AccessKeyId: secret({ description: "Access key id for the dump bucket (secret; s3 target).", rules: [noSpaces("an access key id")] }),
    backupS3SecretAccessKey: secret({ description: "Secret access key for the dump bucket (secret; s3 target).", rules: [noSpaces("a secret access key")] }),
    backupUploaderImage: text({ default: "amazon/aws-cli:2.15.0", description: "Image that uploads dumps to S3 (OCI reference, pinned tag or digest, never latest).", rules: [pinnedImage("amazon/aws-cli:2.15.0")] }),
    longhornNamespace: text({ default: "longhorn-system", description: "Namespace Longhorn runs in (its RecurringJobs must live there).", rules: [dnsLabel] }),
    longhornSnapshotSchedule: cron("Cron schedule of the Longhorn snapshot RecurringJob of the database volumes.", "0 * * * *"),
    longhornSnapshotRetain: integer({ default: 24, min: 1, max: 250, description: "Longhorn snapshots kept per database volume (Longhorn keeps at most 250)." }),
    longhornBackupSchedule: text({ default: "0 3 * * *", description: "Cron schedule of the Longhorn backup RecurringJob (needs a Longhorn backup target); empty disables it.", rules: [optional(cronSchedule)] }),
    longhornBackupRetain: integer({ default: 14, min: 1, max: 1000, description: "Longhorn backups kept per database volume." }),
    // HTTPS on the user's own hostnames (issue #23; docs/tls.md).
    environment: oneOf(["development", "production"], { default: "development", description: "What the stack is for. production labels the namespace platform.supabase.io/environment=production, and the policy pack then refuses a gateway that serves the API in clear (rule api-over-tls; docs/tls.md)." }),
    apiHostname: text({ description: "Public DNS name of the API (e.g. api.example.com). With tls set, apiUrl becomes https://<apiHostname>; with exposure ingress, the API's Ingress rule. Its DNS record is yours to create (the Kong LoadBalancer IP, or the ingress controller's).", rules: [optional(publicHostname)] }),
    studioHostname: text({ description: "Public DNS name of the dashboard (e.g. studio.example.com), distinct from apiHostname. With tls set, studioUrl becomes https://<studioHostname>.", rules: [optional(publicHostname)] }),
    tls: oneOf(["none", "secret", "cert-manager"], { default: "none", description: "TLS on the public hostnames: none (plain HTTP on the LoadBalancer IPs, as before), secret (a kubernetes.io/tls Secret you provide, named by tlsSecretName) or cert-manager (the program requests a cert-manager.io/v1 Certificate for both hostnames from tlsIssuerName and waits until it is Ready)." }),
    tlsSecretName: text({ description: "The kubernetes.io/tls Secret in the namespace holding the certificate for both hostnames: required with tls secret (you create it); with tls cert-manager, the Secret cert-manager writes (default supabase-tls).", rules: [optional(dnsSubdomain)] }),
    tlsIssuerName: text({ description: "tls cert-manager: the name of the cert-manager issuer that signs the certificate (yours to create, e.g. a Let's Encrypt ClusterIssuer).", rules: [optional(dnsSubdomain)] }),
    tlsIssuerKind: oneOf(["ClusterIssuer", "Issuer"], { default: "ClusterIssuer", description: "tls cert-manager: the kind of tlsIssuerName: ClusterIssuer (cluster-wide) or Issuer (in the platform's namespace)." }),
    hstsMaxAge: integer({ default: 31536000, min: 0, description: "With TLS: Strict-Transport-Security max-age in seconds on every gateway response (31536000 is one year; 0 tells browsers to forget an earlier HSTS)." }),
    exposure: oneOf(["loadbalancer", "ingress"], { default: "loadbalancer", description: "How the gateway is reached: loadbalancer (two MetalLB LoadBalancers: API and dashboard; with TLS on 443, and 80 redirecting) or ingress (an Ingress per hostname on ingressClassName instead of the LoadBalancers; with TLS, the ingress controller terminates it with the same Secret)." }),
    ingressClassName: text({ description: "exposure ingress: the IngressClass whose controller serves the Ingresses (e.g. traefik on k3s, nginx). Required: an Ingress without a class is served by the cluster's default class or by none.", rules: [optional(dnsSubdomain)] }),
    // Point-in-time recovery (docs/runbooks/pitr-restore.md): wal-g archives the WAL, a CronJob takes base backups.
    pitr: boolean({ default: false, description: "Point-in-time recovery: PostgreSQL archives every WAL segment with wal-g (archive_command) to pitrTarget, a CronJob takes a base backup on pitrBaseBackupSchedule and then enforces the retention, so the database can be restored to any second of the last pitrWindowDays into a new volume (docs/runbooks/pitr-restore.md). Needs a postgres image that ships wal-g, or pitrWalgImage." }),
    pitrTarget: oneOf(["s3", "volume"], { default: "s3", description: "Where the WAL archive and base backups go: `s3` (S3-compatible storage, pitrS3*; keep it off-cluster) or `volume` (a dedicated Longhorn volume of pitrVolumeSize, never the data volume; it shares the cluster's fate)." }),
    pitrS3Bucket: bucket("Bucket of the WAL archive (pitrTarget s3); one database per pitrS3Prefix."),
    pitrS3Prefix: text({ default: "postgres-pitr", description: "Key prefix of the WAL archive in the bucket (pitrTarget s3); never the bucket's root, one database per prefix.", rules: [s3Prefix] }),
    pitrS3Endpoint: text({ description: "S3 endpoint URL of the archive bucket; empty for AWS.", rules: [optional(s3Endpoint)] }),
    pitrS3Region: text({ default: "us-east-1", description: "Region of the archive bucket.", rules: [s3Region] }),
    pitrS3ForcePathStyle: boolean({ default: true, description: "Path-style S3 URLs for the archive (MinIO and most self-hosted S3)." }),
    pitrS3AccessKeyId: secret({ description: "Access key id for the archive bucket (secret; pitrTarget s3).", rules: [noSpaces("an access key id")] }),
    pitrS3SecretAccessKey: secret({ description: "Secret access key for the archive bucket (secret; pitrTarget s3).", rules: [noSpaces("a secret access key")] }),
    pitrVolumeSize: text({ default: "50Gi", description: "Size of the dedicated archive volume (pitrTarget volume): the base backups kept plus the WAL of the window.", rules: [byteSize(2 ** 30, "1Gi; one base backup of the image's empty database is larger")] }),
    pitrArchiveTimeoutSeconds: integer({ default: 300, min: 1, rules: [(n) => (n < 60 ? "must be at least 60: every timeout archives a whole 16 MiB segment, so shorter ones bloat the archive" : n > 3600 ? "must be at most 3600: it bounds how much of a quiet hour is lost with the volume" : undefined)], description: "archive_timeout: a partly filled WAL segment is archived after this many seconds, so a quiet database loses at most this much with its volume. Each timeout archives a whole 16 MiB segment (compressed), hence at least 60." }),
    pitrBaseBackupSchedule: cron("Cron schedule (UTC) of the base backup (wal-g backup-push) and the retention after it.", "0 1 * * *"),
    pitrRetainFullBackups: integer({ default: 2, min: 1, max: 1000, description: "Full base backups kept at least (2 survive one broken backup); the retention keeps more when the window needs them." }),
    pitrWindowDays: integer({ default: 7, min: 1, max: 3650, description: "Recovery window in days: every second this far back stays restorable. At least the time between two base backups." }),
    pitrWalgImage: text({ description: "An image holding a wal-g v2.0.1 binary on its PATH (with sh and cp) that runs in the postgres image; an init container copies it beside PostgreSQL. Required with pitr when the release's postgres image ships no wal-g (v0.8.2's 17.6.1.136); empty uses the image's own (seed).", rules: [optional(pinnedImage("registry.example.com/wal-g:v2.0.1"))] }),
    pitrKubectlImage: text({ default: "registry.k8s.io/kubectl:v1.30.0", description: "Image of the base-backup CronJob, which runs wal-g inside postgres-0 with `kubectl exec` (its Role allows exec on that pod only). Pinned tag or digest.", rules: [pinnedImage("registry.k8s.io/kubectl:v1.30.0")] }),
};

export type ConfigKey = keyof typeof KEYS;

/** Every key's value, decoded and checked one by one; the rules across keys come next. */
export const FIELDS = z.strictObject(KEYS);
export type StackValues = z.output<typeof FIELDS>;

export type Report = (key: ConfigKey, value: unknown, fix: string) => void;

/**
 * A rule across keys. Config's own are CROSS_RULES; the program adds the ones that need service
 * facts (components/program-rules.ts), so every problem is still reported together.
 */
export interface CrossRule {
    /** What it keeps from going wrong; runs only when every key it reads passed on its own. */
    name: string;
    keys: readonly ConfigKey[];
    check: (v: StackValues, report: Report) => void;
}

const requiredWhen = (v: StackValues, report: Report, when: string, keys: ConfigKey[], secrets: ConfigKey[] = []) => {
    for (const key of keys) if (v[key] === "") report(key, "", `is required when ${when}`);
    for (const key of secrets) if (v[key] === "") report(key, "", `is required when ${when}: ${setSecret(key)}`);
};

export const CROSS_RULES: CrossRule[] = [
    {
        name: "new-key settings need a release that has the new keys",
        keys: ["release", "signingKeyRotation", "signingKeysRetained", "apiKeyRotation"],
        check: (v, report) => {
            if (v.release !== "seed") return;
            const defaults = { signingKeyRotation: 0, signingKeysRetained: 1, apiKeyRotation: 0 } as const;
            for (const [key, fallback] of Object.entries(defaults) as [keyof typeof defaults, number][]) {
                if (v[key] !== fallback) report(key, v[key], `applies to the ES256 and opaque keys of release v0.8.2; release seed has only the legacy HS256 keys (bump rotation instead), so unset it or set release to v0.8.2`);
            }
        },
    },
    {
        name: "API keys still valid",
        keys: ["jwtIssuedAt", "apiKeyLifetimeDays"],
        check: (v, report) => {
            if (v.jwtIssuedAt + v.apiKeyLifetimeDays * 86400 <= NOW()) {
                report("jwtIssuedAt", v.jwtIssuedAt, `with apiKeyLifetimeDays=${v.apiKeyLifetimeDays} the keys have already expired; set jwtIssuedAt to the current Unix time (\`date +%s\`) and bump rotation`);
            }
        },
    },
    {
        name: "every LoadBalancer its own IP",
        keys: ["kongLoadBalancerIp", "studioLoadBalancerIp", "dbAdminLoadBalancerIp", "dbAdminEndpoint"],
        check: (v, report) => {
            const ips: [ConfigKey, string][] = [["kongLoadBalancerIp", v.kongLoadBalancerIp], ["studioLoadBalancerIp", v.studioLoadBalancerIp]];
            if (v.dbAdminEndpoint === "loadbalancer" && v.dbAdminLoadBalancerIp) ips.push(["dbAdminLoadBalancerIp", v.dbAdminLoadBalancerIp]);
            ips.forEach(([key, ip], j) => {
                const first = ips.findIndex(([, other]) => canonicalIp(other) === canonicalIp(ip));
                if (first < j) report(key, ip, `duplicates ${PROJECT_NAME}:${ips[first][0]}; every LoadBalancer needs its own IP`);
            });
        },
    },
    {
        name: "platform namespace apart from MetalLB's and Longhorn's",
        keys: ["namespace", "metallbNamespace", "longhornNamespace"],
        check: (v, report) => {
            for (const other of ["metallbNamespace", "longhornNamespace"] as const) {
                if (v.namespace === v[other]) report("namespace", v.namespace, `is also ${PROJECT_NAME}:${other}; the platform creates and deletes its namespace, so give it its own`);
            }
        },
    },
    {
        name: "the file backend runs one storage replica",
        keys: ["storageBackend", "storageReplicas"],
        check: (v, report) => {
            if (v.storageBackend === "file" && v.storageReplicas > 1) {
                report("storageReplicas", v.storageReplicas, "the file backend lives on a ReadWriteOnce volume, so storage runs one replica; use storageBackend=s3 to scale it");
            }
        },
    },
    {
        name: "the s3 backend has a bucket and keys",
        keys: ["storageBackend", "s3Bucket", "s3AccessKeyId", "s3SecretAccessKey"],
        check: (v, report) => {
            if (v.storageBackend === "s3") requiredWhen(v, report, "storageBackend is s3", ["s3Bucket"], ["s3AccessKeyId", "s3SecretAccessKey"]);
        },
    },
    {
        name: "the s3 backup target has a bucket and keys",
        keys: ["backupTarget", "backupS3Bucket", "backupS3AccessKeyId", "backupS3SecretAccessKey"],
        check: (v, report) => {
            if (v.backupTarget === "s3") requiredWhen(v, report, "backupTarget is s3", ["backupS3Bucket"], ["backupS3AccessKeyId", "backupS3SecretAccessKey"]);
        },
    },
    {
        name: "the s3 PITR target has a bucket and keys",
        keys: ["pitr", "pitrTarget", "pitrS3Bucket", "pitrS3AccessKeyId", "pitrS3SecretAccessKey"],
        check: (v, report) => {
            if (v.pitr && v.pitrTarget === "s3") requiredWhen(v, report, "pitr is on with pitrTarget s3", ["pitrS3Bucket"], ["pitrS3AccessKeyId", "pitrS3SecretAccessKey"]);
        },
    },
    {
        name: "SMTP has a sender, and a password only with a user",
        keys: ["smtpHost", "smtpAdminEmail", "smtpUser", "smtpPass"],
        check: (v, report) => {
            if (!v.smtpHost) return;
            if (!v.smtpAdminEmail) report("smtpAdminEmail", "", "is required when smtpHost is set: the From address of auth mails, e.g. no-reply@example.com");
            if (v.smtpPass && !v.smtpUser) report("smtpUser", "", "is required when smtpPass is set; GoTrue authenticates with both");
        },
    },
    {
        name: "an OAuth provider has both its client id and secret",
        keys: OAUTH_PROVIDERS.flatMap((p) => [oauthClientIdKey(p), oauthSecretKey(p)]),
        check: (v, report) => {
            for (const p of OAUTH_PROVIDERS) {
                const [id, key] = [oauthClientIdKey(p), oauthSecretKey(p)];
                if (v[id] && !v[key]) report(key, "", `is required when ${id} is set: ${setSecret(key)}`);
                if (!v[id] && v[key]) report(id, "", `is required when ${key} is set; without it the provider stays off`);
            }
        },
    },
    {
        name: "the admin LoadBalancer has an IP and source ranges",
        keys: ["dbAdminEndpoint", "dbAdminLoadBalancerIp", "dbAdminSourceRanges"],
        check: (v, report) => {
            if (v.dbAdminEndpoint !== "loadbalancer") return;
            if (!v.dbAdminLoadBalancerIp) report("dbAdminLoadBalancerIp", "", "is required when dbAdminEndpoint is loadbalancer");
            if (v.dbAdminSourceRanges.length === 0) {
                report("dbAdminSourceRanges", [], "the admin LoadBalancer exposes the database; list the CIDRs allowed to reach it, e.g. [\"192.168.10.0/24\"]");
            }
        },
    },
    {
        // HTTPS on the user's own hostnames (issue #23; docs/tls.md).
        name: "TLS and exposure have what they need",
        keys: ["tls", "apiHostname", "studioHostname", "tlsSecretName", "tlsIssuerName", "tlsIssuerKind", "hstsMaxAge", "exposure", "ingressClassName"],
        check: (v, report) => {
            const tlsOn = v.tls !== "none";
            const ingress = v.exposure === "ingress";
            const hostnames = ["apiHostname", "studioHostname"] as const;
            if (tlsOn || ingress) {
                const why = tlsOn ? `tls is ${v.tls}: the certificate and the https:// URLs name it` : "exposure is ingress: each Ingress rule matches a hostname";
                for (const key of hostnames) if (!v[key]) report(key, "", `is required when ${why}; e.g. pulumi config set ${key} ${key === "apiHostname" ? "api" : "studio"}.example.com`);
            } else {
                for (const key of hostnames) if (v[key]) report(key, v[key], "is served only with TLS or an ingress; set tls (secret or cert-manager) or exposure ingress, or unset it");
            }
            if (v.apiHostname && v.apiHostname === v.studioHostname) {
                report("studioHostname", v.studioHostname, "equals apiHostname; the API and the dashboard need a hostname each (one DNS name cannot point at two LoadBalancers or Ingress rules)");
            }
            if (v.tls === "secret" && !v.tlsSecretName) report("tlsSecretName", "", "is required when tls is secret: the kubernetes.io/tls Secret in the namespace holding a certificate for both hostnames");
            if (v.tls === "cert-manager" && !v.tlsIssuerName) report("tlsIssuerName", "", "is required when tls is cert-manager: the cert-manager ClusterIssuer (or Issuer, with tlsIssuerKind) that signs the certificate");
            if (v.tls !== "cert-manager") {
                if (v.tlsIssuerName) report("tlsIssuerName", v.tlsIssuerName, "applies only to tls cert-manager; set tls cert-manager or unset it");
                if (v.tlsIssuerKind !== "ClusterIssuer") report("tlsIssuerKind", v.tlsIssuerKind, "applies only to tls cert-manager; set tls cert-manager or unset it");
            }
            if (v.tls === "none" && v.tlsSecretName) report("tlsSecretName", v.tlsSecretName, "applies only with tls secret or cert-manager; set tls or unset it");
            if (!tlsOn && v.hstsMaxAge !== 31536000) report("hstsMaxAge", v.hstsMaxAge, "applies only with TLS (a browser ignores HSTS over plain HTTP); set tls or unset it");
            if (ingress && !v.ingressClassName) report("ingressClassName", "", "is required when exposure is ingress; name your controller's IngressClass (kubectl get ingressclass), e.g. traefik on k3s");
            if (!ingress && v.ingressClassName) report("ingressClassName", v.ingressClassName, "applies only to exposure ingress; set exposure ingress or unset it");
        },
    },
];

/** The whole stack config: every key on its own, then config's rules across keys and the program's. */
export function stackSchema(programRules: readonly CrossRule[] = []) {
    return FIELDS.superRefine((v, ctx) => {
        const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]));
        for (const rule of [...CROSS_RULES, ...programRules]) {
            if (rule.keys.some((key) => failed.has(key))) continue;
            rule.check(v, (key, value, fix) => ctx.addIssue({ code: "custom", path: [key], message: fix, input: value }));
        }
    }, { when: () => true });
}
