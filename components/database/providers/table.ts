// App tables as a custom resource, always with row-level security enabled. Column, key and index
// changes are applied in place, in one transaction; a new schema or name is a new table.
import * as pulumi from "@pulumi/pulumi";
import type { Client } from "pg";
import { ColumnDefinition, IndexDefinition } from "../model";
import { canonical, changedKeys, DbConnection, ident, inTransaction, qualified, UNKNOWN } from "./connection";

export interface TableInputs {
    connection: DbConnection;
    schema: string;
    name: string;
    columns: ColumnDefinition[];
    primaryKey: string[];
    unique?: string[][];
    indexes?: IndexDefinition[];
}

const IDENTITY = ["schema", "name"];
const MUTABLE = ["columns", "primaryKey", "unique", "indexes", "connection"];

function reference(target: string): string {
    const [schema, table] = target.includes(".") ? target.split(".", 2) : ["public", target];
    return qualified(schema, table);
}

/** Constraint names follow PostgreSQL's own defaults, so they can be found again on update. */
const names = {
    pkey: (t: string) => `${t}_pkey`,
    check: (t: string, c: string) => `${t}_${c}_check`,
    fkey: (t: string, c: string) => `${t}_${c}_fkey`,
    unique: (t: string, cols: string[]) => `${t}_${cols.join("_")}_key`,
};

function fkeySql(table: string, c: ColumnDefinition): string {
    const r = c.references!;
    return `CONSTRAINT ${ident(names.fkey(table, c.name))} FOREIGN KEY (${ident(c.name)}) REFERENCES ${reference(r.table)} (${ident(r.column)})`
        + (r.onDelete ? ` ON DELETE ${r.onDelete.toUpperCase()}` : "");
}

function checkSql(table: string, c: ColumnDefinition): string {
    return `CONSTRAINT ${ident(names.check(table, c.name))} CHECK (${c.check})`;
}

function columnSql(c: ColumnDefinition): string {
    return [ident(c.name), c.type, c.nullable ? "" : "NOT NULL", c.default !== undefined ? `DEFAULT ${c.default}` : ""]
        .filter(Boolean).join(" ");
}

function uniqueSql(table: string, cols: string[]): string {
    return `CONSTRAINT ${ident(names.unique(table, cols))} UNIQUE (${cols.map(ident).join(", ")})`;
}

function indexSql(schema: string, table: string, i: IndexDefinition): string {
    return `CREATE ${i.unique ? "UNIQUE " : ""}INDEX ${ident(i.name)} ON ${qualified(schema, table)} (${i.columns.map(ident).join(", ")})`;
}

function createStatements(t: TableInputs): string[] {
    const parts = [
        ...t.columns.map(columnSql),
        `CONSTRAINT ${ident(names.pkey(t.name))} PRIMARY KEY (${t.primaryKey.map(ident).join(", ")})`,
        ...(t.unique ?? []).map((cols) => uniqueSql(t.name, cols)),
        ...t.columns.filter((c) => c.check).map((c) => checkSql(t.name, c)),
        ...t.columns.filter((c) => c.references).map((c) => fkeySql(t.name, c)),
    ];
    return [
        `CREATE TABLE ${qualified(t.schema, t.name)} (\n  ${parts.join(",\n  ")}\n)`,
        `ALTER TABLE ${qualified(t.schema, t.name)} ENABLE ROW LEVEL SECURITY`,
        ...(t.indexes ?? []).map((i) => indexSql(t.schema, t.name, i)),
    ];
}

/** The ALTER statements that turn table `o` into table `n` (same schema and name). */
export function alterStatements(o: TableInputs, n: TableInputs): string[] {
    const table = qualified(n.schema, n.name);
    const out: string[] = [];
    const alter = (clause: string) => out.push(`ALTER TABLE ${table} ${clause}`);
    const oldCols = new Map(o.columns.map((c) => [c.name, c]));
    const newCols = new Map(n.columns.map((c) => [c.name, c]));
    const oldIdx = new Map((o.indexes ?? []).map((i) => [i.name, i]));
    const newIdx = new Map((n.indexes ?? []).map((i) => [i.name, i]));
    const oldUnique = new Map((o.unique ?? []).map((u) => [names.unique(o.name, u), u]));
    const newUnique = new Map((n.unique ?? []).map((u) => [names.unique(n.name, u), u]));

    // Drop first what goes away or changes, so columns can be altered and dropped freely.
    for (const [name] of oldIdx) if (canonical(oldIdx.get(name)) !== canonical(newIdx.get(name))) out.push(`DROP INDEX IF EXISTS ${qualified(o.schema, name)}`);
    for (const [name] of oldUnique) if (!newUnique.has(name)) alter(`DROP CONSTRAINT IF EXISTS ${ident(name)}`);
    if (canonical(o.primaryKey) !== canonical(n.primaryKey)) alter(`DROP CONSTRAINT IF EXISTS ${ident(names.pkey(o.name))}`);
    for (const [name, oc] of oldCols) {
        const nc = newCols.get(name);
        if (oc.check && (!nc || nc.check !== oc.check)) alter(`DROP CONSTRAINT IF EXISTS ${ident(names.check(o.name, name))}`);
        if (oc.references && (!nc || canonical(nc.references) !== canonical(oc.references))) alter(`DROP CONSTRAINT IF EXISTS ${ident(names.fkey(o.name, name))}`);
    }
    for (const [name] of oldCols) if (!newCols.has(name)) alter(`DROP COLUMN ${ident(name)}`);

    for (const [name, nc] of newCols) {
        const oc = oldCols.get(name);
        if (!oc) {
            alter(`ADD COLUMN ${columnSql(nc)}`);
        } else {
            const col = ident(name);
            if (oc.type !== nc.type) alter(`ALTER COLUMN ${col} TYPE ${nc.type} USING ${col}::${nc.type}`);
            if (oc.default !== nc.default) alter(nc.default !== undefined ? `ALTER COLUMN ${col} SET DEFAULT ${nc.default}` : `ALTER COLUMN ${col} DROP DEFAULT`);
            if (!!oc.nullable !== !!nc.nullable) alter(`ALTER COLUMN ${col} ${nc.nullable ? "DROP" : "SET"} NOT NULL`);
        }
        if (nc.check && (!oc || oc.check !== nc.check)) alter(`ADD ${checkSql(n.name, nc)}`);
        if (nc.references && (!oc || canonical(oc.references) !== canonical(nc.references))) alter(`ADD ${fkeySql(n.name, nc)}`);
    }
    if (canonical(o.primaryKey) !== canonical(n.primaryKey)) alter(`ADD CONSTRAINT ${ident(names.pkey(n.name))} PRIMARY KEY (${n.primaryKey.map(ident).join(", ")})`);
    for (const [name, cols] of newUnique) if (!oldUnique.has(name)) alter(`ADD ${uniqueSql(n.name, cols)}`);
    for (const [name, idx] of newIdx) if (canonical(oldIdx.get(name)) !== canonical(idx)) out.push(indexSql(n.schema, n.name, idx));
    // Re-asserted on every update: RLS may never be left off, even if someone disabled it by hand.
    alter("ENABLE ROW LEVEL SECURITY");
    return out;
}

export function tableFailures(t: Partial<TableInputs>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (!Array.isArray(t.columns)) return failures;
    const columnNames = new Set(t.columns.map((c) => c.name));
    if (columnNames.size !== t.columns.length) failures.push({ property: "columns", reason: "column names must be unique" });
    const missing = (cols: unknown) => (Array.isArray(cols) ? cols.filter((c) => c !== UNKNOWN && !columnNames.has(c)) : []);
    if (!Array.isArray(t.primaryKey) || t.primaryKey.length === 0) failures.push({ property: "primaryKey", reason: "every app table needs a primary key" });
    for (const c of missing(t.primaryKey)) failures.push({ property: "primaryKey", reason: `no column ${c}` });
    for (const u of t.unique ?? []) for (const c of missing(u)) failures.push({ property: "unique", reason: `no column ${c}` });
    for (const i of t.indexes ?? []) for (const c of missing(i.columns)) failures.push({ property: "indexes", reason: `index ${i.name}: no column ${c}` });
    return failures;
}

export const tableProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: TableInputs, news: TableInputs) {
        return { inputs: news, failures: tableFailures(news) };
    },

    async diff(_id: string, olds: TableInputs, news: TableInputs) {
        const replaces = changedKeys(olds as any, news as any, IDENTITY);
        const changes = [...replaces, ...changedKeys(olds as any, news as any, MUTABLE)];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: TableInputs) {
        await inTransaction(inputs.connection, async (client) => {
            const existing = await existingColumns(client, inputs.schema, inputs.name);
            if (!existing) {
                for (const sql of createStatements(inputs)) await client.query(sql);
                return;
            }
            // A table retained when its app (or it) left the program: adopted with its rows when
            // its columns are the definition's, refused otherwise (never dropped or altered blind).
            const problems = adoptionProblems(existing, await catalogColumns(client, inputs.columns));
            if (problems.length > 0) {
                throw new Error(`table ${inputs.schema}.${inputs.name} already exists (kept when its app or the table left the program) ` +
                    `and differs from its definition: ${problems.join("; ")}. Make the definition match it, or rename or drop the ` +
                    `existing table by hand (ALTER TABLE ... RENAME TO ... / DROP TABLE ...), then run pulumi up again`);
            }
            await client.query(`ALTER TABLE ${qualified(inputs.schema, inputs.name)} ENABLE ROW LEVEL SECURITY`);
        });
        return { id: `${inputs.schema}.${inputs.name}`, outs: inputs };
    },

    async update(_id: string, olds: TableInputs, news: TableInputs) {
        if (changedKeys(olds as any, news as any, ["columns", "primaryKey", "unique", "indexes"]).length > 0) {
            await inTransaction(news.connection, async (client) => {
                for (const sql of alterStatements(olds, news)) await client.query(sql);
            });
        }
        return { outs: news };
    },

    // No delete: app tables are registered with retainOnDelete (app.ts), so a table that leaves the
    // program keeps its rows in the database; dropping one is a deliberate act by hand.
};

/** A column as the catalog names it: its type without length or precision ("timestamp with time zone"). */
export interface CatalogColumn {
    name: string;
    type: string;
}

/** An existing table's columns, in order, or undefined when there is none. */
async function existingColumns(client: Client, schema: string, name: string): Promise<CatalogColumn[] | undefined> {
    const found = await client.query("select to_regclass($1)::oid as oid", [qualified(schema, name)]);
    if (found.rows[0].oid === null) return undefined;
    const columns = await client.query(
        "select attname as name, format_type(atttypid, null) as type from pg_attribute where attrelid = $1 and attnum > 0 and not attisdropped order by attnum",
        [found.rows[0].oid]);
    return columns.rows;
}

/** The definition's columns as the catalog would name them (the server resolves aliases such as timestamptz). */
async function catalogColumns(client: Client, columns: ColumnDefinition[]): Promise<CatalogColumn[]> {
    const types = await client.query("select format_type(to_regtype(t), null) as type from unnest($1::text[]) with ordinality as u(t, i) order by i",
        [columns.map((c) => c.type)]);
    return columns.map((c, i) => ({ name: c.name, type: types.rows[i].type ?? c.type }));
}

/** How an existing table differs from a definition: missing and extra columns, and changed types. */
export function adoptionProblems(existing: CatalogColumn[], wanted: CatalogColumn[]): string[] {
    const has = new Map(existing.map((c) => [c.name, c.type]));
    const wants = new Map(wanted.map((c) => [c.name, c.type]));
    return [
        ...wanted.filter((c) => !has.has(c.name)).map((c) => `no column ${c.name}`),
        ...existing.filter((c) => !wants.has(c.name)).map((c) => `column ${c.name} is not in the definition`),
        ...wanted.filter((c) => has.has(c.name) && has.get(c.name) !== c.type).map((c) => `column ${c.name} is ${has.get(c.name)}, not ${c.type}`),
    ];
}
export interface TableArgs {
    connection: pulumi.Input<DbConnection>;
    schema: pulumi.Input<string>;
    name: pulumi.Input<string>;
    columns: pulumi.Input<ColumnDefinition[]>;
    primaryKey: pulumi.Input<string[]>;
    unique?: pulumi.Input<string[][]>;
    indexes?: pulumi.Input<IndexDefinition[]>;
}

/** One app table with RLS enabled (`pulumi-nodejs:dynamic/database:Table`). */
export class Table extends pulumi.dynamic.Resource {
    constructor(name: string, args: TableArgs, opts?: pulumi.CustomResourceOptions) {
        super(tableProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "Table");
    }
}
