// postgres-meta: the dashboard's SQL and catalog API. It runs any SQL as supabase_admin with no
// authentication of its own, so it gets a ClusterIP Service only and nothing routes to it
// from outside except what Kong is told to allow.
import * as pulumi from "@pulumi/pulumi";
import { Release } from "../policies/rules/releases";
import { SERVICES, serviceHost, serviceUrl } from "./endpoints";
import { scratchVolume, ServiceArgs, waitForDatabase } from "./service-support";
import { restrictedContainerSecurity, Workload } from "./workload";

/**
 * UID 1000: the program's choice, as hardening. The v0.68.0 image (node:16-bullseye-slim) has no
 * USER line and would run as root (contracts/meta.ts); that base is a floating tag, so no UID of
 * its `node` user is pinned. v0.68.0 writes no files, so no volume is needed for this UID.
 */
export const META_UID = 1000;

/** The server itself, from the image's WORKDIR (/usr/src/app). */
export const META_ARGS = ["node", "dist/server/server.js"];

/**
 * Connections one meta pod is budgeted: the requests it has in flight. meta's pg pool is `max: 1`
 * (DEFAULT_POOL_CONFIG, supabase/postgres-meta@v0.68.0:src/server/constants.ts:28, @v0.98.0:69-70),
 * but every route builds its own `new PostgresMeta({ ...DEFAULT_POOL_CONFIG, connectionString })`
 * per request and ends it after answering (v0.68.0 src/server/routes/query.ts:23-25, 40 such calls
 * under src/server/routes; v0.98.0 query.ts:25-31, 68 calls); src/lib/db.ts makes a `new pg.Pool`
 * per PostgresMeta (v0.68.0:33, v0.98.0:110). So N concurrent requests hold N connections, and
 * nothing in meta bounds N: no concurrency limit in its Fastify server at either tag (the v0.98.0
 * format pool bounds worker threads, not connections). The budget reserves this many per pod for
 * the dashboard's parallel requests (the services tier measures N requests holding N connections);
 * past it they come out of the admin margin. Equal to DATABASE_POOLS["supabase/postgres-meta"]
 * in the policy pack (policies/rules/connections.ts), which imports nothing.
 */
export const META_DB_CONNECTIONS = 10;

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

/**
 * The role meta (and Studio through it) connects as. Upstream moved both from supabase_admin to
 * postgres in self-hosted 0.6.0 (changelog 46081; supabase/supabase@1f37f2a9:docker/docker-compose.yml,
 * the meta service), so the dashboard no longer holds the superuser that owns Supabase's schemas.
 */
export function metaDatabaseUser(release: Release): string {
    return release === "seed" ? "supabase_admin" : "postgres";
}
