// Row-level security policies as a custom resource: the provider has no policy resource. Every
// field a reviewer cares about is an input, so `pulumi preview` names what changes.
import * as pulumi from "@pulumi/pulumi";
import { PolicyCommand } from "../model";
import { changedKeys, DbConnection, ident, inTransaction, qualified, UNKNOWN, withClient } from "./connection";

export interface PolicyInputs {
    connection: DbConnection;
    schema: string;
    table: string;
    name: string;
    command: PolicyCommand;
    roles: string[];
    using?: string;
    withCheck?: string;
}

const COMMANDS: PolicyCommand[] = ["select", "insert", "update", "delete", "all"];
/** Changing these names another object: create the new policy, then drop the old one. */
const IDENTITY = ["schema", "table", "name"];
const MUTABLE = ["command", "roles", "using", "withCheck", "connection"];

function roleList(roles: string[]): string {
    return [...roles].sort().map((r) => (r.toLowerCase() === "public" ? "PUBLIC" : ident(r))).join(", ");
}

function createSql(p: PolicyInputs): string {
    return [
        `CREATE POLICY ${ident(p.name)} ON ${qualified(p.schema, p.table)} AS PERMISSIVE`,
        `FOR ${p.command.toUpperCase()} TO ${roleList(p.roles)}`,
        p.using !== undefined ? `USING (${p.using})` : "",
        p.withCheck !== undefined ? `WITH CHECK (${p.withCheck})` : "",
    ].filter(Boolean).join(" ");
}

function dropSql(p: PolicyInputs): string {
    return `DROP POLICY IF EXISTS ${ident(p.name)} ON ${qualified(p.schema, p.table)}`;
}

/** Problems with a policy definition; unknown (preview) values are not judged. */
export function policyFailures(p: Partial<PolicyInputs>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (v: unknown) => v !== undefined && v !== UNKNOWN;
    if (known(p.command) && !COMMANDS.includes(p.command as PolicyCommand)) {
        failures.push({ property: "command", reason: `must be one of ${COMMANDS.join(", ")}` });
    }
    if (known(p.roles) && Array.isArray(p.roles) && p.roles.length === 0) {
        failures.push({ property: "roles", reason: "name at least one role; a policy for nobody grants nothing" });
    }
    if (p.command === "insert" && known(p.using)) failures.push({ property: "using", reason: "INSERT policies only take WITH CHECK" });
    if ((p.command === "select" || p.command === "delete") && known(p.withCheck)) {
        failures.push({ property: "withCheck", reason: `${p.command.toUpperCase()} policies only take USING` });
    }
    if (p.using === undefined && p.withCheck === undefined) {
        failures.push({ property: "using", reason: "give USING or WITH CHECK; an empty policy matches no rows" });
    }
    return failures;
}

export const policyProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: PolicyInputs, news: PolicyInputs) {
        return { inputs: news, failures: policyFailures(news) };
    },

    async diff(_id: string, olds: PolicyInputs, news: PolicyInputs) {
        const normalize = (p: PolicyInputs) => ({ ...p, roles: Array.isArray(p.roles) ? [...p.roles].sort() : p.roles });
        const o = normalize(olds) as unknown as Record<string, unknown>;
        const n = normalize(news) as unknown as Record<string, unknown>;
        const replaces = changedKeys(o, n, IDENTITY);
        const changes = [...replaces, ...changedKeys(o, n, MUTABLE)];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: PolicyInputs) {
        await withClient(inputs.connection, (client) => client.query(createSql(inputs)));
        return { id: `${inputs.schema}.${inputs.table}/${inputs.name}`, outs: inputs };
    },

    async update(_id: string, olds: PolicyInputs, news: PolicyInputs) {
        const sqlChanged = changedKeys(olds as any, news as any, ["command", "roles", "using", "withCheck"]).length > 0;
        if (!sqlChanged) return { outs: news };
        // ALTER POLICY cannot change the command or drop a clause; otherwise replace it atomically.
        const alterable = olds.command === news.command
            && (news.using !== undefined || olds.using === undefined)
            && (news.withCheck !== undefined || olds.withCheck === undefined);
        if (alterable) {
            const sql = [
                `ALTER POLICY ${ident(news.name)} ON ${qualified(news.schema, news.table)} TO ${roleList(news.roles)}`,
                news.using !== undefined ? `USING (${news.using})` : "",
                news.withCheck !== undefined ? `WITH CHECK (${news.withCheck})` : "",
            ].filter(Boolean).join(" ");
            await withClient(news.connection, (client) => client.query(sql));
        } else {
            await inTransaction(news.connection, async (client) => {
                await client.query(dropSql(olds));
                await client.query(createSql(news));
            });
        }
        return { outs: news };
    },

    async delete(_id: string, props: PolicyInputs) {
        await withClient(props.connection, async (client) => {
            // Dropping the table already dropped its policies.
            const table = await client.query("select to_regclass($1) is not null as present", [qualified(props.schema, props.table)]);
            if (table.rows[0].present) await client.query(dropSql(props));
        });
    },
};

export interface PolicyArgs {
    connection: pulumi.Input<DbConnection>;
    schema: pulumi.Input<string>;
    table: pulumi.Input<string>;
    /** Unique per table. */
    name: pulumi.Input<string>;
    command: pulumi.Input<PolicyCommand>;
    roles: pulumi.Input<pulumi.Input<string>[]>;
    using?: pulumi.Input<string>;
    withCheck?: pulumi.Input<string>;
}

/** One RLS policy (`pulumi-nodejs:dynamic/database:Policy`). */
export class Policy extends pulumi.dynamic.Resource {
    constructor(name: string, args: PolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(policyProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "Policy");
    }
}
