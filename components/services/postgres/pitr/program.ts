// From the stack config to the rendered PITR pieces: the settings (the same PitrSettings the real
// test runs), which wal-g the server runs (the image's, or one an init container copies beside it),
// and every problem of the `pitr*` keys named by its own flat key. Pure: the config rules, the
// database component, the CronJob and the restore Job template all read this file.
import { StackValues } from "../../../../config";
import { RELEASES, repositoryAndTag } from "../../../../releases";
import { PitrSettings, pitrProblems } from "./settings";
import { imageWalg } from "./walg-contract";

/** Where the dedicated archive volume (pitrTarget volume) is mounted: beside, never inside, the data directory. */
export const WAL_ARCHIVE_MOUNT = "/var/lib/postgresql/wal-archive";
/** Claim of the dedicated archive volume: its own PVC, so the data volume's loss does not take it along. */
export const WAL_ARCHIVE_CLAIM = "postgres-wal-archive";
/** An emptyDir holding a wal-g copied from pitrWalgImage (release images that ship none). */
export const SUPPLIED_WALG_DIR = "/opt/wal-g";
export const SUPPLIED_WALG = `${SUPPLIED_WALG_DIR}/wal-g`;
/** The credentials' env names in the database container (the postgres Secret's keys, read by wal-g as is). */
const ACCESS_KEY_ENV = "AWS_ACCESS_KEY_ID";
const SECRET_KEY_ENV = "AWS_SECRET_ACCESS_KEY";

/** The config's part that PitrSettings needs (PitrConfig and StackValues both carry it). */
export interface PitrConfigValues {
    target: "s3" | "volume";
    s3?: { bucket: string; prefix: string; endpoint: string; region: string; forcePathStyle: boolean };
    archiveTimeoutSeconds: number;
    baseBackupSchedule: string;
    retainFullBackups: number;
    windowDays: number;
}

export function pitrSettingsOf(pitr: PitrConfigValues): PitrSettings {
    return {
        target: pitr.target === "s3" && pitr.s3
            ? {
                s3: {
                    ...(pitr.s3.endpoint ? { endpoint: pitr.s3.endpoint } : {}),
                    bucket: pitr.s3.bucket, prefix: pitr.s3.prefix, region: pitr.s3.region, forcePathStyle: pitr.s3.forcePathStyle,
                    accessKeyIdEnv: ACCESS_KEY_ENV, secretAccessKeyEnv: SECRET_KEY_ENV,
                },
            }
            : { volume: { path: WAL_ARCHIVE_MOUNT } },
        archiveTimeoutSeconds: pitr.archiveTimeoutSeconds,
        baseBackupSchedule: pitr.baseBackupSchedule,
        retention: { fullBackups: pitr.retainFullBackups, windowDays: pitr.windowDays },
    };
}

/** The same values as the stack config spells them. */
export function pitrValuesOf(v: StackValues): PitrConfigValues {
    return {
        target: v.pitrTarget,
        s3: { bucket: v.pitrS3Bucket, prefix: v.pitrS3Prefix, endpoint: v.pitrS3Endpoint, region: v.pitrS3Region, forcePathStyle: v.pitrS3ForcePathStyle },
        archiveTimeoutSeconds: v.pitrArchiveTimeoutSeconds,
        baseBackupSchedule: v.pitrBaseBackupSchedule,
        retainFullBackups: v.pitrRetainFullBackups,
        windowDays: v.pitrWindowDays,
    };
}

/** The wal-g the server runs: the image's own, or the copy of pitrWalgImage; or why there is none. */
export function walgFor(postgresImage: string, walgImage: string | undefined): { binary: string; supplied: boolean } | { missing: string } {
    if (walgImage) return { binary: SUPPLIED_WALG, supplied: true };
    const tag = repositoryAndTag(postgresImage).tag ?? "";
    const own = imageWalg(tag);
    return "binary" in own ? { binary: own.binary, supplied: false } : own;
}

/** PitrSettings' dotted keys → the stack's flat keys. */
const FLAT_KEYS: Record<string, keyof StackValues> = {
    target: "pitrTarget",
    "target.s3.bucket": "pitrS3Bucket",
    "target.s3.endpoint": "pitrS3Endpoint",
    "target.s3.prefix": "pitrS3Prefix",
    "target.s3.region": "pitrS3Region",
    archiveTimeoutSeconds: "pitrArchiveTimeoutSeconds",
    baseBackupSchedule: "pitrBaseBackupSchedule",
    "retention.fullBackups": "pitrRetainFullBackups",
    "retention.windowDays": "pitrWindowDays",
};

export interface PitrConfigProblem {
    key: keyof StackValues;
    value: unknown;
    fix: string;
}

/**
 * Every problem of the `pitr*` keys when pitr is on, each under its own key: the settings' own
 * checks (pitrProblems, as the real test validates its settings) and a wal-g to run.
 */
export function pitrConfigProblems(v: StackValues): PitrConfigProblem[] {
    if (!v.pitr) return [];
    const problems: PitrConfigProblem[] = [];
    for (const p of pitrProblems(pitrSettingsOf(pitrValuesOf(v)), "pitr")) {
        const key = FLAT_KEYS[p.key.replace(/^pitr\./, "")] ?? "pitr";
        // An empty bucket is config's own rule ("is required when pitr is on"); said once.
        if (key === "pitrS3Bucket" && v.pitrS3Bucket === "") continue;
        problems.push({ key, value: p.value, fix: p.fix });
    }
    const postgresImage = v.postgresImage || RELEASES[v.release].images.postgres;
    const walg = walgFor(postgresImage, v.pitrWalgImage || undefined);
    if ("missing" in walg) {
        problems.push({
            key: "pitrWalgImage",
            value: v.pitrWalgImage,
            fix: `pitr needs wal-g in the database pod, and ${walg.missing.replace(/; supply one.*$/, "")}. `
                + `Set pitrWalgImage to an image holding wal-g v2.0.1 on its PATH (with sh and cp) that runs in ${postgresImage} `
                + `(an init container copies it to ${SUPPLIED_WALG} and checks it starts there; docs/runbooks/pitr-restore.md), or turn pitr off`,
        });
    }
    return problems;
}
