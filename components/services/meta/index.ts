// postgres-meta: the dashboard's SQL and catalog API. It runs any SQL as supabase_admin with no
// authentication of its own, so it gets a ClusterIP Service only and nothing routes to it
// from outside except what Kong is told to allow.
import * as pulumi from "@pulumi/pulumi";
import { Release } from "../../../releases";
import { SERVICES, serviceHost, serviceUrl } from "../../endpoints";
import { scratchVolume, ServiceArgs, waitForDatabase } from "../../service-support";
import { restrictedContainerSecurity, Workload } from "../../workload";
import { META_DB_CONNECTIONS, META_UID } from "./facts";
import { META_ARGS, metaDatabaseUser } from "./env";

export class Meta extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The Deployment: ready once /health answers. */
    readonly ready: pulumi.Resource;
    /** In-cluster URL of the meta Service. */
    readonly url: string;
    /** Connections meta is budgeted: replicas × META_DB_CONNECTIONS (requests in flight). */
    readonly databaseConnections: number;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Meta", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.meta;
        const replicas = config.replicas.meta;

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "meta",
            replicas,
            // Recreate: a rollout never runs old and new pods at once, so the budget counts
            // META_DB_CONNECTIONS per replica, not per replica plus surge. The dashboard waits out
            // the restart; meta holds no state.
            strategy: "Recreate",
            checksums: [bundle.checksum("meta")],
            initContainers: [waitForDatabase(config)],
            containers: [{
                name: "meta",
                image: config.images.meta,
                // The image's CMD is `npm run start`, whose script is exactly this (package.json:26 at
                // v0.68.0). Running node directly keeps npm, which writes its cache and logs under
                // HOME, out of a read-only root.
                args: META_ARGS,
                ports: [{ name: "http", containerPort: port }],
                env: [
                    ...bundle.env("meta"),
                    { name: "PG_META_PORT", value: String(port) },
                    { name: "PG_META_DB_HOST", value: serviceHost("postgres", config.namespace) },
                    { name: "PG_META_DB_PORT", value: String(SERVICES.postgres.port) },
                    { name: "PG_META_DB_NAME", value: "postgres" },
                    { name: "PG_META_DB_USER", value: metaDatabaseUser(config.release) },
                ],
                readinessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: restrictedContainerSecurity(META_UID),
                // Nothing in v0.68.0 writes files; /tmp is a small guard for its dependencies.
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            }],
            volumes: [scratchVolume()],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: [args.postgres.ready] });

        this.ready = this.workload.ready;
        this.url = serviceUrl("meta", config.namespace);
        this.databaseConnections = replicas * META_DB_CONNECTIONS;
        this.registerOutputs({ url: this.url });
    }
}
