// Point-in-time recovery settings: their shape (zod, as config/schema.ts uses) and every problem
// with them at once, each with the key, the value and the fix, so that bad PITR config is refused
// before any resource is registered. Plain data in, plain data out; the config key `pitr` feeds it.
import { z } from "zod";
import { cronSchedule, s3BucketName, s3Endpoint, s3Prefix, s3Region } from "../../../../config/rules";
import { longestCronGapSeconds } from "./cron-gap";

/** An S3-compatible archive; the credentials are the names of env vars that hold them (from a Secret). */
export interface PitrS3Target {
    /** Empty or absent for AWS; a MinIO/Ceph URL otherwise. */
    endpoint?: string;
    bucket: string;
    /** Key prefix inside the bucket; one database per prefix. */
    prefix: string;
    region: string;
    /** Path-style URLs (MinIO and most self-hosted S3); wal-g's own default is virtual-host style. */
    forcePathStyle?: boolean;
    accessKeyIdEnv: string;
    secretAccessKeyEnv: string;
}

/** A dedicated volume (e.g. a Longhorn PVC) mounted at `path`, for clusters without object storage. */
export interface PitrVolumeTarget {
    path: string;
}

export interface PitrSettings {
    /** Exactly one of the two. */
    target: { s3?: PitrS3Target; volume?: PitrVolumeTarget };
    /** archive_timeout: a partly filled WAL segment is archived after this long (the RPO of an idle database). */
    archiveTimeoutSeconds: number;
    /** Cron schedule (UTC) of `wal-g backup-push`. */
    baseBackupSchedule: string;
    retention: {
        /** Full base backups kept at least. */
        fullBackups: number;
        /** Restorable to any second this far back, at least. */
        windowDays: number;
    };
}

/** One problem: the dotted key under the config key, the value found, and what to do. */
export interface PitrProblem {
    key: string;
    value: unknown;
    fix: string;
}

/** The data directory of both images (postgresql.conf.j2:42); the archive must never live there. */
export const IMAGE_DATA_DIRECTORY = "/var/lib/postgresql/data";
export const MIN_ARCHIVE_TIMEOUT_SECONDS = 60;
/** An hour of unarchived WAL is an hour of loss; beyond that PITR stops meaning much. */
export const MAX_ARCHIVE_TIMEOUT_SECONDS = 3600;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, "must be an environment variable name (letters, digits, '_'; not starting with a digit)");

const S3_SCHEMA = z.strictObject({
    endpoint: z.string().optional(),
    bucket: z.string(),
    prefix: z.string(),
    region: z.string(),
    forcePathStyle: z.boolean().optional(),
    accessKeyIdEnv: envName,
    secretAccessKeyEnv: envName,
});

export const PITR_SETTINGS_SCHEMA = z.strictObject({
    target: z.strictObject({
        s3: S3_SCHEMA.optional(),
        volume: z.strictObject({ path: z.string() }).optional(),
    }),
    archiveTimeoutSeconds: z.number().int(),
    baseBackupSchedule: z.string(),
    retention: z.strictObject({
        fullBackups: z.number().int(),
        windowDays: z.number(),
    }),
});

const at = (value: unknown, path: PropertyKey[]): unknown =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);

const DAY = 86_400;
const days = (seconds: number) => `${Math.round((seconds / DAY) * 100) / 100} day${seconds === DAY ? "" : "s"}`;

/** Every problem of a `pitr` value (empty when it is valid); `key` prefixes each problem's key. */
export function pitrProblems(input: unknown, key = "pitr"): PitrProblem[] {
    const problems: PitrProblem[] = [];
    const add = (path: string, value: unknown, fix: string) => problems.push({ key: path ? `${key}.${path}` : key, value, fix });
    const parsed = PITR_SETTINGS_SCHEMA.safeParse(input);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const k of issue.keys) add([...issue.path, k].join("."), at(input, [...issue.path, k]), "unknown key; remove it (see docs/runbooks/pitr-restore.md for the keys)");
            } else {
                const value = at(input, issue.path);
                add(issue.path.join("."), value, value === undefined ? `is required: ${issue.message}` : issue.message);
            }
        }
    }
    // The rules across values run on whatever has the right type, so one pass names every problem.
    const s = (input ?? {}) as Partial<Record<string, any>>;
    const target = s.target ?? {};
    const s3 = target.s3;
    const volume = target.volume;
    if (s3 !== undefined && volume !== undefined) {
        add("target", "{s3, volume}", "give one target: target.s3 (S3-compatible storage) or target.volume (a dedicated volume), not both");
    } else if (s3 === undefined && volume === undefined && s.target !== undefined) {
        add("target", s.target, "give a target: target.s3 {endpoint, bucket, prefix, region, accessKeyIdEnv, secretAccessKeyEnv} or target.volume {path}");
    }
    if (s3 && typeof s3 === "object") {
        const rule = (name: string, problem: string | undefined) => problem && add(`target.s3.${name}`, s3[name], problem);
        if (typeof s3.bucket !== "string" || s3.bucket === "") add("target.s3.bucket", s3.bucket, "the S3 target needs a bucket (S3 bucket naming rules), e.g. db-archive");
        else rule("bucket", s3BucketName(s3.bucket));
        if (typeof s3.endpoint === "string" && s3.endpoint !== "") rule("endpoint", s3Endpoint(s3.endpoint));
        if (typeof s3.prefix === "string") {
            rule("prefix", s3Prefix(s3.prefix));
            if (s3.prefix.replace(/^\/+|\/+$/g, "") === "") add("target.s3.prefix", s3.prefix, "give a prefix (e.g. supabase/postgres): one database's archive per prefix, never the bucket's root");
        }
        if (typeof s3.region === "string") rule("region", s3Region(s3.region));
        if (typeof s3.accessKeyIdEnv === "string" && s3.accessKeyIdEnv === s3.secretAccessKeyEnv) {
            add("target.s3.secretAccessKeyEnv", s3.secretAccessKeyEnv, "must differ from accessKeyIdEnv: each credential has its own variable");
        }
    }
    if (volume && typeof volume === "object" && typeof volume.path === "string") {
        const p = volume.path.replace(/\/+$/, "");
        if (!p.startsWith("/")) add("target.volume.path", volume.path, "must be an absolute path where the dedicated archive volume is mounted, e.g. /var/lib/postgresql/archive");
        else if (p === "" || p === IMAGE_DATA_DIRECTORY || p.startsWith(`${IMAGE_DATA_DIRECTORY}/`) || IMAGE_DATA_DIRECTORY.startsWith(`${p}/`)) {
            add("target.volume.path", volume.path, `must be a volume of its own, outside the data directory ${IMAGE_DATA_DIRECTORY}: an archive on the database's own volume is lost with it`);
        }
    }
    if (typeof s.archiveTimeoutSeconds === "number") {
        if (s.archiveTimeoutSeconds < MIN_ARCHIVE_TIMEOUT_SECONDS) {
            add("archiveTimeoutSeconds", s.archiveTimeoutSeconds, `must be at least ${MIN_ARCHIVE_TIMEOUT_SECONDS}: every timeout archives a whole 16 MiB segment, so shorter ones bloat the archive (PostgreSQL's own advice)`);
        } else if (s.archiveTimeoutSeconds > MAX_ARCHIVE_TIMEOUT_SECONDS) {
            add("archiveTimeoutSeconds", s.archiveTimeoutSeconds, `must be at most ${MAX_ARCHIVE_TIMEOUT_SECONDS}: it bounds how much of a quiet hour is lost with the volume`);
        }
    }
    let gap: number | undefined;
    if (typeof s.baseBackupSchedule === "string") {
        const problem = cronSchedule(s.baseBackupSchedule);
        if (problem) add("baseBackupSchedule", s.baseBackupSchedule, problem);
        else gap = longestCronGapSeconds(s.baseBackupSchedule);
    }
    const retention = s.retention ?? {};
    if (typeof retention.fullBackups === "number" && retention.fullBackups < 1) {
        add("retention.fullBackups", retention.fullBackups, "keep at least 1 full base backup (2 or more survive one broken backup)");
    }
    if (typeof retention.windowDays === "number") {
        if (!(retention.windowDays > 0)) add("retention.windowDays", retention.windowDays, "must be more than 0 days: how far back a restore can reach");
        else if (gap !== undefined && retention.windowDays * DAY < gap) {
            add("retention.windowDays", retention.windowDays,
                `is shorter than one base-backup interval (${days(gap)} between runs of "${s.baseBackupSchedule}"): raise it to at least ${Math.ceil(gap / DAY)} or back up more often`);
        }
    }
    return problems;
}

/** The settings, typed, or an error listing every problem as `key = value: fix`. */
export function parsePitrSettings(input: unknown, key = "pitr"): PitrSettings {
    const problems = pitrProblems(input, key);
    if (problems.length > 0) {
        throw new Error(`invalid ${key} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n`
            + problems.map((p) => `  - ${p.key} = ${JSON.stringify(p.value)}: ${p.fix}`).join("\n"));
    }
    return input as PitrSettings;
}

/** The recovery window in seconds (what the retention script reads as PITR_WINDOW_SECONDS). */
export const windowSeconds = (settings: PitrSettings) => Math.round(settings.retention.windowDays * DAY);
