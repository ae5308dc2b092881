// How the database layer's dynamic providers reach PostgreSQL. Everything here is serialized into
// each provider's closure: `pg` is required inside the call and a client lives for one call only.
import type { Client } from "pg";

/** Admin connection handed to every custom resource as a secret input. */
export interface DbConnection {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
}

/** Inputs Pulumi may still hold as the preview placeholder for an unknown value. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export async function withClient<T>(connection: DbConnection, fn: (client: Client) => Promise<T>): Promise<T> {
    const pg = require("pg") as typeof import("pg");
    // The supabase/postgres image ships with ssl = off; the connection stays inside the cluster,
    // the port-forward tunnel or the source-restricted admin LoadBalancer.
    const client = new pg.Client({
        host: connection.host,
        port: connection.port,
        user: connection.user,
        password: connection.password,
        database: connection.database,
        ssl: false,
        connectionTimeoutMillis: 20_000,
        application_name: "pulumi-database-layer",
    });
    await client.connect().catch((error: Error & { code?: string }) => {
        // Other errors (a wrong password: 28P01) keep their code: callers act on it.
        throw refusedOnLoopback(connection, error) ? new Error(closedPortMessage(connection)) : error;
    });
    try {
        return await fn(client);
    } finally {
        await client.end();
    }
}

/** A refused connection to a loopback port: nothing listens there (yet). */
export function refusedOnLoopback(connection: Pick<DbConnection, "host">, error: { code?: string }): boolean {
    return error.code === "ECONNREFUSED" && ["127.0.0.1", "localhost"].includes(connection.host);
}

/**
 * What a refused loopback port means: in tunnel mode the program opens it, and `pulumi refresh`,
 * `destroy` and `import` do not run the program unless told to.
 */
export function closedPortMessage(connection: Pick<DbConnection, "host" | "port">): string {
    return `cannot reach PostgreSQL at ${connection.host}:${connection.port} (connection refused). With dbAdminEndpoint tunnel the program itself ` +
        "opens this port, so a command that does not run the program finds it closed: run `pulumi refresh --run-program` and " +
        "`pulumi destroy --run-program` (or set PULUMI_RUN_PROGRAM=true), and for `pulumi import` keep `npm run db-tunnel -- --stack <stack>` " +
        "running beside it. With dbAdminEndpoint port-forward, start your own tunnel to this port first.";
}

/** Runs fn in one transaction: everything or nothing. */
export async function inTransaction<T>(connection: DbConnection, fn: (client: Client) => Promise<T>): Promise<T> {
    return withClient(connection, async (client) => {
        await client.query("BEGIN");
        try {
            const result = await fn(client);
            await client.query("COMMIT");
            return result;
        } catch (error) {
            await client.query("ROLLBACK");
            throw error;
        }
    });
}

/** `schema.name` with both parts quoted. */
export function qualified(schema: string, name: string): string {
    const pg = require("pg") as typeof import("pg");
    return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

export function ident(name: string): string {
    const pg = require("pg") as typeof import("pg");
    return pg.escapeIdentifier(name);
}

/** Stable JSON for comparing inputs (object keys sorted, undefined dropped). */
export function canonical(value: unknown): string {
    const sort = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(sort);
        if (v && typeof v === "object") {
            return Object.fromEntries(Object.keys(v as object).sort()
                .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
                .map((k) => [k, sort((v as Record<string, unknown>)[k])]));
        }
        return v;
    };
    return JSON.stringify(sort(value));
}

/** Names of the properties whose canonical form differs. */
export function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>, keys: string[]): string[] {
    return keys.filter((k) => canonical(olds[k]) !== canonical(news[k]));
}
