// PostgreSQL: supabase/postgres as a one-instance StatefulSet on Longhorn.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { PlatformConfig } from "../../../config";
import { longhornPvcLabels } from "../../backup-commands";
import { dataSubPath, PostgresMajorGuard, postgresMajorOf } from "../../database/major-guard";
import { SERVICES, serviceHost } from "../../endpoints";
import { SecretBundle } from "../../secrets";
import { Workload, workloadLabels } from "../../workload";
import { databaseSecurityContext, initScripts } from "./env";

const DATA_DIR = "/var/lib/postgresql/data";
const CUSTOM_CONFIG_DIR = "/etc/postgresql-custom";

export interface PostgresArgs {
    config: PlatformConfig;
    namespace: pulumi.Input<string>;
    bundle: SecretBundle;
    /** Wait for the StorageClass when the program creates it. */
    storageClass?: pulumi.Resource;
}

export class Postgres extends pulumi.ComponentResource {
    /** In-cluster host name of the database Service. */
    readonly host: string;
    readonly port: number = SERVICES.postgres.port;
    readonly workload: Workload;
    /** The StatefulSet: ready once PostgreSQL accepts connections. */
    readonly ready: pulumi.Resource;
    /** The PostgreSQL major the image runs (from its tag). */
    readonly major: number;
    /** Refuses a change of major on the existing data directory (see database/major-guard.ts). */
    readonly majorGuard: PostgresMajorGuard;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Postgres", name, {}, opts);
        const { config, bundle } = args;
        const serviceName = SERVICES.postgres.name;
        this.host = serviceHost("postgres", config.namespace);

        const initSql = new k8s.core.v1.ConfigMap(`${name}-init`, {
            metadata: { name: `${serviceName}-init-scripts`, namespace: args.namespace, labels: workloadLabels(serviceName, "database") },
            data: initScripts(config),
        }, { parent: this });

        const pgIsReady = (...flags: string[]) => ({ exec: { command: ["pg_isready", "-U", "postgres", ...flags] } });
        const image = config.images.postgres;
        this.major = postgresMajorOf(image);
        this.majorGuard = new PostgresMajorGuard(`${name}-major`, {
            major: this.major, image, allowUpgrade: config.postgres.allowMajorUpgrade,
        }, { parent: this });

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "database",
            kind: "StatefulSet",
            replicas: 1,
            checksums: [bundle.checksum("postgres")],
            // Long enough for a fast shutdown's checkpoint (the image stops on SIGINT).
            terminationGracePeriodSeconds: 120,
            // PSS exemption, written down: the image's entrypoint starts as root, takes ownership
            // of the data and config volumes, then drops to the postgres user with gosu. It needs
            // only the file-ownership and setuid capabilities for that; no privilege escalation.
            podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [{
                // A fresh volume on /etc/postgresql-custom would hide the image's files there;
                // seed it once from the image, as a Docker named volume would be.
                name: "seed-custom-config",
                image,
                command: ["sh", "-c", `cp -an ${CUSTOM_CONFIG_DIR}/. /seed/ && chown -R postgres:postgres /seed`],
                volumeMounts: [{ name: "postgres-config", mountPath: "/seed" }],
                securityContext: databaseSecurityContext(),
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
            }],
            containers: [{
                name: "postgres",
                image,
                args: [
                    "postgres",
                    "-c", "config_file=/etc/postgresql/postgresql.conf",
                    "-c", "log_min_messages=fatal",
                    "-c", `max_connections=${config.postgres.maxConnections}`,
                ],
                ports: [{ name: "postgres", containerPort: SERVICES.postgres.port }],
                env: [
                    ...bundle.env("postgres"),
                    bundle.envAs("postgres", "POSTGRES_PASSWORD", "PGPASSWORD"),
                    { name: "POSTGRES_HOST", value: "/var/run/postgresql" },
                    { name: "POSTGRES_DB", value: "postgres" },
                    { name: "PGPORT", value: String(SERVICES.postgres.port) },
                    { name: "POSTGRES_PORT", value: String(SERVICES.postgres.port) },
                    { name: "JWT_EXP", value: String(config.keys.jwtExpirySeconds) },
                ],
                // Crash recovery can replay WAL for minutes: a long startup budget, then a cheap
                // socket-only liveness check and a TCP readiness check.
                startupProbe: { ...pgIsReady("-h", "localhost"), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90 },
                readinessProbe: { ...pgIsReady("-h", "localhost"), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
                livenessProbe: { ...pgIsReady("-h", "/var/run/postgresql"), periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 6 },
                resources: {
                    requests: { cpu: config.postgres.cpu, memory: config.postgres.memory },
                    limits: { memory: config.postgres.memory },
                },
                securityContext: databaseSecurityContext(),
                volumeMounts: [
                    { name: "postgres-data", mountPath: DATA_DIR, subPath: dataSubPath(this.major) },
                    { name: "postgres-config", mountPath: CUSTOM_CONFIG_DIR },
                    ...Object.keys(initScripts(config)).map((file) => ({
                        name: "init-scripts",
                        mountPath: `/docker-entrypoint-initdb.d/init-scripts/${file}`,
                        subPath: file,
                        readOnly: true,
                    })),
                    { name: "shm", mountPath: "/dev/shm" },
                ],
            }],
            volumes: [
                { name: "init-scripts", configMap: { name: initSql.metadata.name } },
                { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
            ],
            volumeClaimTemplates: [
                claimTemplate("postgres-data", config.storage.storageClassName, config.postgres.volumeSize, config.namespace),
                claimTemplate("postgres-config", config.storage.storageClassName, config.postgres.configVolumeSize, config.namespace),
            ],
            servicePorts: [{ name: "postgres", port: SERVICES.postgres.port, targetPort: "postgres" }],
        }, { parent: this, dependsOn: [this.majorGuard, ...(args.storageClass ? [args.storageClass] : [])] });
        this.ready = this.workload.ready;
        this.registerOutputs({ host: this.host });
    }
}

// The recurring-job labels attach both volumes to the Longhorn snapshot/backup jobs (backup.ts).
function claimTemplate(name: string, storageClassName: string, size: string, namespace: string): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name, labels: { ...workloadLabels(SERVICES.postgres.name, "database"), ...longhornPvcLabels(namespace) } },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName,
            resources: { requests: { storage: size } },
        },
    };
}
