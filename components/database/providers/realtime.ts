// Realtime's side of the database as custom resources: the publication its postgres_changes read,
// each app table opted into it, and a wait for the table Realtime's own migrations create.
// The @pulumi/postgresql provider's Publication would own the publication and its whole table list;
// the publication is the image's object (shared with tables added in Studio), so these only ensure
// it exists and add or remove the tables the apps declare.
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, DbConnection, ident, qualified, withClient } from "./connection";

export interface PublicationInputs {
    connection: DbConnection;
    /** Publication name: Realtime's default is supabase_realtime. */
    publication: string;
}

export const publicationProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: PublicationInputs, news: PublicationInputs) {
        const replaces = changedKeys(olds as any, news as any, ["publication"]);
        const changes = [...replaces, ...changedKeys(olds as any, news as any, ["connection"])];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: PublicationInputs) {
        await withClient(inputs.connection, async (client) => {
            const found = await client.query("select 1 from pg_catalog.pg_publication where pubname = $1", [inputs.publication]);
            // Empty, publishing every operation: what the image's init script creates.
            if (found.rowCount === 0) await client.query(`CREATE PUBLICATION ${ident(inputs.publication)}`);
        });
        return { id: inputs.publication, outs: inputs };
    },

    async update(_id: string, _olds: PublicationInputs, news: PublicationInputs) {
        return { outs: news };
    },

    async delete() {
        // Left in place: it is the image's object, and tables added by hand may still be members.
    },
};

export interface PublicationTableInputs {
    connection: DbConnection;
    publication: string;
    schema: string;
    table: string;
}

const isMember = `select 1 from pg_catalog.pg_publication_tables where pubname = $1 and schemaname = $2 and tablename = $3`;

export const publicationTableProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: PublicationTableInputs, news: PublicationTableInputs) {
        const replaces = changedKeys(olds as any, news as any, ["publication", "schema", "table"]);
        const changes = [...replaces, ...changedKeys(olds as any, news as any, ["connection"])];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: PublicationTableInputs) {
        await withClient(inputs.connection, async (client) => {
            const member = await client.query(isMember, [inputs.publication, inputs.schema, inputs.table]);
            if (member.rowCount === 0) await client.query(`ALTER PUBLICATION ${ident(inputs.publication)} ADD TABLE ${qualified(inputs.schema, inputs.table)}`);
        });
        return { id: `${inputs.publication}/${inputs.schema}.${inputs.table}`, outs: inputs };
    },

    async update(_id: string, _olds: PublicationTableInputs, news: PublicationTableInputs) {
        return { outs: news };
    },

    async delete(_id: string, props: PublicationTableInputs) {
        await withClient(props.connection, async (client) => {
            // Dropping the table already took it out of the publication.
            const member = await client.query(isMember, [props.publication, props.schema, props.table]);
            if ((member.rowCount ?? 0) > 0) await client.query(`ALTER PUBLICATION ${ident(props.publication)} DROP TABLE ${qualified(props.schema, props.table)}`);
        });
    },
};

export interface RelationReadyInputs {
    connection: DbConnection;
    /** `schema.table` that must exist. */
    relation: string;
    timeoutSeconds: number;
    /** Why it is missing and what to do, for the error after the timeout. */
    hint: string;
}

/** Polls until the relation exists; fails after the timeout with the hint. */
export async function waitForRelation(inputs: RelationReadyInputs, pollMs = 1000): Promise<void> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    for (;;) {
        const present = await withClient(inputs.connection, async (client) =>
            (await client.query("select to_regclass($1) is not null as present", [inputs.relation])).rows[0].present as boolean);
        if (present) return;
        if (Date.now() >= deadline) throw new Error(`${inputs.relation} does not exist after ${inputs.timeoutSeconds}s: ${inputs.hint}`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}

export const relationReadyProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: RelationReadyInputs, news: RelationReadyInputs) {
        const replaces = changedKeys(olds as any, news as any, ["relation"]);
        const changes = [...replaces, ...changedKeys(olds as any, news as any, ["connection", "timeoutSeconds", "hint"])];
        return { changes: changes.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: RelationReadyInputs) {
        await waitForRelation(inputs);
        return { id: inputs.relation, outs: inputs };
    },

    async update(_id: string, _olds: RelationReadyInputs, news: RelationReadyInputs) {
        await waitForRelation(news);
        return { outs: news };
    },

    async delete() {
        // A wait: nothing to undo.
    },
};

export interface PublicationArgs {
    connection: pulumi.Input<DbConnection>;
    publication: pulumi.Input<string>;
}

/** Ensures the publication exists (`pulumi-nodejs:dynamic/database:Publication`). */
export class Publication extends pulumi.dynamic.Resource {
    constructor(name: string, args: PublicationArgs, opts?: pulumi.CustomResourceOptions) {
        super(publicationProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "Publication");
    }
}

export interface PublicationTableArgs {
    connection: pulumi.Input<DbConnection>;
    publication: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    table: pulumi.Input<string>;
}

/** One table in a publication (`pulumi-nodejs:dynamic/database:PublicationTable`). */
export class PublicationTable extends pulumi.dynamic.Resource {
    constructor(name: string, args: PublicationTableArgs, opts?: pulumi.CustomResourceOptions) {
        super(publicationTableProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "PublicationTable");
    }
}

export interface RelationReadyArgs {
    connection: pulumi.Input<DbConnection>;
    relation: pulumi.Input<string>;
    timeoutSeconds: pulumi.Input<number>;
    hint: pulumi.Input<string>;
}

/** Waits for a relation another service creates (`pulumi-nodejs:dynamic/database:RelationReady`). */
export class RelationReady extends pulumi.dynamic.Resource {
    constructor(name: string, args: RelationReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(relationReadyProvider, name, args, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "RelationReady");
    }
}
