// PostgREST: the REST API over the exposed schemas, reached through Kong at /rest/v1.
import * as pulumi from "@pulumi/pulumi";
import { AppConfig } from "../../../config";
import { SERVICES, serviceUrl } from "../../endpoints";
import { ServiceArgs, waitForDatabase } from "../../service-support";
import { restrictedContainerSecurity, Workload } from "../../workload";
import { POSTGREST_ADMIN_PORT, POSTGREST_DB_POOL, POSTGREST_UID } from "./facts";
import { exposedSchemas } from "./env";

/** The LISTEN connection for schema-cache reloads (db-channel-enabled), outside the pool. */
const POSTGREST_LISTENER_CONNECTIONS = 1;

export class Rest extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The Deployment: ready once every replica reports /ready (pool and schema cache loaded). */
    readonly ready: pulumi.Resource;
    /** In-cluster URL of the PostgREST Service. */
    readonly url: string;
    /** Connections PostgREST may hold open: replicas × (pool + listener). */
    readonly databaseConnections: number;
    /** The schemas exposed, in PGRST_DB_SCHEMAS order. */
    readonly schemas: string[];

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Rest", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.rest;
        const replicas = config.replicas.rest;
        this.schemas = exposedSchemas(config.apps);

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "rest",
            replicas,
            checksums: [bundle.checksum("rest")],
            initContainers: [waitForDatabase(config)],
            containers: [{
                name: "postgrest",
                image: config.images.rest,
                ports: [
                    { name: "http", containerPort: port },
                    { name: "admin", containerPort: POSTGREST_ADMIN_PORT },
                ],
                env: [
                    ...bundle.env("rest"),
                    ...(config.release === "seed"
                        // The same secret under the name SQL reads as current_setting('app.settings.jwt_secret').
                        ? [bundle.envAs("rest", "PGRST_JWT_SECRET", "PGRST_APP_SETTINGS_JWT_SECRET")]
                        // v14 gets a JWKS there, which SQL has no use for; upstream dropped the setting
                        // (supabase/supabase@1f37f2a9:docker/docker-compose.yml, the rest service).
                        : []),
                    { name: "PGRST_SERVER_PORT", value: String(port) },
                    { name: "PGRST_ADMIN_SERVER_PORT", value: String(POSTGREST_ADMIN_PORT) },
                    { name: "PGRST_DB_SCHEMAS", value: this.schemas.join(",") },
                    { name: "PGRST_DB_ANON_ROLE", value: "anon" },
                    { name: "PGRST_DB_POOL", value: String(POSTGREST_DB_POOL) },
                    { name: "PGRST_APP_SETTINGS_JWT_EXP", value: String(config.keys.jwtExpirySeconds) },
                ],
                readinessProbe: { httpGet: { path: "/ready", port: "admin" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: "/live", port: "admin" }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                securityContext: restrictedContainerSecurity(POSTGREST_UID),
            }],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: [args.postgres.ready] });

        this.ready = this.workload.ready;
        this.url = serviceUrl("rest", config.namespace);
        this.databaseConnections = replicas * (POSTGREST_DB_POOL + POSTGREST_LISTENER_CONNECTIONS);
        this.registerOutputs({ url: this.url, schemas: this.schemas });
    }
}
