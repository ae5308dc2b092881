// Studio, the dashboard: ClusterIP only. It has no login of its own, so the only way in from
// outside is Kong's basic-auth route (see kong.ts, whose dashboard LoadBalancer keeps the seed's
// <studioLoadBalancerIp>:3000 address).
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../../../config";
import { Release } from "../../../releases";
import { SERVICES, serviceHost } from "../../endpoints";
import { SecretBundle } from "../../secrets";
import { plainEnv, restrictedContainerSecurity, Workload } from "../../workload";
import { studioHealthPath, studioReleaseEnv } from "./env";
import { exposedSchemas } from "../rest/env";
import { metaDatabaseUser } from "../meta/env";
import { STUDIO_NEXT_CACHE, STUDIO_UID } from "./facts";

export interface StudioArgs {
    /** The validated stack config (see config.ts). */
    config: PlatformConfig;
    /** Namespace of the workload (the cluster's namespace Output, so it is created first). */
    namespace: pulumi.Input<string>;
    /** Source of Studio's scoped Secret (keys, JWT secret, database password, meta crypto key). */
    bundle: SecretBundle;
    /** Gateway URLs: in-cluster for Studio's server side, external for the browser. */
    gateway: { internalUrl: string; publicUrl: string };
    /** In-cluster postgres-meta URL Studio's server calls directly. */
    metaUrl: string;
    /** Studio starts after these (Kong's Deployment, in the seed's order). */
    after: pulumi.Resource[];
}

export class Studio extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The Deployment: ready once /api/profile answers. */
    readonly ready: pulumi.Resource;

    constructor(name: string, args: StudioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Studio", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.studio;

        const env: Record<string, string> = {
            // Kubernetes sets HOSTNAME to the pod name, which Next.js would bind to (the pod IP
            // only), breaking `kubectl port-forward`; the pinning supabase/cli commit sets the same.
            // No PORT: that commit sets none and the image listens on 3000, SERVICES.studio.port.
            HOSTNAME: "0.0.0.0",
            STUDIO_PG_META_URL: args.metaUrl,
            SUPABASE_URL: args.gateway.internalUrl,
            // Studio runs in the browser too; the browser cannot resolve cluster DNS names.
            SUPABASE_PUBLIC_URL: args.gateway.publicUrl,
            DEFAULT_ORGANIZATION_NAME: "Default Organization",
            DEFAULT_PROJECT_NAME: `${config.project} (${config.stack})`,
            // No analytics (Logflare) is deployed.
            NEXT_PUBLIC_ENABLE_LOGS: "false",
            ...studioReleaseEnv(config),
        };
        const health = studioHealthPath(config.release);

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "dashboard",
            replicas: config.replicas.studio,
            checksums: [bundle.checksum("studio")],
            containers: [{
                name: "studio",
                image: config.images.studio,
                ports: [{ name: "http", containerPort: port }],
                env: [
                    ...bundle.env("studio"),
                    ...plainEnv(env),
                ],
                readinessProbe: { httpGet: { path: health, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                securityContext: restrictedContainerSecurity(STUDIO_UID),
                volumeMounts: [
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "next-cache", mountPath: STUDIO_NEXT_CACHE },
                ],
            }],
            volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "128Mi" } },
                { name: "next-cache", emptyDir: { sizeLimit: "256Mi" } },
            ],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: args.after });
        this.ready = this.workload.ready;
        this.registerOutputs({});
    }
}
