// Keeps login roles' passwords equal to the bundle's: the shared database password, or (with
// `password`) a role's own, such as the pooler's auth user. The image sets the shared one once, on an
// empty data directory; after a rotation only this resource brings them along.
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, DbConnection, ident, withClient } from "./connection";

export interface RolePasswordsInputs {
    /** Admin connection; its password is the one being set unless `password` is given. */
    connection: DbConnection;
    roles: string[];
    /** The roles' own password, when it is not the admin connection's. */
    password?: string;
}

async function setPasswords(connection: DbConnection, roles: string[], password: string): Promise<void> {
    const pg = require("pg") as typeof import("pg");
    await withClient(connection, async (client) => {
        for (const role of roles) await client.query(`ALTER ROLE ${ident(role)} WITH PASSWORD ${pg.escapeLiteral(password)}`);
    });
}

export const rolePasswordsProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: RolePasswordsInputs, news: RolePasswordsInputs) {
        const changes = changedKeys(olds as any, news as any, ["roles", "connection", "password"]);
        return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: RolePasswordsInputs) {
        await setPasswords(inputs.connection, inputs.roles, inputs.password ?? inputs.connection.password);
        return { id: "role-passwords", outs: inputs };
    },

    async update(_id: string, olds: RolePasswordsInputs, news: RolePasswordsInputs) {
        // After a rotation the database still knows the previous password: log in with it.
        // If someone already set the new one by hand, the new password works instead.
        const previous = { ...news.connection, password: olds.connection.password };
        try {
            await setPasswords(previous, news.roles, news.password ?? news.connection.password);
        } catch (error) {
            if ((error as { code?: string }).code !== "28P01") throw error;
            await setPasswords(news.connection, news.roles, news.password ?? news.connection.password);
        }
        return { outs: news };
    },

    async delete() {
        // Nothing to undo: removing the resource leaves the passwords as they are.
    },
};

export interface RolePasswordsArgs {
    connection: pulumi.Input<DbConnection>;
    roles: pulumi.Input<pulumi.Input<string>[]>;
    password?: pulumi.Input<string>;
}

/** The service login roles' passwords (`pulumi-nodejs:dynamic/database:RolePasswords`). */
export class RolePasswords extends pulumi.dynamic.Resource {
    constructor(name: string, args: RolePasswordsArgs, opts?: pulumi.CustomResourceOptions) {
        super(rolePasswordsProvider, name, args, { ...opts, additionalSecretOutputs: args.password === undefined ? ["connection"] : ["connection", "password"] }, "database", "RolePasswords");
    }
}
