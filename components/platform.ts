// SupabasePlatform: composes the rooms of the platform in the seed's startup order and assembles
// the stack outputs once.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { AppOutput } from "../outputs";
import { Backup } from "./backup";
import { ClusterPrerequisites } from "./cluster";
import { DatabaseLayer } from "./database/layer";
import { SERVICES } from "./endpoints";
import { GoTrue } from "./services/gotrue";
import { Kong } from "./services/kong";
import { Meta } from "./services/meta";
import { BACKUP_APP, NetworkPolicies } from "./network-policies";
import { Postgres } from "./services/postgres";
import { PITR_BACKUP_APP, PitrBaseBackup } from "./services/postgres/pitr-base-backup";
import { Pooler } from "./services/pooler";
import { Realtime } from "./services/realtime";
import { Rest } from "./services/rest";
import { SecretBundle } from "./secrets";
import { Storage } from "./services/storage";
import { Studio } from "./services/studio";
import { publicUrls, tlsTerminator } from "./edge";
import { TlsCertificate } from "./tls";

export interface SupabasePlatformArgs {
    /** The validated stack config (see config.ts). */
    config: PlatformConfig;
}

/** Outputs for one app: its schema and the PostgREST profile headers that select it. */
export function appOutputs(config: PlatformConfig): Record<string, AppOutput> {
    return Object.fromEntries(config.apps.map((app) => [
        app.name,
        { schema: app.name, profileHeaders: { "Accept-Profile": app.name, "Content-Profile": app.name } },
    ]));
}

export class SupabasePlatform extends pulumi.ComponentResource {
    readonly cluster: ClusterPrerequisites;
    readonly bundle: SecretBundle;
    readonly postgres: Postgres;
    /** Schemas, grants, tables, RLS policies and buckets of the hosted apps (absent with dbAdminEndpoint none). */
    readonly database?: DatabaseLayer;
    readonly gotrue: GoTrue;
    readonly rest: Rest;
    readonly storage: Storage;
    readonly meta: Meta;
    readonly kong: Kong;
    readonly studio: Studio;
    /** Realtime, when config `realtime` deploys it. */
    readonly realtime?: Realtime;
    /** The connection pooler, when config `pooler` deploys it. */
    readonly pooler?: Pooler;
    /** Longhorn RecurringJobs and the logical dump CronJob of the database. */
    readonly backup: Backup;
    /** With `pitr`: the base-backup and retention CronJob (WAL is archived by the server itself). */
    readonly pitrBaseBackup?: PitrBaseBackup;
    /** Default deny plus the allows the wiring above needs. */
    readonly networkPolicies: NetworkPolicies;
    /** The hostnames' certificate (tls secret or cert-manager). */
    readonly tls?: TlsCertificate;
    readonly apiUrl: string;
    readonly studioUrl: string;

    constructor(name: string, args: SupabasePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:SupabasePlatform", name, {}, opts);
        const { config } = args;
        this.cluster = new ClusterPrerequisites("cluster", { config }, { parent: this });
        const namespace = this.cluster.namespaceName;
        this.bundle = new SecretBundle("bundle", { config, namespace }, { parent: this });
        this.postgres = new Postgres("postgres", {
            config, namespace, bundle: this.bundle, storageClass: this.cluster.storageClass,
        }, { parent: this });

        // The public URLs (https://<hostname> with TLS): everything external derives from them (components/edge.ts).
        const urls = publicUrls(config);
        this.apiUrl = urls.api;
        if (tlsTerminator(config)) {
            this.tls = new TlsCertificate("tls", { config, namespace, readForRollout: tlsTerminator(config) === "kong" }, { parent: this });
        }
        const services = { config, namespace, bundle: this.bundle, postgres: this.postgres };
        this.gotrue = new GoTrue("gotrue", { ...services, gatewayUrl: this.apiUrl }, { parent: this });
        this.rest = new Rest("rest", services, { parent: this });
        this.storage = new Storage("storage", { ...services, storageClass: this.cluster.storageClass }, { parent: this });
        if (config.dbAdmin.mode !== "none") {
            this.database = new DatabaseLayer("database", {
                config, namespace, bundle: this.bundle, postgres: this.postgres, storageReady: this.storage.ready,
                // The channel policies wait for the Realtime workload, whose tenant migrations create realtime.messages.
                realtime: { enabled: config.realtime.enabled, deferChannels: true },
            }, { parent: this });
        }
        if (config.realtime.enabled) {
            this.realtime = new Realtime("realtime", { ...services, after: this.database?.realtime?.ready ?? [] }, { parent: this });
            this.database?.realtime?.authorizeChannels([this.realtime.ready]);
        }
        this.meta = new Meta("meta", services, { parent: this });
        this.kong = new Kong("kong", {
            config, namespace, bundle: this.bundle, addressPool: this.cluster.addressPool,
            tls: this.tls ? { secretName: this.tls.secretName, checksum: this.tls.checksum, ready: this.tls.ready } : undefined,
            upstreams: { gotrue: this.gotrue, rest: this.rest, storage: this.storage, meta: this.meta, ...(this.realtime ? { realtime: this.realtime } : {}) },
        }, { parent: this });
        this.studio = new Studio("studio", {
            config, namespace, bundle: this.bundle, metaUrl: this.meta.url,
            gateway: { internalUrl: this.kong.internalUrl, publicUrl: this.kong.publicUrl },
            after: [this.kong.ready],
        }, { parent: this });
        if (config.pooler) {
            this.pooler = new Pooler("pooler", {
                config, pooler: config.pooler, namespace, bundle: this.bundle, postgres: this.postgres, addressPool: this.cluster.addressPool,
                after: this.database?.pooler ? [this.database.pooler.authPassword] : [],
            }, { parent: this });
        }
        this.backup = new Backup("backup", {
            config, namespace, bundle: this.bundle, databaseHost: this.postgres.host,
        }, { parent: this, dependsOn: [this.postgres.ready] });
        if (config.pitr && this.postgres.pitr) {
            this.pitrBaseBackup = new PitrBaseBackup("pitr-base-backup", {
                pitr: config.pitr, namespace, namespaceName: config.namespace, server: this.postgres.pitr,
            }, { parent: this, dependsOn: [this.postgres.ready] });
        }
        const workloads = [this.postgres, this.gotrue, this.rest, this.storage, this.meta, this.kong, this.studio, ...(this.realtime ? [this.realtime] : []), ...(this.pooler ? [this.pooler] : [])];
        this.networkPolicies = new NetworkPolicies("network-policies", {
            config, namespace, apps: [...workloads.map((c) => c.workload.name), BACKUP_APP, ...(this.pitrBaseBackup ? [PITR_BACKUP_APP] : [])],
        }, { parent: this });
        this.studioUrl = urls.studio;
        this.registerOutputs({ apiUrl: this.apiUrl, studioUrl: this.studioUrl });
    }
}
