// PostgresMajorGuard: remembers the PostgreSQL major the stack's data directory was created on and
// refuses, at preview, a change (of release or postgresImage) that would start another major on it.
// A PostgreSQL server refuses a data directory of another major ("database files are incompatible
// with server"), so without the guard such a change crash-loops the database after the rollout has
// begun. With allowPostgresMajorUpgrade the new major gets a data directory of its own beside the old
// one (dataSubPath), and the runbook restores the dump into it.
import * as pulumi from "@pulumi/pulumi";
import { RELEASES } from "../../releases";

export const MAJOR_UPGRADE_RUNBOOK = "docs/runbooks/postgres-major-upgrade.md";

export interface MajorGuardInputs {
    /** The PostgreSQL major the image runs, e.g. 15. */
    major: number;
    /** The image, for the message. */
    image: string;
    /** allowPostgresMajorUpgrade: the operator follows the runbook. */
    allowUpgrade: boolean;
}

/**
 * The major of a supabase/postgres image from its tag: "15.1.1.78" → 15, "17.6.1.136" → 17. The
 * image tags start with the server's version; anything else is an error, not a guess.
 */
export function postgresMajorOf(image: string): number {
    const tag = image.split("@")[0].split("/").pop()!.split(":")[1] ?? "";
    const match = /^v?(\d+)\./.exec(tag);
    if (!match) throw new Error(`postgresImage: cannot tell the PostgreSQL major of '${image}'; its tag must start with the server version, e.g. supabase/postgres:17.6.1.136`);
    return Number(match[1]);
}

/**
 * Where in the data volume the cluster's files live. The seed's major 15 keeps the path it always
 * had; any other major gets its own, so an upgrade never touches the old files (they are the rollback).
 */
export function dataSubPath(major: number): string {
    return major === 15 ? "pgdata" : `pgdata-${major}`;
}

/** Why a change is refused, or undefined when it may go ahead. Pure, so the tests hold it directly. */
export function majorChangeProblem(olds: Partial<MajorGuardInputs> | undefined, news: MajorGuardInputs): string | undefined {
    if (!olds || typeof olds.major !== "number" || olds.major === news.major || news.allowUpgrade) return undefined;
    const direction = news.major > olds.major ? "upgrade" : "downgrade";
    // `release` defaulted to seed before it defaulted to v0.8.2: a stack created then that never set
    // it meets this refusal on its first run of the newer program, with no change of its own.
    const oldDefault = olds.major === postgresMajorOf(RELEASES.seed.images.postgres) && news.major === postgresMajorOf(RELEASES["v0.8.2"].images.postgres);
    return [
        `the database was created on PostgreSQL ${olds.major} (${olds.image}); this change would start PostgreSQL ${news.major} (${news.image}) on it, a major ${direction} the server refuses.`,
        ...(oldDefault
            ? ["If this stack never set `release`, it was created when the default was seed and the new default (v0.8.2) is what changed: `pulumi config set release seed` keeps it on the image set it runs."]
            : []),
        `Keep release and postgresImage on PostgreSQL ${olds.major}, or follow ${MAJOR_UPGRADE_RUNBOOK}: take a dump first, then set allowPostgresMajorUpgrade=true for the run that switches.`,
    ].join(" ");
}

export const majorGuardProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Partial<MajorGuardInputs>, news: MajorGuardInputs) {
        const problem = majorChangeProblem(olds, news);
        return { inputs: news, failures: problem ? [{ property: "major", reason: problem }] : [] };
    },

    async diff(_id: string, olds: MajorGuardInputs, news: MajorGuardInputs) {
        // An update, never a replacement: the record moves with the volume.
        const changes = olds.major !== news.major || olds.image !== news.image || olds.allowUpgrade !== news.allowUpgrade;
        return { changes, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: MajorGuardInputs) {
        const crypto = require("crypto") as typeof import("crypto");
        return { id: crypto.randomUUID(), outs: inputs };
    },

    async update(_id: string, _olds: MajorGuardInputs, news: MajorGuardInputs) {
        return { outs: news };
    },

    async read(id: string, props: MajorGuardInputs) {
        // The record lives only in the state.
        return { id, props };
    },

    async delete() {
        // Nothing outside the state to remove.
    },
};

/** The guard (`pulumi-nodejs:dynamic/database:PostgresMajorGuard`); the database StatefulSet depends on it. */
export class PostgresMajorGuard extends pulumi.dynamic.Resource {
    declare readonly major: pulumi.Output<number>;

    constructor(name: string, args: MajorGuardInputs, opts?: pulumi.CustomResourceOptions) {
        super(majorGuardProvider, name, { ...args }, opts, "database", "PostgresMajorGuard");
    }
}
