// GoTrue (supabase/gotrue): sign-up, sign-in and JWT issuing, reached through Kong at /auth/v1.
import * as pulumi from "@pulumi/pulumi";
import { serviceUrl, SERVICES } from "../../endpoints";
import { ServiceArgs, waitForDatabase } from "../../service-support";
import { restrictedContainerSecurity, Workload } from "../../workload";
import { gotrueEnv } from "./env";
import { GOTRUE_DB_POOL_SIZE, GOTRUE_UID } from "./facts";

export interface GoTrueArgs extends ServiceArgs {
    /** The gateway's external URL; API_EXTERNAL_URL, OAuth callbacks and mail links derive from it. */
    gatewayUrl: string;
}

export class GoTrue extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The Deployment: ready once every replica passes its readiness probe. */
    readonly ready: pulumi.Resource;
    /** In-cluster URL of the GoTrue Service. */
    readonly url: string;
    /** Connections GoTrue may hold open: replicas × its pool size. */
    readonly databaseConnections: number;

    constructor(name: string, args: GoTrueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:GoTrue", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.gotrue;
        const replicas = config.replicas.gotrue;
        const health = { httpGet: { path: "/health", port: "http" } };

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "auth",
            replicas,
            checksums: [bundle.checksum("gotrue")],
            initContainers: [waitForDatabase(config)],
            containers: [{
                name: "gotrue",
                image: config.images.gotrue,
                ports: [{ name: "http", containerPort: port }],
                env: [...gotrueEnv(config, args.gatewayUrl), ...bundle.env("gotrue")],
                // Migrations of the auth schema run before the port opens; give them time
                // before liveness applies.
                startupProbe: { ...health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
                readinessProbe: { ...health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: restrictedContainerSecurity(GOTRUE_UID),
            }],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: [args.postgres.ready] });

        this.ready = this.workload.ready;
        this.url = serviceUrl("gotrue", config.namespace);
        this.databaseConnections = replicas * GOTRUE_DB_POOL_SIZE;
        this.registerOutputs({ url: this.url });
    }
}
