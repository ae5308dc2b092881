// One app's slice of the database: its schema, who may use it, its tables with their policies,
// and its storage buckets. Built from the app's definition file (apps/<schema>.ts).
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { API_ROLES, AppDefinition, SERVICE_ROLE_TABLE_PRIVILEGES, TableDefinition } from "./model";
import { Bucket } from "./providers/bucket";
import { DbConnection } from "./providers/connection";
import { Policy } from "./providers/policy";
import { Table } from "./providers/table";

/** The role that creates every object of the layer (the provider's user). */
export const OBJECT_OWNER = "supabase_admin";
export const DATABASE = "postgres";

/** The app's own backend role: service_role for this schema only (JWT role `<schema>_service`). */
export const appServiceRole = (schema: string) => `${schema}_service`;

/**
 * What the dashboard (Studio through postgres-meta) may do in an app schema when meta's role is not
 * the objects' owner, i.e. from release v0.8.2 on, where meta connects as the image's demoted
 * `postgres` (components/services/meta/index.ts metaDatabaseUser; supabase/postgres
 * migrations/db/migrations/10000000000000_demote-postgres.sql: NOSUPERUSER ... BYPASSRLS).
 * The ownership model: the structure of an app (schema, tables, columns, indexes, RLS policies,
 * grants, buckets) is the program's, owned by supabase_admin, so the dashboard cannot alter it and
 * `pulumi refresh` has no hand-made structure to miss; the rows are the operators', so the table
 * editor reads and edits them (postgres bypasses RLS). Upstream instead reassigns app objects to
 * postgres for this release; that would let the dashboard change what this program declares,
 * behind its back (its table and policy resources do not implement read).
 */
export const DASHBOARD_TABLE_PRIVILEGES = ["SELECT", "INSERT", "UPDATE", "DELETE"];
export const DASHBOARD_SEQUENCE_PRIVILEGES = ["SELECT", "USAGE"];

export interface AppDatabaseArgs {
    definition: AppDefinition;
    /** The @pulumi/postgresql provider pointed at the admin endpoint. */
    provider: postgresql.Provider;
    /** Admin connection for the custom resources (a secret Output). */
    connection: pulumi.Output<DbConnection>;
    /** What must exist before anything is created in the database (PostgreSQL ready, passwords set). */
    databaseReady: pulumi.Input<pulumi.Resource>[];
    /** What must exist before buckets are written (the storage service's migrations). */
    storageReady: pulumi.Input<pulumi.Resource>[];
    /**
     * The role the dashboard's postgres-meta connects as; when it is not OBJECT_OWNER it gets
     * DASHBOARD_TABLE_PRIVILEGES on the app's tables and nothing that changes their structure.
     */
    dashboardRole?: string;
}

/**
 * Builds resources one after another. The postgresql provider locks per grantee (and per database),
 * not per object, so two grants on one schema, table or default-privileges row at once can fail
 * with "tuple concurrently updated" (seen on `pulumi destroy` against the real provider). Chained,
 * the engine creates them in order and deletes them in reverse order.
 */
export function inOrder() {
    let last: pulumi.Resource | undefined;
    return <T extends pulumi.Resource>(make: (after: pulumi.Resource[]) => T): T => {
        const made = make(last ? [last] : []);
        last = made;
        return made;
    };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

export class AppDatabase extends pulumi.ComponentResource {
    readonly schema: postgresql.Schema;
    readonly tables: Record<string, Table> = {};
    readonly serviceRole: postgresql.Role;

    constructor(name: string, args: AppDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:database:App", name, {}, opts);
        const { definition: app, provider, connection } = args;
        const pg = { parent: this, provider };
        const serviceRole = appServiceRole(app.schema);

        // The schema, its tables and buckets hold the app's data: when the app (or a table or bucket)
        // leaves the program they stay in the database, unexposed (its grants, policies and role
        // go), and re-adding them adopts them (docs: "Removing an app").
        this.schema = new postgresql.Schema(`${name}-schema`, {
            name: app.schema, owner: OBJECT_OWNER, database: DATABASE, dropCascade: false,
        }, { ...pg, dependsOn: args.databaseReady, retainOnDelete: true });

        const role = this.serviceRole = new postgresql.Role(`${name}-service-role`, {
            name: serviceRole, login: false, inherit: false, bypassRowLevelSecurity: true,
        }, { ...pg, dependsOn: args.databaseReady });
        // PostgREST logs in as authenticator and switches to the JWT's role, which needs membership.
        new postgresql.GrantRole(`${name}-service-role-authenticator`, {
            role: "authenticator", grantRole: role.name,
        }, pg);

        const dashboard = args.dashboardRole && args.dashboardRole !== OBJECT_OWNER ? args.dashboardRole : undefined;
        const onSchema = inOrder();
        for (const grantee of [...API_ROLES, serviceRole, ...(dashboard ? [dashboard] : [])]) {
            onSchema((after) => new postgresql.Grant(`${name}-usage-${grantee}`, {
                database: DATABASE, schema: this.schema.name, role: grantee, objectType: "schema", privileges: ["USAGE"],
            }, { ...pg, dependsOn: [this.schema, role, ...after] }));
        }

        // Tables created later (outside this file) are the backend's alone until declared here
        // with RLS and policies; the API roles get nothing by default.
        const defaults: [string, string, string[]][] = [
            ["anon", "table", []],
            ["authenticated", "table", []],
            ["service_role", "table", SERVICE_ROLE_TABLE_PRIVILEGES],
            ["service_role", "sequence", ["SELECT", "UPDATE", "USAGE"]],
            ["service_role", "function", ["EXECUTE"]],
            [serviceRole, "table", SERVICE_ROLE_TABLE_PRIVILEGES],
        ];
        const defaultsInOrder = inOrder();
        for (const [grantee, objectType, privileges] of defaults) {
            defaultsInOrder((after) => new postgresql.DefaultPrivileges(`${name}-default-${objectType}-${grantee}`, {
                database: DATABASE, schema: this.schema.name, owner: OBJECT_OWNER, role: grantee, objectType, privileges,
            }, { ...pg, dependsOn: [this.schema, role, ...after] }));
        }

        const allTables: pulumi.Resource[] = [];
        for (const table of app.tables) {
            const sameAppRefs = table.columns
                .map((c) => c.references?.table)
                .filter((t): t is string => !!t && t.startsWith(`${app.schema}.`))
                .map((t) => this.tables[t.slice(app.schema.length + 1)])
                .filter((t): t is Table => !!t);
            const created = new Table(`${name}-${table.name}`, {
                connection,
                schema: this.schema.name,
                name: table.name,
                columns: table.columns,
                primaryKey: table.primaryKey,
                unique: table.unique ?? [],
                indexes: table.indexes ?? [],
            }, { parent: this, dependsOn: [this.schema, ...sameAppRefs, ...args.databaseReady], retainOnDelete: true });
            this.tables[table.name] = created;
            allTables.push(created);
            this.grantTable(name, app.schema, table, created, serviceRole, pg, dashboard);
        }
        if (dashboard && app.tables.length > 0) {
            // Identity and serial columns: the table editor's inserts draw from the app's sequences.
            new postgresql.Grant(`${name}-sequences-${dashboard}`, {
                database: DATABASE, schema: this.schema.name, role: dashboard, objectType: "sequence", objects: [], privileges: DASHBOARD_SEQUENCE_PRIVILEGES,
            }, { ...pg, dependsOn: allTables });
        }
        for (const table of app.tables) {
            for (const policy of table.policies) {
                new Policy(`${name}-${table.name}-${slug(policy.name.replace(`${table.name}:`, ""))}`, {
                    connection, schema: app.schema, table: table.name, ...policy,
                }, { parent: this, dependsOn: allTables });
            }
        }

        for (const bucket of app.buckets) {
            const created = new Bucket(`${name}-bucket-${bucket.id}`, {
                connection, bucketId: bucket.id, public: bucket.public, fileSizeLimit: bucket.fileSizeLimit, allowedMimeTypes: bucket.allowedMimeTypes,
            }, { parent: this, dependsOn: [...args.databaseReady, ...args.storageReady], retainOnDelete: true });
            for (const policy of bucket.policies) {
                new Policy(`${name}-storage-${slug(policy.name)}`, {
                    connection, schema: "storage", table: "objects", ...policy,
                }, { parent: this, dependsOn: [created] });
            }
        }
        this.registerOutputs({ schema: this.schema.name });
    }

    /** One Grant per table and role: the provider revokes, then grants exactly this list. */
    private grantTable(name: string, schema: string, table: TableDefinition, created: Table, serviceRole: string, pg: pulumi.CustomResourceOptions, dashboard?: string) {
        const grants: Record<string, string[]> = {
            ...(table.grants as Record<string, string[]>),
            service_role: SERVICE_ROLE_TABLE_PRIVILEGES,
            [serviceRole]: SERVICE_ROLE_TABLE_PRIVILEGES,
            ...(dashboard ? { [dashboard]: DASHBOARD_TABLE_PRIVILEGES } : {}),
        };
        const onTable = inOrder();
        for (const [grantee, privileges] of Object.entries(grants)) {
            onTable((after) => new postgresql.Grant(`${name}-${table.name}-${grantee}`, {
                database: DATABASE, schema, role: grantee, objectType: "table", objects: [table.name], privileges,
            }, { ...pg, dependsOn: [created, this.serviceRole, ...after] }));
        }
    }
}
