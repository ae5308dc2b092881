// Realtime's database side (issue #15), switched on with the platform's Realtime:
//
//   1. `_realtime`: Realtime's metadata Repo (tenants, extensions, schema_migrations) lands there
//      through DB_AFTER_CONNECT_QUERY='SET search_path TO _realtime'. Its own migrations do not
//      create it (supabase/realtime@v2.129.8:priv/repo/migrations), so it must exist before the pod
//      boots: `ready` is what the Realtime workload depends on.
//   2. `realtime` and the publication `supabase_realtime`: the image creates both
//      (supabase/postgres@15.1.1.78:migrations/db/migrations/20211118015519_create-realtime-schema.sql:4,
//      migrations/db/init-scripts/00000000000000-initial-schema.sql:5); the layer adopts them, or
//      creates them on a database that lacks them. Realtime's tenant migrations need `realtime`
//      (prefix "realtime"), and postgres_changes read the publication.
//   3. The role Realtime connects as: supabase_admin (DB_USER). ENVS.md@v2.129.8:13 requires a
//      superuser: its tenant migrations create the role supabase_realtime_admin and hand it
//      realtime.*, the authorization check switches to each user's role, and postgres_changes
//      create a replication slot. The layer already keeps that role's password equal to the
//      bundle's (RolePasswords); `dbUser` is the name the workload reads.
//   4. The apps' opt-ins: each table with `realtime: true` joins the publication (after the table
//      exists), and each app's `realtimeChannels` become policies on realtime.messages. That
//      table is Realtime's (tenant migration 20240523004032 and later), so its policies wait
//      until Realtime has migrated (`authorizeChannels`).
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { DATABASE, OBJECT_OWNER } from "./app";
import { AppDefinition } from "./model";
import { DbConnection } from "./providers/connection";
import { Policy } from "./providers/policy";
import { Publication, PublicationTable, RelationReady } from "./providers/realtime";
import {
    REALTIME_AFTER_CONNECT_QUERY, REALTIME_MESSAGES, REALTIME_METADATA_SCHEMA, REALTIME_PUBLICATION, REALTIME_SCHEMA, realtimeTables,
} from "./realtime-model";

/** The role Realtime logs in as (DB_USER): a superuser, see the header. */
export const REALTIME_DB_USER = OBJECT_OWNER;

/** How long the channel policies wait for Realtime to create realtime.messages. */
export const MESSAGES_TIMEOUT_SECONDS = 600;

export const MESSAGES_MISSING_HINT =
    "Realtime has not run its tenant migrations yet. From v2.33 on, SEED_SELF_HOST=true runs them at boot (v2.129.8 priv/repo/seeds.exs:50-51): "
    + "check the realtime pod's logs. v2.29.15 runs them only when the first client connects: connect once (npm run smoke), then run `pulumi up` again.";

export interface RealtimeDatabaseArgs {
    /** The @pulumi/postgresql provider at the admin endpoint. */
    provider: postgresql.Provider;
    /** Admin connection for the custom resources (a secret Output). */
    connection: pulumi.Output<DbConnection>;
    /** PostgreSQL reachable and the login roles' passwords set. */
    databaseReady: pulumi.Input<pulumi.Resource>[];
    /** Each app's definition and its created tables (AppDatabase.tables). */
    apps: { definition: AppDefinition; tables: Record<string, pulumi.Resource> }[];
    /**
     * Leave the realtime.messages policies for a later `authorizeChannels(after)` call, e.g. to
     * make them depend on the Realtime workload (which itself depends on `ready`).
     */
    deferChannels?: boolean;
    /** Default MESSAGES_TIMEOUT_SECONDS. */
    messagesTimeoutSeconds?: number;
}

export class RealtimeDatabase extends pulumi.ComponentResource {
    /** DB_USER of the Realtime workload. */
    readonly dbUser = REALTIME_DB_USER;
    /** DB_AFTER_CONNECT_QUERY of the Realtime workload. */
    readonly afterConnectQuery = REALTIME_AFTER_CONNECT_QUERY;
    readonly publicationName = REALTIME_PUBLICATION;
    readonly metadataSchema: postgresql.Schema;
    readonly schema: postgresql.Schema;
    readonly publication: Publication;
    /** Per opted-in table, `<schema>.<table>`. */
    readonly publicationTables: Record<string, PublicationTable> = {};
    /** What the Realtime workload must wait for: its schemas and the publication. */
    readonly ready: pulumi.Resource[];
    /** Set once the channel policies are declared. */
    messages?: RelationReady;
    readonly channelPolicies: Policy[] = [];

    private readonly args: RealtimeDatabaseArgs;
    private readonly baseName: string;

    constructor(name: string, args: RealtimeDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:database:Realtime", name, {}, opts);
        this.args = args;
        this.baseName = name;
        const { provider, connection } = args;
        const pg = { parent: this, provider, dependsOn: args.databaseReady };
        // Kept when Realtime is switched off: _realtime holds the tenant and its encrypted secrets,
        // realtime is the image's schema. Drop them by hand if you mean it.
        this.metadataSchema = new postgresql.Schema(`${name}-metadata-schema`, {
            name: REALTIME_METADATA_SCHEMA, owner: REALTIME_DB_USER, database: DATABASE, dropCascade: false,
        }, { ...pg, retainOnDelete: true });
        this.schema = new postgresql.Schema(`${name}-schema`, {
            name: REALTIME_SCHEMA, owner: REALTIME_DB_USER, database: DATABASE, dropCascade: false,
        }, { ...pg, retainOnDelete: true });
        this.publication = new Publication(`${name}-publication`, {
            connection, publication: REALTIME_PUBLICATION,
        }, { parent: this, dependsOn: args.databaseReady });
        this.ready = [this.metadataSchema, this.schema, this.publication];

        for (const app of args.apps) {
            for (const table of realtimeTables(app.definition)) {
                const created = app.tables[table];
                if (!created) throw new Error(`${app.definition.schema}.${table} opts into Realtime but was not created`);
                this.publicationTables[`${app.definition.schema}.${table}`] = new PublicationTable(`${name}-publication-${app.definition.schema}-${table}`, {
                    connection, publication: REALTIME_PUBLICATION, schema: app.definition.schema, table,
                }, { parent: this, dependsOn: [this.publication, created] });
            }
        }
        if (!args.deferChannels) this.authorizeChannels();
        this.registerOutputs({ dbUser: this.dbUser, publication: this.publicationName });
    }

    /**
     * The apps' policies on realtime.messages, once Realtime has created that table. `after` is
     * what to start waiting after (the Realtime workload); the wait itself polls for the table.
     */
    authorizeChannels(after: pulumi.Input<pulumi.Resource>[] = []): void {
        if (this.messages) throw new Error("authorizeChannels was already called");
        const { connection } = this.args;
        const policies = this.args.apps.flatMap((app) => app.definition.realtimeChannels ?? []);
        if (policies.length === 0) return;
        this.messages = new RelationReady(`${this.baseName}-messages-ready`, {
            connection,
            relation: `${REALTIME_SCHEMA}.${REALTIME_MESSAGES}`,
            timeoutSeconds: this.args.messagesTimeoutSeconds ?? MESSAGES_TIMEOUT_SECONDS,
            hint: MESSAGES_MISSING_HINT,
        }, { parent: this, dependsOn: [...this.ready, ...Object.values(this.publicationTables), ...after] });
        for (const policy of policies) {
            this.channelPolicies.push(new Policy(`${this.baseName}-messages-${slug(policy.name)}`, {
                connection, schema: REALTIME_SCHEMA, table: REALTIME_MESSAGES, ...policy,
            }, { parent: this, dependsOn: [this.messages] }));
        }
    }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/**
 * The entry point for DatabaseLayer: Realtime's database side when `enabled`, nothing otherwise.
 * `apps` are the layer's AppDatabase results with their definitions.
 */
export function realtimeDatabase(name: string, enabled: boolean, args: RealtimeDatabaseArgs, opts?: pulumi.ComponentResourceOptions): RealtimeDatabase | undefined {
    return enabled ? new RealtimeDatabase(name, args, opts) : undefined;
}
