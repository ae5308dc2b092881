// What the Backup component declares: Longhorn RecurringJobs that really attach to the database
// volumes, a dump CronJob with the hygiene of security-and-reliability.md §6.1, and the S3 variant.
import { beforeAll, describe, expect, it } from "vitest";
import { boundedName, longhornGroup, uploadCommand } from "../../components/backup-commands";
import { ProgramRun } from "../../offline/engine";
import { Manifest } from "../../offline/manifests";
import { findManifest, manifests, runExpectingFailure, runStack } from "../support/program";

const LONG_NAMESPACE = "a-very-long-namespace-name-for-the-supabase-platform-staging";

const recurringJobs = (run: ProgramRun) => manifests(run).filter((m) => m.kind === "RecurringJob");
const jobPod = (cron: Manifest) => cron.spec.jobTemplate.spec.template.spec;

describe("backup manifests", () => {
    let dev: ProgramRun;
    let s3: ProgramRun;
    let long: ProgramRun;
    beforeAll(async () => {
        dev = await runStack("dev");
        s3 = await runStack("dev", {
            overrides: {
                backupTarget: "s3", backupS3Bucket: "dev-backups", backupS3Endpoint: "https://minio.example.internal",
                backupS3AccessKeyId: "test-access-key", backupS3SecretAccessKey: "test-secret-key", backupRetain: 5,
            },
            secretKeys: ["backupS3AccessKeyId", "backupS3SecretAccessKey"],
        });
        long = await runStack("dev", { overrides: { namespace: LONG_NAMESPACE, longhornBackupSchedule: "" } });
    });

    it("declares a snapshot and a backup RecurringJob in longhorn-system with the configured retention", () => {
        const jobs = recurringJobs(dev);
        expect(jobs.map((j) => [j.metadata.name, j.metadata.namespace, j.spec.task, j.spec.cron, j.spec.retain])).toEqual([
            ["supabase-pg-snapshot", "longhorn-system", "snapshot", "0 * * * *", 24],
            ["supabase-pg-backup", "longhorn-system", "backup", "0 3 * * *", 14],
        ]);
        for (const job of jobs) {
            expect(job.apiVersion).toBe("longhorn.io/v1beta2");
            expect(job.spec.name).toBe(job.metadata.name);
            expect(job.spec.concurrency).toBe(1);
            expect(job.spec.groups).toEqual([longhornGroup("supabase")]);
        }
    });

    it("attaches the jobs to both database volumes through their PVC labels", () => {
        const templates = findManifest(dev, "StatefulSet", "postgres").spec.volumeClaimTemplates;
        expect(templates.map((t: Manifest) => t.metadata.name)).toEqual(["postgres-data", "postgres-config"]);
        for (const t of templates) {
            expect(t.metadata.labels["recurring-job.longhorn.io/source"]).toBe("enabled");
            for (const job of recurringJobs(dev)) {
                for (const group of job.spec.groups) expect(t.metadata.labels[`recurring-job-group.longhorn.io/${group}`]).toBe("enabled");
            }
        }
    });

    it("keeps Longhorn names within 40 characters and distinct for long namespaces", () => {
        const jobs = recurringJobs(long);
        expect(jobs).toHaveLength(1);
        expect(jobs[0].spec.task).toBe("snapshot");
        for (const name of [jobs[0].metadata.name, ...jobs[0].spec.groups]) expect(name.length).toBeLessThanOrEqual(40);
        const labels = findManifest(long, "StatefulSet", "postgres").spec.volumeClaimTemplates[0].metadata.labels;
        expect(labels[`recurring-job-group.longhorn.io/${jobs[0].spec.groups[0]}`]).toBe("enabled");
        expect(boundedName(`${LONG_NAMESPACE}-pg-snapshot`)).not.toBe(boundedName(`${LONG_NAMESPACE}-pg-backup`));
    });

    it("gives the dump CronJob the hygiene kube-linter and kube-score ask for", () => {
        const cron = findManifest(dev, "CronJob", "postgres-backup");
        expect(cron.spec.schedule).toBe("30 2 * * *");
        expect(cron.spec.concurrencyPolicy).toBe("Forbid");
        expect(cron.spec.startingDeadlineSeconds).toBeGreaterThan(0);
        expect(cron.spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
        expect(cron.spec.failedJobsHistoryLimit).toBeGreaterThan(0);
        expect(cron.spec.jobTemplate.spec.backoffLimit).toBeGreaterThan(0);
        expect(cron.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeUndefined();
        const pod = jobPod(cron);
        expect(pod.restartPolicy).toBe("OnFailure");
        expect(pod.automountServiceAccountToken).toBe(false);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
            expect(c.image).toMatch(/:[^:]+$/);
            expect(c.resources.requests.memory).toBeDefined();
            expect(c.resources.limits.memory).toBeDefined();
            expect(c.securityContext).toMatchObject({
                runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
            });
        }
    });

    it("reads the database password through a secretKeyRef, never a literal", () => {
        const dump = jobPod(findManifest(dev, "CronJob", "postgres-backup")).containers[0];
        const password = dump.env.find((e: { name: string }) => e.name === "PGPASSWORD");
        expect(password).toEqual({ name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "backup-secrets", key: "POSTGRES_PASSWORD" } } });
        const pg = findManifest(dev, "Secret", "postgres-secrets").stringData.POSTGRES_PASSWORD;
        expect(findManifest(dev, "Secret", "backup-secrets").stringData).toEqual({ POSTGRES_PASSWORD: pg });
        expect(dump.env.find((e: { name: string }) => e.name === "PGUSER").value).toBe("supabase_admin");
        expect(dump.env.find((e: { name: string }) => e.name === "PGHOST").value).toBe("postgres.supabase.svc");
    });

    it("with an S3 target, dumps to scratch space first and uploads with the S3 keys from the Secret", () => {
        const pod = jobPod(findManifest(s3, "CronJob", "postgres-backup"));
        expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(["pg-dump"]);
        const upload = pod.containers[0];
        expect(upload.image).toBe("amazon/aws-cli:2.15.0");
        expect(upload.command).toEqual(uploadCommand());
        const env = Object.fromEntries(upload.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
        expect(env).toMatchObject({
            S3_BUCKET: "dev-backups", S3_PREFIX: "postgres", S3_ENDPOINT: "https://minio.example.internal", BACKUP_RETAIN: "5",
            AWS_ACCESS_KEY_ID: { secretKeyRef: { name: "backup-secrets", key: "AWS_ACCESS_KEY_ID" } },
            AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: "backup-secrets", key: "AWS_SECRET_ACCESS_KEY" } },
        });
        expect(JSON.stringify(manifests(s3).filter((m) => m.kind !== "Secret"))).not.toContain("test-secret-key");
        expect(manifests(s3).some((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "postgres-backups")).toBe(false);
    });

    it("refuses bad backup settings before registering anything, naming key, value and fix", async () => {
        const { error, registered } = await runExpectingFailure("dev", {
            overrides: { backupTarget: "tape", backupSchedule: "daily", backupRetain: 0, backupUploaderImage: "amazon/aws-cli:latest" },
        });
        expect(registered).toEqual([]);
        expect(error.message).toContain('supabase-platform:backupTarget = "tape": must be "pvc" or "s3"');
        expect(error.message).toContain('supabase-platform:backupSchedule = "daily": must be a five-field cron expression');
        expect(error.message).toContain("supabase-platform:backupRetain = 0: must be ≥ 1");
        expect(error.message).toContain("backupUploaderImage");
        const s3 = await runExpectingFailure("dev", { overrides: { backupTarget: "s3" } });
        expect(s3.error.message).toContain("backupS3Bucket");
        expect(s3.error.message).toContain("pulumi config set --secret backupS3AccessKeyId");
    });
});
