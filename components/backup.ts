// Backups of the database, in two layers (security-and-reliability.md §6.1):
// - Longhorn RecurringJobs: crash-consistent snapshots (and backups to Longhorn's backup target)
//   of the database volumes, which the PVC labels in postgres.ts attach to the job group.
// - A logical dump CronJob: roles, auth, storage and the app schemas, portable and restorable
//   into a fresh platform (docs/runbooks/restore.md). Written to a PVC or uploaded to S3.
// Neither layer holds the pgsodium root key or the generated secrets: see the runbook.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { dumpCommand, longhornGroup, longhornJobNames, restoreScript, uploadCommand } from "./backup-commands";
import { SERVICES } from "./endpoints";
import { SecretBundle } from "./secrets";
import { nightlyCronSpec, restrictedContainerSecurity, workloadLabels } from "./workload";

type Container = k8s.types.input.core.v1.Container;

/** Unprivileged uid of the backup pods; fsGroup makes the dump volume writable for it. */
const BACKUP_UID = 65532;
const BACKUP_NAME = "postgres-backup";

export interface BackupArgs {
    config: PlatformConfig;
    namespace: pulumi.Input<string>;
    /** Supplies the backup Secret (database password, S3 credentials). */
    bundle: SecretBundle;
    /** In-cluster host of the database the dumps read. */
    databaseHost: string;
}

export class Backup extends pulumi.ComponentResource {
    readonly cronJob: k8s.batch.v1.CronJob;
    /** Holds backup.sh and restore.sh; the restore runbook runs restore.sh from here. */
    readonly scripts: k8s.core.v1.ConfigMap;
    readonly recurringJobs: k8s.apiextensions.CustomResource[] = [];

    constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Backup", name, {}, opts);
        const { config, bundle } = args;
        const backup = config.backup;
        const labels = workloadLabels(BACKUP_NAME, "backup");
        const apps = config.apps.map((a) => a.name);

        const jobNames = longhornJobNames(config.namespace);
        const recurring = (id: string, jobName: string, task: "snapshot" | "backup", cron: string, retain: number) =>
            new k8s.apiextensions.CustomResource(`${name}-${id}`, {
                apiVersion: "longhorn.io/v1beta2",
                kind: "RecurringJob",
                metadata: { name: jobName, namespace: backup.longhorn.namespace, labels },
                spec: { name: jobName, task, cron, retain, concurrency: 1, groups: [longhornGroup(config.namespace)], labels: { "app.kubernetes.io/part-of": "supabase" } },
            }, { parent: this });
        this.recurringJobs.push(recurring("snapshot", jobNames.snapshot, "snapshot", backup.longhorn.snapshotSchedule, backup.longhorn.snapshotRetain));
        if (backup.longhorn.backupSchedule) {
            this.recurringJobs.push(recurring("longhorn-backup", jobNames.backup, "backup", backup.longhorn.backupSchedule, backup.longhorn.backupRetain));
        }

        this.scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, {
            metadata: { name: `${BACKUP_NAME}-scripts`, namespace: args.namespace, labels },
            data: { "backup.sh": dumpCommand(apps)[2], "restore.sh": restoreScript(apps) },
        }, { parent: this });

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: BACKUP_NAME, namespace: args.namespace, labels },
            automountServiceAccountToken: false,
        }, { parent: this });

        const toS3 = backup.target === "s3" && backup.s3 !== undefined;
        let dumpVolume: k8s.types.input.core.v1.Volume;
        if (toS3) {
            dumpVolume = { name: "backups", emptyDir: { sizeLimit: backup.volumeSize } };
        } else {
            const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-volume`, {
                metadata: { name: `${BACKUP_NAME}s`, namespace: args.namespace, labels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: config.storage.storageClassName,
                    resources: { requests: { storage: backup.volumeSize } },
                },
            }, { parent: this });
            dumpVolume = { name: "backups", persistentVolumeClaim: { claimName: claim.metadata.name } };
        }

        const mounts = [
            { name: "backups", mountPath: "/backups" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "scripts", mountPath: "/scripts", readOnly: true },
        ];
        const dump: Container = {
            name: "pg-dump",
            image: config.images.postgres,
            command: dumpCommand(apps),
            env: [
                { name: "PGHOST", value: args.databaseHost },
                { name: "PGPORT", value: String(SERVICES.postgres.port) },
                // The image's superuser: it can read every schema, role attribute and RLS-protected row.
                { name: "PGUSER", value: "supabase_admin" },
                { name: "PGDATABASE", value: "postgres" },
                bundle.envAs("backup", "POSTGRES_PASSWORD", "PGPASSWORD"),
                { name: "BACKUP_DIR", value: "/backups" },
                // With S3 the pod's scratch volume holds only this run's dump; S3 keeps the history.
                { name: "BACKUP_RETAIN", value: String(toS3 ? 1 : backup.retain) },
                { name: "HOME", value: "/tmp" },
            ],
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            securityContext: restrictedContainerSecurity(BACKUP_UID),
            volumeMounts: mounts,
        };
        const upload: Container | undefined = toS3 ? {
            name: "upload",
            image: backup.uploaderImage,
            command: uploadCommand(),
            env: [
                { name: "BACKUP_DIR", value: "/backups" },
                { name: "BACKUP_RETAIN", value: String(backup.retain) },
                { name: "S3_BUCKET", value: backup.s3!.bucket },
                { name: "S3_PREFIX", value: backup.s3!.prefix || config.namespace },
                { name: "S3_ENDPOINT", value: backup.s3!.endpoint },
                { name: "AWS_DEFAULT_REGION", value: backup.s3!.region },
                bundle.envAs("backup", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
                bundle.envAs("backup", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
                { name: "HOME", value: "/tmp" },
            ],
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
            securityContext: restrictedContainerSecurity(BACKUP_UID),
            volumeMounts: mounts.filter((m) => m.name !== "scripts"),
        } : undefined;

        this.cronJob = new k8s.batch.v1.CronJob(name, {
            metadata: { name: BACKUP_NAME, namespace: args.namespace, labels },
            spec: {
                ...nightlyCronSpec(backup.schedule),
                jobTemplate: {
                    metadata: { labels },
                    spec: {
                        backoffLimit: 2,
                        activeDeadlineSeconds: 6 * 3600,
                        template: {
                            metadata: { labels },
                            spec: {
                                serviceAccountName: serviceAccount.metadata.name,
                                automountServiceAccountToken: false,
                                enableServiceLinks: false,
                                restartPolicy: "OnFailure",
                                securityContext: {
                                    runAsNonRoot: true, runAsUser: BACKUP_UID, runAsGroup: BACKUP_UID, fsGroup: BACKUP_UID,
                                    seccompProfile: { type: "RuntimeDefault" },
                                },
                                // With S3 the dump runs first and the upload only after it succeeded.
                                initContainers: upload ? [dump] : undefined,
                                containers: upload ? [upload] : [dump],
                                volumes: [
                                    dumpVolume,
                                    { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                                    { name: "scripts", configMap: { name: this.scripts.metadata.name, defaultMode: 0o555 } },
                                ],
                            },
                        },
                    },
                },
            },
        }, { parent: this });

        this.registerOutputs({ cronJob: this.cronJob.metadata.name });
    }
}
