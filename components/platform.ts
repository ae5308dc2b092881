// SupabasePlatform: composes the rooms of the platform in the seed's startup order and assembles
// the stack outputs once.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { AppOutput } from "../outputs";
import { ClusterPrerequisites } from "./cluster";
import { SERVICES } from "./endpoints";
import { Postgres } from "./postgres";
import { SecretBundle } from "./secrets";

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

        this.apiUrl = `http://${config.network.kongIp}:${SERVICES.kong.port}`;
        this.studioUrl = `http://${config.network.studioIp}:${SERVICES.studio.port}`;
        this.registerOutputs({ apiUrl: this.apiUrl, studioUrl: this.studioUrl });
    }
}
