// Point-in-time recovery in the program: what config `pitr` renders into the database pod, the
// base-backup CronJob and its RBAC and network policy, the restore Job template the program prints
// but never applies, and what bad PITR config does (refused before any resource). The scripts and
// settings run for real in tests/services/pitr.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { PITR_SCRIPTS, RESTORE_SCRIPT, SELECT_BACKUP_SCRIPT } from "../components/services/postgres/pitr";
import { restoreJobManifests, restoreTargetProblem } from "../components/services/postgres/pitr/restore-job";
import { loadPlatformConfig } from "../components/program-rules";
import { evaluate, mandatory } from "../policies/evaluate";
import { pitrInProduction } from "../policies/rules/recovery";
import { readProjectFile, stackConfig } from "../offline/stack-config";
import { parseRestoreJobArgs, restoreJobYaml } from "../scripts/pitr-restore-job";
import { ProgramRun } from "../offline/engine";
import { findManifest, manifests, runExpectingFailure, runStack, V082 } from "./support/program";

const container = (m: any, name: string) => [...(m.spec.template.spec.initContainers ?? []), ...m.spec.template.spec.containers].find((c: any) => c.name === name);
const cronPod = (m: any) => m.spec.jobTemplate.spec.template.spec;
/** `-c name=value` pairs of the server's args. */
const settingsOf = (args: string[]) => Object.fromEntries(args.filter((a, i) => args[i - 1] === "-c").map((a) => a.split(/=(.*)/s, 2)));

function configOf(stack: string, overrides: Record<string, unknown>) {
    const values = stackConfig(stack, overrides);
    const project = readProjectFile().name;
    return loadPlatformConfig({
        project, stack,
        get: (key) => values[`${project}:${key}`],
        keys: () => Object.keys(values).filter((k) => k.startsWith(`${project}:`)).map((k) => k.slice(project.length + 1)),
    });
}

describe("pitr on prod (seed, S3 target)", () => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack("prod");
    });

    it("archives with the image's wal-g: archive settings on the command line, wal-g's storage env, credentials by secretKeyRef", () => {
        const sts = findManifest(run, "StatefulSet", "postgres");
        const pg = container(sts, "postgres");
        expect(settingsOf(pg.args)).toMatchObject({ archive_mode: "on", archive_command: '/usr/local/bin/wal-g wal-push "%p"', archive_timeout: "300" });
        const env = Object.fromEntries(pg.env.map((e: any) => [e.name, e]));
        expect(env.WALG_S3_PREFIX.value).toBe("s3://supabase-prod-wal/postgres");
        expect(env.AWS_ENDPOINT.value).toBe("https://s3.example.internal");
        expect(env.AWS_S3_FORCE_PATH_STYLE.value).toBe("true");
        expect(env.WALG_PREVENT_WAL_OVERWRITE.value).toBe("true");
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
            expect(env[key]).toEqual({ name: key, valueFrom: { secretKeyRef: { name: "postgres-secrets", key } } });
        }
        // archive_command does not connect: the server's libpq env is the image's, untouched.
        expect(pg.env.map((e: any) => e.name)).not.toContain("PGUSER");
        // An S3 archive needs no volume: the pod mounts what it did, plus nothing of PITR's.
        expect(pg.volumeMounts.map((m: any) => m.name)).not.toContain("wal-archive");
    });

    it("takes base backups from a CronJob that execs the rendered scripts in postgres-0, with RBAC on that pod only", () => {
        const cron = findManifest(run, "CronJob", "postgres-pitr-base-backup");
        expect(cron.spec).toMatchObject({ schedule: "15 1 * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid" });
        const pod = cronPod(cron);
        const [backup] = pod.initContainers;
        const [retention] = pod.containers;
        for (const [step, name] of [[backup, "base-backup"], [retention, "retention"]] as const) {
            expect(step.args.slice(0, 8)).toEqual(["exec", "postgres-0", "--namespace", "supabase-prod", "--container", "postgres", "--", "gosu"]);
            expect(step.args.at(-1)).toBe(PITR_SCRIPTS[name]);
            expect(step.args).toContain("PGDATA=/var/lib/postgresql/data");
        }
        expect(retention.args).toContain(`PITR_WINDOW_SECONDS=${14 * 86400}`);
        expect(retention.args).toContain("PITR_RETAIN_FULL=3");
        expect(pod.automountServiceAccountToken).toBe(true);
        const role = findManifest(run, "Role", "postgres-pitr-base-backup");
        expect(role.rules).toEqual([
            { apiGroups: [""], resources: ["pods"], resourceNames: ["postgres-0"], verbs: ["get"] },
            { apiGroups: [""], resources: ["pods/exec"], resourceNames: ["postgres-0"], verbs: ["create", "get"] },
        ]);
        expect(findManifest(run, "RoleBinding", "postgres-pitr-base-backup").subjects).toEqual([{ kind: "ServiceAccount", name: "postgres-pitr-base-backup", namespace: "supabase-prod" }]);
        // Egress: the job to the API server; the database to the archive's endpoint.
        const egressPorts = (app: string) => findManifest(run, "NetworkPolicy", `allow-${app}`).spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
        expect(egressPorts("postgres-pitr-base-backup")).toEqual(expect.arrayContaining([443, 6443]));
        expect(egressPorts("postgres")).toContain(443);
    });

    it("marks the namespace production, and the pack's pitr rule passes it", async () => {
        expect(findManifest(run, "Namespace", "supabase-prod").metadata.labels?.["platform.supabase.io/environment"]).toBe("production");
        expect(mandatory(await evaluate(run.resources, [pitrInProduction]))).toEqual([]);
    });

    it("never restores by itself: no rendered resource runs a restore or mounts a restore claim", () => {
        const text = JSON.stringify(manifests(run));
        expect(text).not.toContain("backup-fetch");
        expect(text).not.toContain(JSON.stringify(RESTORE_SCRIPT).slice(1, -1));
        expect(text).not.toContain(JSON.stringify(SELECT_BACKUP_SCRIPT).slice(1, -1));
        expect(manifests(run).filter((m) => m.kind === "Job")).toEqual([]);
    });
});

describe("pitr off (dev)", () => {
    it("renders nothing of PITR and no production marker", async () => {
        const run = await runStack("dev");
        const pg = container(findManifest(run, "StatefulSet", "postgres"), "postgres");
        expect(pg.args.join(" ")).not.toContain("archive_");
        expect(manifests(run).filter((m) => m.metadata?.name?.startsWith("postgres-pitr"))).toEqual([]);
        expect(manifests(run).find((m) => m.kind === "Namespace")!.metadata.labels?.["platform.supabase.io/environment"]).toBeUndefined();
    });
});

describe("pitr with a volume target on v0.8.2 (wal-g supplied beside the image)", () => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack("dev", { overrides: { ...V082, pitr: true, pitrTarget: "volume", pitrVolumeSize: "30Gi" } });
    });

    it("copies wal-g into an emptyDir, checks it starts in the postgres image, and archives into its own claim", () => {
        const sts = findManifest(run, "StatefulSet", "postgres");
        const pod = sts.spec.template.spec;
        expect(pod.initContainers.map((c: any) => c.name)).toEqual(["seed-custom-config", "prepare-wal-archive", "copy-wal-g", "check-wal-g"]);
        expect(container(sts, "copy-wal-g").image).toBe(V082.pitrWalgImage);
        expect(container(sts, "check-wal-g")).toMatchObject({ image: "supabase/postgres:17.6.1.136", command: ["/opt/wal-g/wal-g", "--version"] });
        const pg = container(sts, "postgres");
        expect(settingsOf(pg.args).archive_command).toBe('/opt/wal-g/wal-g wal-push "%p"');
        expect(pg.env.find((e: any) => e.name === "WALG_FILE_PREFIX").value).toBe("/var/lib/postgresql/wal-archive");
        const archiveMount = pg.volumeMounts.find((m: any) => m.name === "wal-archive");
        expect(archiveMount).toEqual({ name: "wal-archive", mountPath: "/var/lib/postgresql/wal-archive" });
        // Its own claim, never the data volume.
        expect(pod.volumes.find((v: any) => v.name === "wal-archive")).toEqual({ name: "wal-archive", persistentVolumeClaim: { claimName: "postgres-wal-archive" } });
        expect(findManifest(run, "PersistentVolumeClaim", "postgres-wal-archive").spec.resources.requests.storage).toBe("30Gi");
        // The CronJob's scripts find the supplied wal-g first on PATH.
        const backup = cronPod(findManifest(run, "CronJob", "postgres-pitr-base-backup")).initContainers[0];
        expect(backup.args.at(-1)).toBe(`PATH="/opt/wal-g:$PATH"; export PATH\n${PITR_SCRIPTS["base-backup"]}`);
    });
});

describe("bad pitr config is refused before any resource", () => {
    it("lists every problem with key, value and fix, and registers nothing", async () => {
        const { error, registered } = await runExpectingFailure("dev", {
            overrides: { release: "v0.8.2", pitr: true, pitrS3Prefix: "/", pitrArchiveTimeoutSeconds: 10, pitrBaseBackupSchedule: "0 3 * * 0", pitrWindowDays: 3 },
        });
        expect(error.name).toBe("ConfigError");
        expect(registered).toEqual([]);
        const lines = error.message.split("\n").slice(1).map((l) => l.trim());
        expect(lines).toEqual(expect.arrayContaining([
            expect.stringMatching(/^- supabase-platform:pitrArchiveTimeoutSeconds = 10: .*60/),
            expect.stringMatching(/^- supabase-platform:pitrS3Bucket = "": is required when pitr is on/),
            expect.stringMatching(/^- supabase-platform:pitrS3AccessKeyId = \[secret, unset\]: is required/),
            expect.stringMatching(/^- supabase-platform:pitrS3SecretAccessKey = \[secret, unset\]: is required/),
        ]));
        // The cross-key checks wait for every key they read to pass on its own: fixed timeout, the rest shows.
        const second = await runExpectingFailure("dev", {
            overrides: { release: "v0.8.2", pitr: true, pitrTarget: "volume", pitrS3Prefix: "/", pitrBaseBackupSchedule: "0 3 * * 0", pitrWindowDays: 3 },
        });
        expect(second.registered).toEqual([]);
        expect(second.error.message).toMatch(/supabase-platform:pitrWindowDays = 3: is shorter than one base-backup interval \(7 days between runs of "0 3 \* \* 0"\): raise it to at least 7/);
        expect(second.error.message).toMatch(/supabase-platform:pitrWalgImage = "": pitr needs wal-g in the database pod, and supabase\/postgres:17.6.1.136 ships no wal-g binary .*Set pitrWalgImage to an image holding wal-g v2.0.1/);
    });
});

describe("the restore Job template", () => {
    const prod = () => configOf("prod", {});

    it("restores into a NEW claim, never the database's own, and runs the rendered scripts", () => {
        const [claim, job, policy] = restoreJobManifests(prod(), { time: "2026-12-07T14:04:00Z" });
        expect(claim).toMatchObject({ kind: "PersistentVolumeClaim", metadata: { name: "postgres-restore-20261207t140400z", namespace: "supabase-prod" } });
        expect(claim.spec).toMatchObject({ storageClassName: "longhorn-supabase-prod", resources: { requests: { storage: "100Gi" } } });
        const pod = job.spec.template.spec;
        const claims = pod.volumes.filter((v: any) => v.persistentVolumeClaim).map((v: any) => v.persistentVolumeClaim.claimName);
        expect(claims).toEqual([claim.metadata.name]);
        for (const name of claims) expect(name).not.toMatch(/^postgres-(data|config)/);
        const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        expect(env).toMatchObject({
            PITR_TARGET_TIME: "2026-12-07T14:04:00Z", PITR_RESTORE_PGDATA: "/restore/pgdata",
            PITR_SELECT_BACKUP_SCRIPT: SELECT_BACKUP_SCRIPT, PITR_RESTORE_SCRIPT: RESTORE_SCRIPT,
            WALG_S3_PREFIX: "s3://supabase-prod-wal/postgres",
            AWS_ACCESS_KEY_ID: { secretKeyRef: { name: "postgres-secrets", key: "AWS_ACCESS_KEY_ID" } },
        });
        expect(env.PITR_TARGET_LSN).toBeUndefined();
        expect(policy.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([53, 53, 443]);
    });

    it("mounts a volume target's archive read-only beside the new claim, with the 17 data directory's subPath", () => {
        const config = configOf("dev", { ...V082, pitr: true, pitrTarget: "volume" });
        const [, job] = restoreJobManifests(config, { lsn: "0/3000060" });
        const pod = job.spec.template.spec;
        expect(pod.volumes.find((v: any) => v.name === "wal-archive")).toEqual({ name: "wal-archive", persistentVolumeClaim: { claimName: "postgres-wal-archive", readOnly: true } });
        const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
        expect(env).toMatchObject({ PITR_TARGET_LSN: "0/3000060", PITR_RESTORE_PGDATA: "/restore/pgdata-17", PITR_WALG: "/opt/wal-g/wal-g" });
        expect(pod.initContainers.map((c: any) => c.name)).toEqual(["copy-wal-g"]);
    });

    it("refuses a bad target, and a stack without pitr", () => {
        expect(restoreTargetProblem({})).toMatch(/exactly one target/);
        expect(restoreTargetProblem({ time: "2026-12-07 14:04:00" })).toMatch(/UTC in RFC 3339/);
        expect(restoreTargetProblem({ lsn: "3000060" })).toMatch(/LSN such as 0\/3000060/);
        expect(() => restoreJobManifests(configOf("dev", {}), { time: "2026-12-07T14:04:00Z" })).toThrow(/pitr off/);
    });

    it("is what npm run pitr:restore-job prints", () => {
        const args = parseRestoreJobArgs(["--stack", "prod", "--time", "2026-12-07T14:04:00Z"]);
        const yaml = restoreJobYaml(args);
        expect(yaml.split("\n---\n").length).toBe(3);
        expect(yaml).toContain("name: postgres-pitr-restore-20261207t140400z");
        expect(() => parseRestoreJobArgs(["--time", "x"])).toThrow(/name the stack/);
    });
});
