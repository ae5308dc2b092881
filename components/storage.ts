// Storage (supabase/storage-api v0.43) with imgproxy beside it in the same pod, reached through
// Kong at /storage/v1. Objects live on a Longhorn volume or in an S3 bucket.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { Release } from "../policies/rules/releases";
import { imageTag, PlatformConfig } from "../config";
import { SERVICES, serviceUrl } from "./endpoints";
import { scratchVolume, ServiceArgs, waitForDatabase } from "./service-support";
import { plainEnv, restrictedContainerSecurity, Workload, workloadLabels } from "./workload";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/**
 * UID/GID 1000: the program's choice, as hardening. The image (node:18-alpine) has no USER line and
 * would run as root (contracts/storage.ts); node:18-alpine is a floating tag, so no UID of its
 * `node` user is pinned. At v0.43.11 the app writes only to the file-backend path, a volume fsGroup
 * hands to this UID (the contract test's user rule checks it); /tmp is mounted for its dependencies.
 */
export const STORAGE_UID = 1000;
/** UID 999: imgproxy's Dockerfile runs `useradd -r -u 999 -g imgproxy imgproxy` and `USER 999`. */
export const IMGPROXY_UID = 999;

/** DATABASE_MAX_CONNECTIONS (v0.4x default 20), set explicitly for the connection budget. */
export const STORAGE_DB_POOL = 10;
/** The migration client storage-api opens at start, outside the pool. */
const STORAGE_MIGRATION_CONNECTIONS = 1;

/** Where the file backend keeps objects, as in the official compose. */
export const FILE_BACKEND_PATH = "/var/lib/storage";
/** Name of the file-backend claim (one volume, so one Deployment replica). */
export const STORAGE_CLAIM_NAME = "storage-data";

/**
 * Storage reaches imgproxy over the pod's loopback; imgproxy binds nowhere else. The URL names
 * the bound address itself: on node 18 "localhost" may resolve to ::1 first, where nothing listens.
 */
const IMGPROXY_PORT = SERVICES.imgproxy.port;
const IMGPROXY_LOOPBACK = "127.0.0.1";
export const IMGPROXY_LOCAL_URL = `http://${IMGPROXY_LOOPBACK}:${IMGPROXY_PORT}`;

/**
 * The first storage-api release whose POST /object/move checks the destination under the user's
 * RLS: "fix: rls check on move" (supabase/storage#400, commit 2af9fe9). Before it, the destination
 * row is written as the service role (issue #11), so the database layer installs a guard.
 */
export const STORAGE_MOVE_FIXED_IN: readonly [number, number, number] = [0, 48, 3];

/** `v0.43.11` → [0, 43, 11]; undefined for a tag that is not a release version. */
export function storageVersion(image: string): [number, number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:$|[-+])/.exec(imageTag(image) ?? "");
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True unless the image is known to carry the upstream fix: an unreadable tag counts as affected. */
export function storageMoveUnsafe(image: string): boolean {
    const v = storageVersion(image);
    if (!v) return true;
    for (let i = 0; i < 3; i++) if (v[i] !== STORAGE_MOVE_FIXED_IN[i]) return v[i] < STORAGE_MOVE_FIXED_IN[i];
    return false;
}

/** The non-secret environment of storage-api for the configured backend. */
export function storageEnv(config: PlatformConfig): EnvVar[] {
    const { storageApi } = config;
    // No POSTGREST_URL: v0.43.11 queries the database itself and reads no such variable.
    const env: Record<string, string> = {
        FILE_SIZE_LIMIT: String(storageApi.fileSizeLimit),
        STORAGE_BACKEND: storageApi.backend,
        TENANT_ID: "stub",
        DATABASE_MAX_CONNECTIONS: String(STORAGE_DB_POOL),
        ENABLE_IMAGE_TRANSFORMATION: "true",
        IMGPROXY_URL: IMGPROXY_LOCAL_URL,
        PORT: String(SERVICES.storage.port),
    };
    if (storageApi.s3) {
        const s3 = storageApi.s3;
        env.GLOBAL_S3_BUCKET = s3.bucket;
        env.REGION = s3.region;
        if (s3.endpoint) {
            env.GLOBAL_S3_ENDPOINT = s3.endpoint;
            // v1 reads the scheme from the endpoint URL and no longer reads GLOBAL_S3_PROTOCOL
            // (supabase/storage@v1.70.6:src/config.ts; contracts/storage-v1.74.0.ts).
            if (config.release === "seed") env.GLOBAL_S3_PROTOCOL = new URL(s3.endpoint).protocol.replace(":", "");
        }
        // Only "true" counts (src/config.ts:119); set either way so the manifest says which.
        env.GLOBAL_S3_FORCE_PATH_STYLE = String(s3.forcePathStyle);
    } else {
        env.FILE_STORAGE_BACKEND_PATH = FILE_BACKEND_PATH;
        // With the file backend the "bucket" is a directory under the path; names as in compose.
        env.GLOBAL_S3_BUCKET = "stub";
        env.REGION = "stub";
    }
    Object.assign(env, releaseEnv(config.release));
    return plainEnv(env);
}

/**
 * What storage-api v1 adds. Its S3-compatible endpoint is on unless turned off and would answer
 * for any request signed with S3_PROTOCOL_* keys, which the program does not issue: off, so no
 * second way into the buckets exists beside the JWT-checked API.
 */
function releaseEnv(release: Release): Record<string, string> {
    if (release === "seed") return {};
    return { S3_PROTOCOL_ENABLED: "false" };
}

/** imgproxy's env; v3.31 renamed WebP detection (IMGPROXY_ENABLE_WEBP_DETECTION is deprecated there). */
export function imgproxyEnv(release: Release): k8s.types.input.core.v1.EnvVar[] {
    return plainEnv({
        // Loopback only: imgproxy is unauthenticated and can read the whole volume.
        IMGPROXY_BIND: `${IMGPROXY_LOOPBACK}:${IMGPROXY_PORT}`,
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: "/",
        IMGPROXY_USE_ETAG: "true",
        ...(release === "seed" ? { IMGPROXY_ENABLE_WEBP_DETECTION: "true" } : { IMGPROXY_AUTO_WEBP: "true" }),
    });
}

export interface StorageArgs extends ServiceArgs {
    /** Wait for the StorageClass when the program creates it (file backend only). */
    storageClass?: pulumi.Resource;
}

export class Storage extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The file-backend claim; absent with S3. */
    readonly claim?: k8s.core.v1.PersistentVolumeClaim;
    /** The Deployment: ready once storage-api and imgproxy pass their readiness probes. */
    readonly ready: pulumi.Resource;
    /** In-cluster URL of the Storage Service. */
    readonly url: string;
    /** Connections storage-api may hold open: replicas × (pool + migration client). */
    readonly databaseConnections: number;

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Storage", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.storage;
        const fileBackend = config.storageApi.backend === "file";
        // config.ts refuses more than one replica on the file backend.
        const replicas = config.replicas.storage;

        if (fileBackend) {
            this.claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
                metadata: { name: STORAGE_CLAIM_NAME, namespace: args.namespace, labels: workloadLabels(serviceName, "storage") },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: config.storage.storageClassName,
                    resources: { requests: { storage: config.storageApi.volumeSize } },
                },
            }, { parent: this, dependsOn: args.storageClass ? [args.storageClass] : [] });
        }
        const dataMount = (readOnly: boolean) => fileBackend ? [{ name: "data", mountPath: FILE_BACKEND_PATH, readOnly }] : [];
        const status = { httpGet: { path: "/status", port: "http" } };
        const imgproxyHealth = { exec: { command: ["imgproxy", "health"] } };

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "storage",
            replicas,
            // A ReadWriteOnce volume cannot be attached to a surge pod on another node.
            strategy: fileBackend ? "Recreate" : "RollingUpdate",
            checksums: [bundle.checksum("storage")],
            // fsGroup gives both containers the volume's group: storage writes, imgproxy
            // (another UID) reads the originals it transforms.
            podSecurityContext: {
                runAsNonRoot: true,
                seccompProfile: { type: "RuntimeDefault" },
                fsGroup: STORAGE_UID,
                fsGroupChangePolicy: "OnRootMismatch",
            },
            initContainers: [waitForDatabase(config)],
            containers: [
                {
                    name: "storage",
                    image: config.images.storage,
                    ports: [{ name: "http", containerPort: port }],
                    env: [...storageEnv(config), ...bundle.env("storage")],
                    // Migrations of the storage schema run before the port opens.
                    startupProbe: { ...status, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
                    readinessProbe: { ...status, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                    livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                    securityContext: restrictedContainerSecurity(STORAGE_UID),
                    volumeMounts: [...dataMount(false), { name: "tmp", mountPath: "/tmp" }],
                },
                {
                    name: "imgproxy",
                    image: config.images.imgproxy,
                    env: imgproxyEnv(config.release),
                    // Bound to loopback, so the kubelet cannot reach it over HTTP; `imgproxy health`
                    // runs inside the container.
                    readinessProbe: { ...imgproxyHealth, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                    livenessProbe: { ...imgproxyHealth, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 },
                    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                    securityContext: restrictedContainerSecurity(IMGPROXY_UID),
                    volumeMounts: [
                        ...dataMount(true),
                        { name: "imgproxy-tmp", mountPath: "/tmp" },
                        // v3.31's image leaves the fontconfig cache writable for the process.
                        ...(config.release === "seed" ? [] : [{ name: "imgproxy-fontconfig", mountPath: "/var/cache/fontconfig" }]),
                    ],
                },
            ],
            volumes: [
                ...(this.claim ? [{ name: "data", persistentVolumeClaim: { claimName: this.claim.metadata.name } }] : []),
                scratchVolume("tmp", "1Gi"),
                scratchVolume("imgproxy-tmp"),
                ...(config.release === "seed" ? [] : [scratchVolume("imgproxy-fontconfig", "64Mi")]),
            ],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: [args.postgres.ready] });

        this.ready = this.workload.ready;
        this.url = serviceUrl("storage", config.namespace);
        this.databaseConnections = replicas * (STORAGE_DB_POOL + STORAGE_MIGRATION_CONNECTIONS);
        this.registerOutputs({ url: this.url });
    }
}
