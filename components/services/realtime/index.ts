// Realtime (supabase/realtime): database changes, broadcast and presence over websockets, reached
// through Kong at /realtime/v1. Facts per tag in components/contracts/realtime-<tag>.ts.
//
// The tenant is the first label of the Host header a request arrives with (supabase/realtime@v2.29.15
// lib/realtime/database.ex:160-167; v2.129.8 :364-368), and Kong sends the upstream's host. So the
// Service is named after the tenant the image seeds, `realtime-dev` (seeds.exs:4 at v2.29.15; the
// default of SELF_HOST_TENANT_NAME at v2.129.8), which both releases' images agree on: a Service
// named otherwise answers every client "Tenant not found".
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { Release } from "../../../releases";
import { SERVICES, serviceHost, serviceUrl } from "../../endpoints";
import { ServiceArgs, scratchVolume, waitForDatabase } from "../../service-support";
import { plainEnv, restrictedContainerSecurity, Workload } from "../../workload";
import { REALTIME_AFTER_CONNECT_QUERY } from "../../database/realtime-model";
import { REALTIME_COMMAND, realtimeEnv, realtimeReadinessPath } from "./env";
import { REALTIME_DB_POOL, REALTIME_TENANT_CONNECTIONS, REALTIME_UID, realtimePeakPods } from "./facts";

type Container = k8s.types.input.core.v1.Container;


export interface RealtimeArgs extends ServiceArgs {
    /** The database side (schemas, publication) Realtime needs before it boots; absent without the layer. */
    after?: pulumi.Resource[];
}

export class Realtime extends pulumi.ComponentResource {
    readonly workload: Workload;
    readonly ready: pulumi.Resource;
    /** In-cluster URL of the Realtime Service; its host names the tenant. */
    readonly url: string;
    /** Connections Realtime may hold: pods at rollout peak × (pool + tenant connections). */
    readonly databaseConnections: number;

    constructor(name: string, args: RealtimeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Realtime", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port } = SERVICES.realtime;
        const replicas = config.replicas.realtime;
        const http = { port: "http" };
        const container: Container = {
            name: "realtime",
            image: config.images.realtime,
            command: REALTIME_COMMAND,
            ports: [{ name: "http", containerPort: port }],
            env: [...plainEnv(realtimeEnv(config.release, config.namespace)), ...bundle.env("realtime")],
            // Metadata migrations and the tenant's seed (and, from v2.33, its migrations) run first.
            startupProbe: { tcpSocket: http, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
            readinessProbe: { httpGet: { path: realtimeReadinessPath(config.release), ...http }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
            livenessProbe: { tcpSocket: http, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            securityContext: restrictedContainerSecurity(REALTIME_UID),
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        };
        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "realtime",
            replicas,
            // One pod holds the tenant's replication slot; a single replica is replaced, not surged.
            strategy: replicas === 1 ? "Recreate" : "RollingUpdate",
            checksums: [bundle.checksum("realtime")],
            initContainers: [waitForDatabase(config)],
            containers: [container],
            volumes: [scratchVolume("tmp", "256Mi")],
            servicePorts: [{ name: "http", port, targetPort: "http" }],
        }, { parent: this, dependsOn: [args.postgres.ready, ...(args.after ?? [])] });
        this.ready = this.workload.ready;
        this.url = serviceUrl("realtime", config.namespace);
        this.databaseConnections = realtimePeakPods(replicas) * (REALTIME_DB_POOL + REALTIME_TENANT_CONNECTIONS);
        this.registerOutputs({ url: this.url });
    }
}
