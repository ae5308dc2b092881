// App tables as a custom resource, always with row-level security enabled. Column, key and index
// changes are applied in place, in one transaction; a new schema or name is a new table.
import * as pulumi from "@pulumi/pulumi";
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
            for (const sql of createStatements(inputs)) await client.query(sql);
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

    async delete(_id: string, props: TableInputs) {
        // No CASCADE: a view or foreign key the program does not know about stops the delete.
        await inTransaction(props.connection, (client) => client.query(`DROP TABLE IF EXISTS ${qualified(props.schema, props.name)}`));
    },
};

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
