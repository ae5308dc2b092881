// Applies the database resources a program run declared to a real PostgreSQL, the way `pulumi up`
// would: in dependency order, the custom resources through their own exported providers, and the
// @pulumi/postgresql resources through a small applier that executes what each resource means
// (following the provider's documented behaviour). Anything it does not understand is refused.
import { Client, escapeIdentifier as id, escapeLiteral } from "pg";
import { ProgramRun, RecordedResource } from "../../../offline/engine";
import { bucketProvider } from "../../../components/database/providers/bucket";
import { DbConnection } from "../../../components/database/providers/connection";
import { moveGuardProvider } from "../../../components/database/providers/move-guard";
import { policyProvider } from "../../../components/database/providers/policy";
import { publicationProvider, publicationTableProvider, relationReadyProvider } from "../../../components/database/providers/realtime";
import { rolePasswordsProvider } from "../../../components/database/providers/role-passwords";
import { tableProvider } from "../../../components/database/providers/table";

export const DYNAMIC_PROVIDERS = {
    "pulumi-nodejs:dynamic/database:Table": tableProvider,
    "pulumi-nodejs:dynamic/database:Policy": policyProvider,
    "pulumi-nodejs:dynamic/database:Bucket": bucketProvider,
    "pulumi-nodejs:dynamic/database:RolePasswords": rolePasswordsProvider,
    "pulumi-nodejs:dynamic/database:StorageMoveGuard": moveGuardProvider,
    "pulumi-nodejs:dynamic/database:Publication": publicationProvider,
    "pulumi-nodejs:dynamic/database:PublicationTable": publicationTableProvider,
    "pulumi-nodejs:dynamic/database:RelationReady": relationReadyProvider,
} as const;
export type DynamicType = keyof typeof DYNAMIC_PROVIDERS;
const PROVIDER_TYPE = "pulumi:providers:postgresql";

export interface AppliedResource {
    resource: RecordedResource;
    /** For custom resources: the id and outputs their provider returned. */
    id?: string;
    outs?: Record<string, any>;
}

/** Where the test server listens; stands in for the cluster's Service address. */
export interface Target {
    host: string;
    port: number;
}

/** The database layer's resources: every descendant of the DatabaseLayer component. */
export function databaseResources(run: ProgramRun): RecordedResource[] {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const inLayer = (r: RecordedResource): boolean => {
        for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent)) if (p.type === "supabase:database:DatabaseLayer") return true;
        return false;
    };
    // Kubernetes objects of the layer (the admin LoadBalancer) are not database objects.
    return run.resources.filter((r) => r.custom && inLayer(r) && !r.type.startsWith("kubernetes:"));
}

/** Dependency order (Kahn), stable on the recorded registration order. */
export function dependencyOrder(resources: RecordedResource[]): RecordedResource[] {
    const urns = new Set(resources.map((r) => r.urn));
    const done = new Set<string>();
    const out: RecordedResource[] = [];
    while (out.length < resources.length) {
        const next = resources.find((r) => !done.has(r.urn) && r.dependencies.every((d) => !urns.has(d) || done.has(d)));
        if (!next) throw new Error("dependency cycle among database resources");
        done.add(next.urn);
        out.push(next);
    }
    return out;
}

/** Recorded inputs of a custom resource, pointed at the test server instead of the cluster. */
export function retarget<T extends Record<string, any>>(inputs: T, target: Target): T {
    const { __provider, ...rest } = inputs as Record<string, any>;
    void __provider;
    const connection = rest.connection as DbConnection | undefined;
    return (connection ? { ...rest, connection: { ...connection, host: target.host, port: target.port } } : rest) as T;
}

function refuseUnknown(r: RecordedResource, known: string[]): void {
    const unknown = Object.keys(r.inputs).filter((k) => !known.includes(k) && r.inputs[k] !== undefined);
    if (unknown.length > 0) throw new Error(`test applier does not implement ${r.type} option(s) ${unknown.join(", ")} (${r.name})`);
}

const grantee = (role: string) => (role.toLowerCase() === "public" ? "PUBLIC" : id(role));
const PRIVILEGES: Record<string, string[]> = {
    database: ["CREATE", "CONNECT", "TEMPORARY"],
    schema: ["CREATE", "USAGE"],
    table: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    sequence: ["USAGE", "SELECT", "UPDATE"],
    function: ["EXECUTE"],
    type: ["USAGE"],
};
const PLURAL: Record<string, string> = { table: "TABLES", sequence: "SEQUENCES", function: "FUNCTIONS", type: "TYPES" };

function checkPrivileges(r: RecordedResource, objectType: string, privileges: string[]): void {
    const allowed = PRIVILEGES[objectType];
    if (!allowed) throw new Error(`test applier does not implement objectType ${objectType} (${r.name})`);
    const bad = privileges.filter((p) => !allowed.includes(p.toUpperCase()));
    if (bad.length > 0) throw new Error(`${r.name}: ${bad.join(", ")} is not a ${objectType} privilege`);
}

/** One @pulumi/postgresql resource as SQL, as its provider executes it on create. */
export function postgresqlStatements(r: RecordedResource, database: string): string[] {
    const i = r.inputs;
    if (i.database !== undefined && i.database !== database) throw new Error(`${r.name}: database ${i.database} is not the provider's ${database}`);
    switch (r.type) {
        case "postgresql:index/schema:Schema": {
            refuseUnknown(r, ["name", "owner", "database", "dropCascade", "ifNotExists"]);
            const name = id(i.name ?? r.name);
            // ifNotExists defaults to true: an existing schema is adopted and given its owner.
            const create = i.ifNotExists === false ? `CREATE SCHEMA ${name}` : `CREATE SCHEMA IF NOT EXISTS ${name}`;
            return i.owner ? [create, `ALTER SCHEMA ${name} OWNER TO ${id(i.owner)}`] : [create];
        }
        case "postgresql:index/role:Role": {
            refuseUnknown(r, ["name", "login", "inherit", "bypassRowLevelSecurity", "superuser", "createDatabase", "createRole", "replication", "connectionLimit", "roles", "searchPaths", "statementTimeout", "password"]);
            const flag = (on: boolean | undefined, dflt: boolean, word: string) => ((on ?? dflt) ? word : `NO${word}`);
            const name = id(i.name ?? r.name);
            const out = [
                `CREATE ROLE ${name} WITH ${[
                    flag(i.login, false, "LOGIN"), flag(i.inherit, true, "INHERIT"), flag(i.bypassRowLevelSecurity, false, "BYPASSRLS"),
                    flag(i.superuser, false, "SUPERUSER"), flag(i.createDatabase, false, "CREATEDB"), flag(i.createRole, false, "CREATEROLE"),
                    flag(i.replication, false, "REPLICATION"), `CONNECTION LIMIT ${Number(i.connectionLimit ?? -1)}`,
                    // The provider sets the password in CREATE ROLE (PostgreSQL hashes it as password_encryption says).
                    ...(i.password ? [`PASSWORD ${escapeLiteral(String(i.password))}`] : []),
                ].join(" ")}`,
                ...((i.roles ?? []) as string[]).map((member) => `GRANT ${id(member)} TO ${name}`),
            ];
            if (i.searchPaths?.length) out.push(`ALTER ROLE ${name} SET search_path TO ${(i.searchPaths as string[]).map(id).join(", ")}`);
            if (i.statementTimeout) out.push(`ALTER ROLE ${name} SET statement_timeout TO ${Number(i.statementTimeout)}`);
            return out;
        }
        case "postgresql:index/grantRole:GrantRole":
            refuseUnknown(r, ["role", "grantRole", "withAdminOption"]);
            return [`GRANT ${id(i.grantRole)} TO ${id(i.role)}${i.withAdminOption ? " WITH ADMIN OPTION" : ""}`];
        case "postgresql:index/grant:Grant": {
            refuseUnknown(r, ["database", "schema", "role", "objectType", "objects", "privileges", "withGrantOption"]);
            const privileges = (i.privileges ?? []) as string[];
            checkPrivileges(r, i.objectType, privileges);
            const objects = (i.objects ?? []) as string[];
            let on: string;
            if (i.objectType === "database") on = `DATABASE ${id(database)}`;
            else if (i.objectType === "schema") {
                if (objects.length) throw new Error(`${r.name}: objects are not allowed with objectType schema`);
                on = `SCHEMA ${id(i.schema)}`;
            } else if (objects.length === 0) on = `ALL ${PLURAL[i.objectType]} IN SCHEMA ${id(i.schema)}`;
            else if (i.objectType === "function") throw new Error(`${r.name}: named function grants need signatures; not implemented`);
            else on = `${i.objectType.toUpperCase()} ${objects.map((o) => `${id(i.schema)}.${id(o)}`).join(", ")}`;
            // The provider revokes everything first, in the same transaction, so a shorter list
            // really takes privileges away; an empty list only revokes.
            const out = [`REVOKE ALL PRIVILEGES ON ${on} FROM ${grantee(i.role)}`];
            if (privileges.length) out.push(`GRANT ${privileges.join(", ")} ON ${on} TO ${grantee(i.role)}${i.withGrantOption ? " WITH GRANT OPTION" : ""}`);
            return out;
        }
        case "postgresql:index/defaultPrivileges:DefaultPrivileges": {
            refuseUnknown(r, ["database", "schema", "owner", "role", "objectType", "privileges", "withGrantOption"]);
            const privileges = (i.privileges ?? []) as string[];
            checkPrivileges(r, i.objectType, privileges);
            const plural = PLURAL[i.objectType];
            if (!plural) throw new Error(`test applier does not implement default privileges on ${i.objectType}`);
            const scope = `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(i.owner)}${i.schema ? ` IN SCHEMA ${id(i.schema)}` : ""}`;
            const out = [`${scope} REVOKE ALL ON ${plural} FROM ${grantee(i.role)}`];
            if (privileges.length) out.push(`${scope} GRANT ${privileges.join(", ")} ON ${plural} TO ${grantee(i.role)}${i.withGrantOption ? " WITH GRANT OPTION" : ""}`);
            return out;
        }
        case "postgresql:index/extension:Extension": {
            refuseUnknown(r, ["name", "schema", "database", "version", "createCascade", "dropCascade"]);
            return [[
                `CREATE EXTENSION IF NOT EXISTS ${id(i.name ?? r.name)}`,
                i.schema ? `WITH SCHEMA ${id(i.schema)}` : "",
                i.version ? `VERSION '${String(i.version).replace(/'/g, "''")}'` : "",
                i.createCascade ? "CASCADE" : "",
            ].filter(Boolean).join(" ")];
        }
        default:
            throw new Error(`test applier does not implement ${r.type} (${r.name})`);
    }
}

/** The admin connection the program's @pulumi/postgresql provider declares, retargeted. */
export function providerConnection(r: RecordedResource, target: Target): DbConnection {
    refuseUnknown(r, ["host", "port", "database", "username", "password", "sslmode", "superuser", "connectTimeout"]);
    if (r.inputs.sslmode !== "disable") throw new Error(`provider sslmode ${r.inputs.sslmode}: the test server speaks plain TCP`);
    return { host: target.host, port: target.port, user: r.inputs.username, password: r.inputs.password, database: r.inputs.database ?? "postgres" };
}

/** Applies every database resource of the run, in order; returns what was created. */
export async function applyDatabaseLayer(run: ProgramRun, target: Target): Promise<AppliedResource[]> {
    const resources = dependencyOrder(databaseResources(run));
    const providers = resources.filter((r) => r.type === PROVIDER_TYPE);
    if (providers.length !== 1) throw new Error(`expected one postgresql provider, found ${providers.length}`);
    const admin = providerConnection(providers[0], target);
    const applied: AppliedResource[] = [];
    let client: Client | undefined;
    try {
        for (const r of resources) {
            if (r.type === PROVIDER_TYPE) {
                applied.push({ resource: r });
            } else if (r.type in DYNAMIC_PROVIDERS) {
                // Closed before each custom resource: RolePasswords may change the admin password.
                await client?.end();
                client = undefined;
                const provider = DYNAMIC_PROVIDERS[r.type as DynamicType];
                const inputs = retarget(r.inputs, target);
                const checked = await provider.check?.({}, inputs);
                if (checked?.failures?.length) throw new Error(`${r.name}: ${JSON.stringify(checked.failures)}`);
                const { id: createdId, outs } = await provider.create(inputs);
                applied.push({ resource: r, id: createdId, outs });
            } else if (r.type.startsWith("postgresql:")) {
                if (!client) {
                    client = new Client(admin);
                    await client.connect();
                }
                await client.query("BEGIN");
                try {
                    for (const sql of postgresqlStatements(r, admin.database)) await client.query(sql);
                    await client.query("COMMIT");
                } catch (error) {
                    await client.query("ROLLBACK");
                    throw new Error(`${r.name}: ${(error as Error).message}`);
                }
                applied.push({ resource: r });
            } else {
                throw new Error(`test applier does not implement ${r.type} (${r.name})`);
            }
        }
    } finally {
        await client?.end();
    }
    return applied;
}
