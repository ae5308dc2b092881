// Storage (supabase/storage-api v0.43) with imgproxy beside it in the same pod, reached through
// Kong at /storage/v1. Objects live on a Longhorn volume or in an S3 bucket.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { Release } from "../../../releases";
import { imageTag, PlatformConfig } from "../../../config";
import { SERVICES, serviceUrl } from "../../endpoints";
import { scratchVolume, ServiceArgs, waitForDatabase } from "../../service-support";
import { plainEnv, restrictedContainerSecurity, Workload, workloadLabels } from "../../workload";
import { IMGPROXY_UID } from "../imgproxy/facts";
import { FILE_BACKEND_PATH, STORAGE_CLAIM_NAME, STORAGE_DB_POOL, STORAGE_MIGRATION_CONNECTIONS, STORAGE_UID } from "./facts";
import { storageEnv } from "./env";
import { imgproxyEnv } from "../imgproxy/env";

type EnvVar = k8s.types.input.core.v1.EnvVar;

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
