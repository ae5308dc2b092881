// DatabaseLayer: everything inside PostgreSQL the platform manages as code — the extensions, the
// login roles' passwords, and per app its schema, grants, tables, policies and buckets. It runs
// after PostgreSQL is ready, through the admin endpoint the config chooses (see admin.ts).
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import { PlatformConfig } from "../../config";
import { Postgres } from "../services/postgres";
import { SecretBundle } from "../secrets";
import { adminEndpoint } from "./admin";
import { AppDatabase, DATABASE, OBJECT_OWNER } from "./app";
import { definitionFor, hasDefinition } from "./apps";
import { DbConnection } from "./providers/connection";
import { RolePasswords } from "./providers/role-passwords";
import { StorageMoveGuard } from "./providers/move-guard";
import { RealtimeDatabase, realtimeDatabase } from "./realtime";
import { storageMoveUnsafe } from "../services/storage/env";
import { metaDatabaseUser } from "../services/meta/env";
import { appLoginMemberships, appLoginRole } from "../services/pooler/connection";
import { POOLER_AUTH_USER } from "../services/pooler/facts";

/** The seed's key extensions, all in the `extensions` schema (kept off the exposed `public`). */
export const EXTENSIONS = ["uuid-ossp", "pgcrypto", "pg_stat_statements", "pg_trgm"];

/** Login roles that share the database password (the image's 99-roles.sql plus the admins). */
export const PASSWORD_ROLES = ["authenticator", "pgbouncer", "supabase_auth_admin", "supabase_storage_admin", "supabase_admin", "postgres"];

/**
 * With the pooler, its auth user has a password of its own (the pooler pod holds it in userlist.txt,
 * and pgbouncer.get_auth hands it every login role's secret), so it leaves the shared list.
 */
export function sharedPasswordRoles(pooler: boolean): string[] {
    return pooler ? PASSWORD_ROLES.filter((role) => role !== POOLER_AUTH_USER) : PASSWORD_ROLES;
}

export interface DatabaseLayerArgs {
    config: PlatformConfig;
    namespace: pulumi.Input<string>;
    bundle: SecretBundle;
    postgres: Postgres;
    /** Ready once the storage service has migrated the storage schema; buckets wait for it. */
    storageReady?: pulumi.Resource;
    /** Realtime's database side (realtime.ts): only when the platform deploys Realtime. */
    realtime?: { enabled: boolean; deferChannels?: boolean };
}

export class DatabaseLayer extends pulumi.ComponentResource {
    readonly provider: postgresql.Provider;
    /** Ready once every login role has the bundle's current password. */
    readonly passwords: RolePasswords;
    readonly apps: Record<string, AppDatabase> = {};
    /** The trigger refusing cross-user moves; only for storage images without the upstream fix. */
    readonly moveGuard?: StorageMoveGuard;
    /** The pooler's auth user's own password, and each app's login role (config `pooler` only). */
    readonly pooler?: { authPassword: RolePasswords; loginRoles: Record<string, postgresql.Role> };
    /** Realtime's schemas, publication and channel policies; absent unless Realtime is enabled. */
    readonly realtime?: RealtimeDatabase;
    /** Host and port the layer connects to. */
    readonly adminHost: string;
    readonly adminPort: number;

    constructor(name: string, args: DatabaseLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:database:DatabaseLayer", name, {}, opts);
        const { config, bundle, postgres } = args;

        // The app definitions were validated with the config (loadPlatformConfig → PROGRAM_RULES → appDefinitionProblems).
        const endpoint = adminEndpoint(name, config, args.namespace, this);
        this.adminHost = endpoint.host;
        this.adminPort = endpoint.port;
        const reachable: pulumi.Resource[] = [postgres.ready, ...(endpoint.service ? [endpoint.service] : [])];
        // In tunnel mode the port resolves once the listener is open; a port in use fails the
        // program there, with the key to change. The value is the same stable port either way.
        const port: pulumi.Input<number> = endpoint.listening ? endpoint.listening.then((t) => t.port) : endpoint.port;

        const connection: pulumi.Output<DbConnection> = pulumi.secret(pulumi.all([bundle.values.postgresPassword, port]).apply(([password, p]) => ({
            host: endpoint.host, port: p, user: OBJECT_OWNER, password, database: DATABASE,
        })));

        this.passwords = new RolePasswords(`${name}-role-passwords`, { connection, roles: sharedPasswordRoles(!!bundle.values.pooler) }, { parent: this, dependsOn: reachable });
        const ready = [...reachable, this.passwords];

        this.provider = new postgresql.Provider(`${name}-admin`, {
            host: endpoint.host,
            port,
            database: DATABASE,
            username: OBJECT_OWNER,
            password: bundle.values.postgresPassword,
            // The supabase/postgres image runs with ssl = off; the admin path is in-cluster, a
            // tunnel over loopback, or a LoadBalancer limited to the configured source ranges.
            sslmode: "disable",
            superuser: true,
            connectTimeout: 30,
        }, { parent: this, dependsOn: ready });

        for (const extension of EXTENSIONS) {
            // Retained: the image creates these too, and its own objects use them (storage.objects.id
            // defaults to extensions.uuid_generate_v4() on 15.1.1.78), so dropping one on destroy fails
            // or breaks the services; seen against the real provider and the image's scripts.
            new postgresql.Extension(`${name}-extension-${extension}`, {
                name: extension, schema: "extensions", database: DATABASE,
            }, { parent: this, provider: this.provider, dependsOn: ready, retainOnDelete: true });
        }

        // storage-api < v0.48.3 writes a move's destination as the service role (issue #11):
        // the guard refuses one outside the user's own folder. Needs the storage schema migrated.
        if (storageMoveUnsafe(config.images.storage)) {
            this.moveGuard = new StorageMoveGuard(`${name}-storage-move-guard`, {
                connection, storageImage: config.images.storage,
            }, { parent: this, dependsOn: [...ready, ...(args.storageReady ? [args.storageReady] : [])] });
        }

        for (const app of config.apps) {
            if (!hasDefinition(app.name)) {
                pulumi.log.warn(`app ${app.name} has no definition file (components/database/apps/${app.name}.ts): its schema and grants are created, no tables or buckets`, this);
            }
            this.apps[app.name] = new AppDatabase(app.name, {
                definition: definitionFor(app.name),
                provider: this.provider,
                connection,
                databaseReady: ready,
                storageReady: args.storageReady ? [args.storageReady] : [],
                dashboardRole: metaDatabaseUser(config.release),
            }, { parent: this });
        }
        if (bundle.values.pooler) this.pooler = this.poolerRoles(name, config, bundle.values.pooler, connection, ready);
        this.realtime = realtimeDatabase(`${name}-realtime`, args.realtime?.enabled ?? false, {
            provider: this.provider, connection, databaseReady: ready, deferChannels: args.realtime?.deferChannels,
            apps: config.apps.map((app) => ({ definition: definitionFor(app.name), tables: this.apps[app.name].tables })),
        }, { parent: this });
        this.registerOutputs({ adminHost: this.adminHost, adminPort: this.adminPort });
    }

    /**
     * The pooler's side of the database: `pgbouncer` gets the bundle's pooler password, and each app
     * a login role `<app>_login` (LOGIN, NOINHERIT, member of anon, authenticated and `<app>_service`):
     * it holds no privilege until a transaction says SET LOCAL ROLE, so RLS applies per request.
     */
    private poolerRoles(name: string, config: PlatformConfig, values: NonNullable<SecretBundle["values"]["pooler"]>, connection: pulumi.Output<DbConnection>, ready: pulumi.Resource[]) {
        const authPassword = new RolePasswords(`${name}-pooler-auth-password`, {
            connection, roles: [POOLER_AUTH_USER], password: values.authPassword,
        }, { parent: this, dependsOn: ready });
        const loginRoles: Record<string, postgresql.Role> = {};
        for (const app of config.apps) {
            const members = appLoginMemberships(app.name);
            loginRoles[app.name] = new postgresql.Role(`${name}-${app.name}-login`, {
                name: appLoginRole(app.name), login: true, inherit: false, password: values.loginPasswords[app.name], roles: members,
            }, { parent: this, provider: this.provider, dependsOn: [...ready, this.apps[app.name].serviceRole] });
        }
        return { authPassword, loginRoles };
    }
}
