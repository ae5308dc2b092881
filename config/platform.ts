// The checked stack values grouped the way the components read them; PlatformConfig is this
// function's result type, so the shape is written once. Secret values become secret Outputs here.
import * as pulumi from "@pulumi/pulumi";
import { Release, RELEASES } from "../releases";
import {
    IMAGE_NAMES, ImageName, imageKey, OAUTH_PROVIDERS, oauthClientIdKey, oauthSecretKey, replicasKey, SCALABLE_SERVICES,
    ScalableService, StackValues,
} from "./schema";
import { tunnelPort } from "./tunnel-port";

/** `realtime: auto` follows the release: off in the seed (unchanged), on from v0.8.2 as upstream ships it. */
export function realtimeDeployed(setting: "auto" | "true" | "false", release: Release): boolean {
    return setting === "auto" ? release !== "seed" : setting === "true";
}

/** PostgreSQL's max_connections when the stack leaves postgresMaxConnections at 0: per release. */
export const DEFAULT_MAX_CONNECTIONS: Record<Release, number> = {
    // The seed's stacks keep the image's default, so their rendered database does not change.
    seed: 100,
    // v0.8.2 deploys Realtime and the pooler by default; their 30 + 30 connections at rollout peak
    // do not fit 100 beside the API services (docs/pooler.md "Connection budget").
    "v0.8.2": 150,
};

/** The max_connections a stack runs: its setting, or its release's default when 0. */
export function maxConnectionsOf(v: { postgresMaxConnections: number; release: Release }): number {
    return v.postgresMaxConnections === 0 ? DEFAULT_MAX_CONNECTIONS[v.release] : v.postgresMaxConnections;
}

/**
 * `pooler: auto` follows the release (off in the seed, on from v0.8.2), and stays off where no
 * database layer runs (dbAdminEndpoint none): the layer makes the app login roles the pooler serves.
 */
export function poolerDeployed(v: { pooler: "auto" | "true" | "false"; release: Release; dbAdminEndpoint: string }): boolean {
    return v.pooler === "auto" ? v.release !== "seed" && v.dbAdminEndpoint !== "none" : v.pooler === "true";
}

/** The pooler's settings, or undefined when it is not deployed. */
function poolerOf(v: StackValues) {
    if (!poolerDeployed(v)) return undefined;
    return {
        replicas: v.poolerReplicas,
        sizes: {
            transaction: { defaultPoolSize: v.poolerTransactionDefaultPoolSize, maxDbConnections: v.poolerTransactionMaxDbConnections, maxClientConn: v.poolerTransactionMaxClientConn },
            session: { defaultPoolSize: v.poolerSessionDefaultPoolSize, maxDbConnections: v.poolerSessionMaxDbConnections, maxClientConn: v.poolerSessionMaxClientConn },
        },
        endpoint: v.poolerEndpoint === "loadbalancer"
            ? { mode: "loadbalancer" as const, ip: v.poolerLoadBalancerIp, sourceRanges: v.poolerSourceRanges }
            : { mode: "cluster" as const },
    };
}

const secretOrUndefined = (value: string) => (value === "" ? undefined : pulumi.secret(value));

function dbAdminOf(v: StackValues, project: string, stack: string) {
    switch (v.dbAdminEndpoint) {
        case "tunnel":
            return { mode: "tunnel" as const, port: tunnelPort(v.dbAdminTunnelPort, project, stack) };
        case "port-forward":
            return { mode: "port-forward" as const, port: v.dbAdminPort };
        case "loadbalancer":
            return { mode: "loadbalancer" as const, ip: v.dbAdminLoadBalancerIp, sourceRanges: v.dbAdminSourceRanges };
        case "cluster":
            return { mode: "cluster" as const, clientNamespaces: v.dbAdminClientNamespaces };
        case "none":
            return { mode: "none" as const };
    }
}

/** The Secret cert-manager writes when tlsSecretName is unset. */
export const DEFAULT_TLS_SECRET = "supabase-tls";

/** The certificate's source: none, a Secret the user provides, or a Certificate the program requests. */
export type TlsSetting =
    | { mode: "none" }
    | { mode: "secret"; secretName: string }
    | { mode: "cert-manager"; secretName: string; issuer: { name: string; kind: "ClusterIssuer" | "Issuer" } };

function edgeOf(v: StackValues) {
    const tls: TlsSetting = v.tls === "secret" ? { mode: "secret", secretName: v.tlsSecretName }
        : v.tls === "cert-manager" ? { mode: "cert-manager", secretName: v.tlsSecretName || DEFAULT_TLS_SECRET, issuer: { name: v.tlsIssuerName, kind: v.tlsIssuerKind } }
        : { mode: "none" };
    return {
        exposure: v.exposure === "ingress" ? { mode: "ingress" as const, className: v.ingressClassName } : { mode: "loadbalancer" as const },
        /** Both set whenever tls is on or exposure is ingress (config's cross rules); undefined otherwise. */
        hostnames: v.apiHostname && v.studioHostname ? { api: v.apiHostname, studio: v.studioHostname } : undefined,
        tls,
        hstsMaxAge: v.hstsMaxAge,
    };
}

export function toPlatformConfig(v: StackValues, project: string, stack: string) {
    return {
        project,
        stack,
        namespace: v.namespace,
        /** Each app's schema name; also its PostgREST profile. */
        apps: v.apps.map((name) => ({ name })),
        keys: {
            rotation: v.rotation,
            issuedAt: v.jwtIssuedAt,
            apiKeyLifetimeDays: v.apiKeyLifetimeDays,
            jwtExpirySeconds: v.jwtExpirySeconds,
            /** Release v0.8.2: a new ES256 signing key per bump; `retainedSigningKeys` old ones still verify. */
            signingKeyRotation: v.signingKeyRotation,
            retainedSigningKeys: v.signingKeysRetained,
            /** Release v0.8.2: new opaque sb_ keys per bump. */
            apiKeyRotation: v.apiKeyRotation,
            /** A user-supplied JWT secret; generated when undefined. */
            jwtSecret: secretOrUndefined(v.jwtSecret),
        },
        network: {
            kongIp: v.kongLoadBalancerIp,
            studioIp: v.studioLoadBalancerIp,
            createMetallbPool: v.createMetallbPool,
            metallbNamespace: v.metallbNamespace,
        },
        storage: {
            storageClassName: v.storageClassName,
            createStorageClass: v.createStorageClass,
            longhornReplicas: v.longhornReplicas,
        },
        postgres: {
            volumeSize: v.postgresVolumeSize,
            configVolumeSize: v.postgresConfigVolumeSize,
            memory: v.postgresMemory,
            cpu: v.postgresCpu,
            maxConnections: maxConnectionsOf(v),
            /** A change of PostgreSQL major on an existing volume is refused unless this is set. */
            allowMajorUpgrade: v.allowPostgresMajorUpgrade,
        },
        /** The upstream release the stack runs; each service reads its release's differences from it. */
        release: v.release,
        /** Realtime is deployed (config `realtime`, or the release's default when `auto`). */
        realtime: { enabled: realtimeDeployed(v.realtime, v.release) },
        /** The connection pooler (config `pooler`); undefined when it is not deployed. */
        pooler: poolerOf(v),
        /** Each workload's image: the stack's override, else the release's pin. */
        images: Object.fromEntries(IMAGE_NAMES.map((n) => [n, v[imageKey(n)] || RELEASES[v.release].images[n]])) as Record<ImageName, string>,
        replicas: Object.fromEntries(SCALABLE_SERVICES.map((s) => [s, v[replicasKey(s)]])) as Record<ScalableService, number>,
        auth: {
            siteUrl: v.siteUrl,
            additionalRedirectUrls: v.additionalRedirectUrls,
            disableSignup: v.disableSignup,
            enableEmailAutoconfirm: v.enableEmailAutoconfirm,
            smtp: v.smtpHost === "" ? undefined : {
                host: v.smtpHost,
                port: v.smtpPort,
                user: v.smtpUser,
                pass: secretOrUndefined(v.smtpPass),
                adminEmail: v.smtpAdminEmail,
                senderName: v.smtpSenderName,
            },
            oauth: OAUTH_PROVIDERS.flatMap((provider) => {
                const clientId = v[oauthClientIdKey(provider)];
                return clientId === "" ? [] : [{ provider, clientId, secret: pulumi.secret(v[oauthSecretKey(provider)]) }];
            }),
        },
        storageApi: {
            backend: v.storageBackend,
            volumeSize: v.storageVolumeSize,
            fileSizeLimit: v.storageFileSizeLimit,
            s3: v.storageBackend !== "s3" ? undefined : {
                bucket: v.s3Bucket,
                endpoint: v.s3Endpoint,
                region: v.s3Region,
                forcePathStyle: v.s3ForcePathStyle,
                accessKeyId: pulumi.secret(v.s3AccessKeyId),
                secretAccessKey: pulumi.secret(v.s3SecretAccessKey),
            },
        },
        /** Logical dumps (CronJob) and Longhorn RecurringJobs of the database volumes (components/backup.ts). */
        backup: {
            schedule: v.backupSchedule,
            retain: v.backupRetain,
            target: v.backupTarget,
            volumeSize: v.backupVolumeSize,
            s3: v.backupTarget !== "s3" ? undefined : {
                bucket: v.backupS3Bucket,
                prefix: v.backupS3Prefix.replace(/^\/+|\/+$/g, ""),
                endpoint: v.backupS3Endpoint,
                region: v.backupS3Region,
                accessKeyId: pulumi.secret(v.backupS3AccessKeyId),
                secretAccessKey: pulumi.secret(v.backupS3SecretAccessKey),
            },
            uploaderImage: v.backupUploaderImage,
            longhorn: {
                namespace: v.longhornNamespace,
                snapshotSchedule: v.longhornSnapshotSchedule,
                snapshotRetain: v.longhornSnapshotRetain,
                /** Undefined when longhornBackupSchedule is empty. */
                backupSchedule: v.longhornBackupSchedule === "" ? undefined : v.longhornBackupSchedule,
                backupRetain: v.longhornBackupRetain,
            },
        },
        dbAdmin: dbAdminOf(v, project, stack),
        /** production: the namespace is labelled so, and the policy pack holds the gateway to TLS (docs/tls.md). */
        environment: v.environment,
        /** How the gateway is reached from outside, on which hostnames, with which certificate (docs/tls.md). */
        edge: edgeOf(v),
        /** Point-in-time recovery (components/services/postgres/pitr); undefined when `pitr` is off. */
        pitr: pitrOf(v),
    };
}

function pitrOf(v: StackValues) {
    if (!v.pitr) return undefined;
    return {
        target: v.pitrTarget,
        s3: v.pitrTarget !== "s3" ? undefined : {
            bucket: v.pitrS3Bucket,
            prefix: v.pitrS3Prefix.replace(/^\/+|\/+$/g, ""),
            endpoint: v.pitrS3Endpoint,
            region: v.pitrS3Region,
            forcePathStyle: v.pitrS3ForcePathStyle,
            accessKeyId: pulumi.secret(v.pitrS3AccessKeyId),
            secretAccessKey: pulumi.secret(v.pitrS3SecretAccessKey),
        },
        volumeSize: v.pitrVolumeSize,
        archiveTimeoutSeconds: v.pitrArchiveTimeoutSeconds,
        baseBackupSchedule: v.pitrBaseBackupSchedule,
        retainFullBackups: v.pitrRetainFullBackups,
        windowDays: v.pitrWindowDays,
        /** An image with wal-g on its PATH, copied beside PostgreSQL; undefined uses the postgres image's own. */
        walgImage: v.pitrWalgImage === "" ? undefined : v.pitrWalgImage,
        kubectlImage: v.pitrKubectlImage,
    };
}

export type PlatformConfig = ReturnType<typeof toPlatformConfig>;
export type AppConfig = PlatformConfig["apps"][number];
export type BackupConfig = PlatformConfig["backup"];
export type PitrConfig = NonNullable<PlatformConfig["pitr"]>;
export type OAuthProviderConfig = PlatformConfig["auth"]["oauth"][number];
export type EdgeConfig = PlatformConfig["edge"];
export type PoolerConfig = NonNullable<PlatformConfig["pooler"]>;
