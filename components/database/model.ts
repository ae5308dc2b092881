// The vocabulary an app's database definition is written in: tables, their policies, grants and
// storage buckets. Plain data, so the same definition drives the program, the review report and
// the tests on a real PostgreSQL.

/** The API roles PostgREST and Storage switch to (their names are fixed by the image). */
export type ApiRole = "anon" | "authenticated" | "service_role";
export const API_ROLES: readonly ApiRole[] = ["anon", "authenticated", "service_role"];

export type PolicyCommand = "select" | "insert" | "update" | "delete" | "all";

/** The signed-in user, read once per statement (an initplan) rather than once per row. */
export const CURRENT_USER_ID = "(select auth.uid())";

export interface ColumnDefinition {
    name: string;
    /** SQL type, e.g. "uuid", "numeric(12,2)", "timestamptz". */
    type: string;
    /** Defaults to false: columns are NOT NULL unless they say otherwise. */
    nullable?: boolean;
    /** SQL expression of the default, e.g. "gen_random_uuid()". */
    default?: string;
    /** Foreign key, e.g. { table: "auth.users", column: "id", onDelete: "cascade" }. */
    references?: { table: string; column: string; onDelete?: "cascade" | "set null" | "restrict" };
    /** A CHECK constraint on this column, e.g. "amount <> 0". */
    check?: string;
}

export interface IndexDefinition {
    /** Index name, unique within the schema. */
    name: string;
    columns: string[];
    unique?: boolean;
}

export interface PolicyDefinition {
    /** Unique per table; shown by pg_policies and in the review report. */
    name: string;
    command: PolicyCommand;
    roles: string[];
    /** Which existing rows the roles see or touch (not allowed for insert). */
    using?: string;
    /** Which new or changed rows are accepted (not allowed for select and delete). */
    withCheck?: string;
}

export interface TableDefinition {
    name: string;
    /** One-line purpose, carried into the review report. */
    description: string;
    columns: ColumnDefinition[];
    primaryKey: string[];
    /** Column pairs or tuples that must be unique (beyond the primary key). */
    unique?: string[][];
    indexes?: IndexDefinition[];
    /** The column naming the user a row belongs to; it must be indexed (checked in tests). */
    ownerColumn?: string;
    /** Table privileges per role. RLS then decides which rows; no privilege means no access at all. */
    grants: Partial<Record<string, string[]>>;
    /** Every table has RLS enabled; these policies are everything a role may do. */
    policies: PolicyDefinition[];
    /** Opt into Realtime's postgres_changes: the table joins the publication supabase_realtime (realtime-model.ts). */
    realtime?: boolean;
}

export interface StoragePolicyDefinition extends PolicyDefinition {}

export interface BucketDefinition {
    /** Bucket id and name (the storage API uses the same value). */
    id: string;
    /** Public buckets serve objects by URL without a token; listing still follows the policies. */
    public: boolean;
    /** Largest object in bytes. */
    fileSizeLimit: number;
    allowedMimeTypes: string[];
    /** Policies on storage.objects, each limited to this bucket by its expressions. */
    policies: StoragePolicyDefinition[];
}

export interface AppDefinition {
    /** The schema; must match the app's entry in the stack config `apps`. */
    schema: string;
    description: string;
    tables: TableDefinition[];
    buckets: BucketDefinition[];
    /** Policies on realtime.messages: who may join and send on which private channels (realtime-model.ts). */
    realtimeChannels?: PolicyDefinition[];
}

/** The four owner-only policies of a table whose rows belong to the user in `column`. */
export function ownerPolicies(table: string, column = "user_id"): PolicyDefinition[] {
    const mine = `${column} = ${CURRENT_USER_ID}`;
    return [
        { name: `${table}: owners read`, command: "select", roles: ["authenticated"], using: mine },
        { name: `${table}: owners insert`, command: "insert", roles: ["authenticated"], withCheck: mine },
        { name: `${table}: owners update`, command: "update", roles: ["authenticated"], using: mine, withCheck: mine },
        { name: `${table}: owners delete`, command: "delete", roles: ["authenticated"], using: mine },
    ];
}

/**
 * Storage policies letting a signed-in user work only under the folder named after their id:
 * `<bucket>/<user id>/...`. Read covers listing and download through the API.
 */
export function ownerFolderPolicies(bucket: string): StoragePolicyDefinition[] {
    const inBucket = `bucket_id = '${bucket}' and (storage.foldername(name))[1] = ${CURRENT_USER_ID}::text`;
    return [
        { name: `${bucket}: owners read`, command: "select", roles: ["authenticated"], using: inBucket },
        { name: `${bucket}: owners upload`, command: "insert", roles: ["authenticated"], withCheck: inBucket },
        { name: `${bucket}: owners update`, command: "update", roles: ["authenticated"], using: inBucket, withCheck: inBucket },
        { name: `${bucket}: owners delete`, command: "delete", roles: ["authenticated"], using: inBucket },
    ];
}

/** Privileges on a table for a role that reads and writes through RLS. */
export const READ_WRITE = ["SELECT", "INSERT", "UPDATE", "DELETE"];
export const READ_ONLY = ["SELECT"];
/** What service_role holds on every app table (it bypasses RLS). */
export const SERVICE_ROLE_TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
