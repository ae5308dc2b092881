// Point-in-time recovery, offline: the settings' checks, the rendered env held against wal-g's own
// source (the contract), and the runbook's commands held against the rendered ones. The real run
// of those commands is tests/services/pitr.test.ts.
import { describe, expect, it } from "vitest";
import {
    ARCHIVER_STATUS_SQL, archivingSettings, CHECK_RESTORED_SQL, describeArchiver, imageWalg, kubernetesEnv, longestCronGapSeconds,
    PITR_SCRIPTS, PitrSettings, pitrProblems, parsePitrSettings, retentionEnv, walgEnv, WALG_CONTRACT,
} from "../components/services/postgres/pitr";
import { namedBlocks } from "./services/support/runbook-blocks";

const S3: PitrSettings = {
    target: { s3: { endpoint: "https://minio.example.internal", bucket: "db-archive", prefix: "supabase/postgres", region: "eu-west-1", forcePathStyle: true, accessKeyIdEnv: "PITR_S3_ACCESS_KEY_ID", secretAccessKeyEnv: "PITR_S3_SECRET_ACCESS_KEY" } },
    archiveTimeoutSeconds: 300,
    baseBackupSchedule: "0 3 * * *",
    retention: { fullBackups: 7, windowDays: 14 },
};
const VOLUME: PitrSettings = { ...S3, target: { volume: { path: "/var/lib/postgresql/archive" } } };

describe("pitr settings", () => {
    it("accepts an S3 target and a volume target", () => {
        expect(pitrProblems(S3)).toEqual([]);
        expect(pitrProblems(VOLUME)).toEqual([]);
    });

    it("names every problem at once, with key, value and fix", () => {
        const problems = pitrProblems({
            target: { s3: { ...S3.target.s3!, bucket: "" }, volume: { path: "/var/lib/postgresql/data/archive" } },
            archiveTimeoutSeconds: 30,
            baseBackupSchedule: "0 3 * * 0",
            retention: { fullBackups: 0, windowDays: 3 },
        });
        const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
        expect(Object.keys(byKey).sort()).toEqual([
            "pitr.archiveTimeoutSeconds", "pitr.retention.fullBackups", "pitr.retention.windowDays", "pitr.target",
            "pitr.target.s3.bucket", "pitr.target.volume.path",
        ]);
        expect(byKey["pitr.target"].fix).toMatch(/not both/);
        expect(byKey["pitr.target.s3.bucket"]).toMatchObject({ value: "", fix: expect.stringMatching(/needs a bucket/) });
        expect(byKey["pitr.archiveTimeoutSeconds"]).toMatchObject({ value: 30, fix: expect.stringMatching(/at least 60/) });
        // Weekly base backups cannot keep a 3-day window: the window's start needs the backup before it.
        expect(byKey["pitr.retention.windowDays"]).toMatchObject({ value: 3, fix: expect.stringMatching(/shorter than one base-backup interval \(7 days .*at least 7/) });
        expect(byKey["pitr.target.volume.path"].fix).toMatch(/outside the data directory/);
    });

    it("refuses a missing target, unknown keys and wrong types by name", () => {
        const problems = pitrProblems({ target: {}, archiveTimeoutSeconds: "60", baseBackupSchedule: "0 3 * * *", retention: { fullBackups: 2, windowDays: 7, days: 3 } });
        expect(problems.map((p) => p.key).sort()).toEqual(["pitr.archiveTimeoutSeconds", "pitr.retention.days", "pitr.target"]);
        expect(() => parsePitrSettings({ target: {} })).toThrow(/pitr\.target = \{\}: give a target/);
    });

    it("measures the longest gap of a schedule, as the CronJob controller runs it", () => {
        expect(longestCronGapSeconds("0 3 * * *")).toBe(86_400);
        expect(longestCronGapSeconds("@hourly")).toBe(3_600);
        expect(longestCronGapSeconds("0 3 * * 1,4")).toBe(4 * 86_400);
        expect(longestCronGapSeconds("0 0 1 * *")).toBe(31 * 86_400);
        // Day of month and day of week both restricted: either matches (robfig/cron).
        expect(longestCronGapSeconds("0 0 1 * 1")).toBeLessThanOrEqual(7 * 86_400);
    });
});

describe("pitr rendering", () => {
    it("renders only env names wal-g v2.0.1 reads (walg-contract.ts)", () => {
        const known = new Set(WALG_CONTRACT.env.reads.flatMap((e) => [e.name, ...(e.aliases ?? [])]));
        for (const settings of [S3, VOLUME]) {
            for (const v of walgEnv(settings)) expect(known.has(v.name), v.name).toBe(true);
        }
        expect(kubernetesEnv(walgEnv(S3))).toEqual([
            { name: "WALG_S3_PREFIX", value: "s3://db-archive/supabase/postgres" },
            { name: "AWS_ENDPOINT", value: "https://minio.example.internal" },
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "AWS_S3_FORCE_PATH_STYLE", value: "true" },
            { name: "AWS_ACCESS_KEY_ID", value: "$(PITR_S3_ACCESS_KEY_ID)" },
            { name: "AWS_SECRET_ACCESS_KEY", value: "$(PITR_S3_SECRET_ACCESS_KEY)" },
            { name: "WALG_PREVENT_WAL_OVERWRITE", value: "true" },
            { name: "PGHOST", value: "/var/run/postgresql" },
            { name: "PGPORT", value: "5432" },
            { name: "PGUSER", value: "supabase_admin" },
            { name: "PGDATABASE", value: "postgres" },
        ]);
        expect(retentionEnv(S3)).toEqual([{ name: "PITR_RETAIN_FULL", value: "7" }, { name: "PITR_WINDOW_SECONDS", value: String(14 * 86_400) }]);
    });

    it("uses the seed image's wal-g, and refuses to guess one for 17.6.1.136, which ships none", () => {
        const seed = imageWalg("15.1.1.78");
        expect(seed).toEqual({ binary: "/usr/local/bin/wal-g" });
        expect(archivingSettings(S3, (seed as { binary: string }).binary)).toEqual({
            archive_mode: "on", archive_command: '/usr/local/bin/wal-g wal-push "%p"', archive_timeout: "300",
        });
        expect(imageWalg("17.6.1.136")).toEqual({ missing: expect.stringMatching(/ships no wal-g binary \(Dockerfile-17:38/) });
    });

    it("keeps `$(` and `$$` out of the scripts (Kubernetes would expand them in args)", () => {
        for (const [name, script] of Object.entries(PITR_SCRIPTS)) {
            expect(script.includes("$("), name).toBe(false);
            expect(script.includes("$$"), name).toBe(false);
        }
    });

    it("describes a stuck archiver in one line a person acts on", () => {
        const line = describeArchiver({
            state: "stuck", archived_count: 4, last_archived_wal: "000000010000000000000004", last_archived_time: "2026-12-07T10:00:00Z",
            failed_count: 3, last_failed_wal: "000000010000000000000005", last_failed_time: "2026-12-07T10:05:00Z",
            stats_reset: "2026-12-07T09:00:00Z", checked_at: "2026-12-07T10:05:10Z",
        });
        expect(line).toMatch(/^pitr archiver: STUCK: archiving 000000010000000000000005 keeps failing .*10 s ago.*3 failed attempts/);
    });
});

describe("the runbook's commands are the rendered ones", () => {
    const blocks = namedBlocks("docs/runbooks/pitr-restore.md");

    it("shows every script verbatim", () => {
        for (const [name, script] of Object.entries(PITR_SCRIPTS)) {
            expect(blocks[`pitr:${name}`], `docs/runbooks/pitr-restore.md has no \`\`\`sh pitr:${name} block`).toBeDefined();
            expect(blocks[`pitr:${name}`].text).toBe(script);
        }
    });

    it("shows the status and check queries verbatim", () => {
        expect(blocks["pitr:archiver-status"].text).toBe(ARCHIVER_STATUS_SQL);
        expect(blocks["pitr:check-restored"].text).toBe(CHECK_RESTORED_SQL);
    });
});
