// Storage buckets as a custom resource: rows of storage.buckets, upserted so a bucket created by
// hand (or by an earlier run) is adopted rather than refused.
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, DbConnection, UNKNOWN, withClient } from "./connection";

export interface BucketInputs {
    connection: DbConnection;
    /** Bucket id and name (`id` itself is reserved by Pulumi). */
    bucketId: string;
    public: boolean;
    fileSizeLimit: number;
    allowedMimeTypes: string[];
}

const BUCKET_ID = /^[a-z0-9][a-z0-9.-]{1,62}$/;

async function upsert(b: BucketInputs): Promise<void> {
    await withClient(b.connection, (client) => client.query(
        `insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
         values ($1, $1, $2, $3, $4)
         on conflict (id) do update
           set public = excluded.public, file_size_limit = excluded.file_size_limit,
               allowed_mime_types = excluded.allowed_mime_types, updated_at = now()`,
        [b.bucketId, b.public, b.fileSizeLimit, b.allowedMimeTypes],
    ));
}

export function bucketFailures(b: Partial<BucketInputs>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (typeof b.bucketId === "string" && b.bucketId !== UNKNOWN && !BUCKET_ID.test(b.bucketId)) {
        failures.push({ property: "bucketId", reason: "lower-case letters, digits, '-' and '.', 2-63 characters" });
    }
    if (typeof b.fileSizeLimit === "number" && (!Number.isSafeInteger(b.fileSizeLimit) || b.fileSizeLimit <= 0)) {
        failures.push({ property: "fileSizeLimit", reason: "a positive number of bytes" });
    }
    for (const m of Array.isArray(b.allowedMimeTypes) ? b.allowedMimeTypes : []) {
        if (m !== UNKNOWN && !/^[a-z]+\/([a-z0-9.+-]+|\*)$/.test(m)) failures.push({ property: "allowedMimeTypes", reason: `${m} is not a MIME type` });
    }
    return failures;
}

export const bucketProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: BucketInputs, news: BucketInputs) {
        return { inputs: news, failures: bucketFailures(news) };
    },

    async diff(_id: string, olds: BucketInputs, news: BucketInputs) {
        const sorted = (b: BucketInputs) => ({ ...b, allowedMimeTypes: Array.isArray(b.allowedMimeTypes) ? [...b.allowedMimeTypes].sort() : b.allowedMimeTypes });
        const o = sorted(olds) as unknown as Record<string, unknown>;
        const n = sorted(news) as unknown as Record<string, unknown>;
        const replaces = changedKeys(o, n, ["bucketId"]);
        const changes = [...replaces, ...changedKeys(o, n, ["public", "fileSizeLimit", "allowedMimeTypes", "connection"])];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: BucketInputs) {
        await upsert(inputs);
        return { id: inputs.bucketId, outs: inputs };
    },

    async update(_id: string, _olds: BucketInputs, news: BucketInputs) {
        await upsert(news);
        return { outs: news };
    },

    // No delete: buckets are registered with retainOnDelete (app.ts), so a bucket that leaves the
    // program keeps its files and rows; storage v1 also refuses direct deletes from its tables
    // (the protect_buckets_delete trigger), so an emptied bucket is removed through the storage API.
};

export interface BucketArgs {
    connection: pulumi.Input<DbConnection>;
    bucketId: pulumi.Input<string>;
    public: pulumi.Input<boolean>;
    fileSizeLimit: pulumi.Input<number>;
    allowedMimeTypes: pulumi.Input<pulumi.Input<string>[]>;
}

/** A storage bucket (`pulumi-nodejs:dynamic/database:Bucket`). */
export class Bucket extends pulumi.dynamic.Resource {
    constructor(name: string, args: BucketArgs, opts?: pulumi.CustomResourceOptions) {
        super(bucketProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "Bucket");
    }
}
