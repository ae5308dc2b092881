// Realtime (supabase/realtime): database changes, broadcast and presence over websockets, reached
// through Kong at /realtime/v1. Facts per tag in components/contracts/realtime-<tag>.ts.
//
// The tenant is the first label of the Host header a request arrives with (supabase/realtime@v2.29.15
// lib/realtime/database.ex:160-167; v2.129.8 :364-368), and Kong sends the upstream's host. So the
// Service is named after the tenant the image seeds, `realtime-dev` (seeds.exs:4 at v2.29.15; the
// default of SELF_HOST_TENANT_NAME at v2.129.8), which both releases' images agree on: a Service
// named otherwise answers every client "Tenant not found".
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { Release } from "../policies/rules/releases";
import { SERVICES, serviceHost, serviceUrl } from "./endpoints";
import { ServiceArgs, scratchVolume, waitForDatabase } from "./service-support";
import { plainEnv, restrictedContainerSecurity, Workload } from "./workload";
import { REALTIME_AFTER_CONNECT_QUERY } from "./database/realtime-model";

type Container = k8s.types.input.core.v1.Container;

/** `realtime: auto` follows the release: off in the seed (unchanged), on from v0.8.2 as upstream ships it. */
export function realtimeDeployed(setting: "auto" | "true" | "false", release: Release): boolean {
    return setting === "auto" ? release !== "seed" : setting === "true";
}

/** The tenant the image seeds (SEED_SELF_HOST=true), which is also the Service name. */
export const REALTIME_TENANT = SERVICES.realtime.name;

/**
 * `nobody`: the image has no USER (root) and its run.sh drops to nobody with sudo for the
 * migrations and the seed; /app is owned by nobody (Dockerfile:85-87 at v2.29.15). Under the
 * restricted profile there is no sudo, so the pod runs as nobody from the start (command below).
 */
export const REALTIME_UID = 65534;

/** DB_POOL_SIZE: the metadata Repo's pool (the image's default is 5). */
export const REALTIME_DB_POOL = 2;

/**
 * Connections one pod opens to the tenant database beyond that pool, per application name
 * (supabase/realtime@v2.129.8 lib/realtime/database.ex:344-357): subscription manager 1, its
 * publisher pool 4 (subscription_manager.ex:85), connect 1, connect probe 1, health check 1,
 * janitor 1, migrations 2, broadcast changes 1, rls replication 1, slot teardown 1.
 */
export const REALTIME_TENANT_CONNECTIONS = 14;

/**
 * What run.sh does, without sudo: migrate the metadata schema, seed the self-host tenant, serve
 * (run.sh:61-69 at v2.29.15). tini stays PID 1 as the image's ENTRYPOINT has it.
 */
export const REALTIME_COMMAND = [
    "/usr/bin/tini", "-s", "-g", "--", "sh", "-c",
    "/app/bin/migrate && if [ \"$SEED_SELF_HOST\" = true ]; then /app/bin/realtime eval 'Realtime.Release.seeds(Realtime.Repo)'; fi && exec /app/bin/server",
];

/** The env every release shares; secrets come from the realtime Secret. */
export function realtimeEnv(release: Release, namespace: string): Record<string, string> {
    return {
        PORT: String(SERVICES.realtime.port),
        DB_HOST: serviceHost("postgres", namespace),
        // Explicit: v2.129.8's seed falls back to 5433 for the tenant (seeds.exs:36).
        DB_PORT: String(SERVICES.postgres.port),
        DB_NAME: "postgres",
        DB_USER: "supabase_admin",
        DB_AFTER_CONNECT_QUERY: REALTIME_AFTER_CONNECT_QUERY,
        DB_POOL_SIZE: String(REALTIME_DB_POOL),
        APP_NAME: "realtime",
        // The image defaults to IPv6 distribution (Dockerfile); cluster pods talk IPv4.
        ERL_AFLAGS: "-proto_dist inet_tcp",
        DNS_NODES: "''",
        SEED_SELF_HOST: "true",
        // The release writes its runtime config here on every start and eval; /tmp is an emptyDir.
        RELEASE_TMP: "/tmp",
        ...releaseEnv(release),
    };
}

/** What differs per release: v2.29.15 run.sh needs RLIMIT_NOFILE; v2.134.10 resolves DB_HOST at boot unless told the family. */
function releaseEnv(release: Release): Record<string, string> {
    if (release === "seed") return { RLIMIT_NOFILE: "10000" };
    return { DB_IP_VERSION: "ipv4", RUN_JANITOR: "true", DISABLE_HEALTHCHECK_LOGGING: "true" };
}

/**
 * Readiness without a JWT: /healthcheck exists from v2.32.1 on (router.ex:60 at v2.129.8); v2.29.15
 * has only the LiveView index page (router.ex:48-55). Neither touches the tenant; liveness is the socket.
 */
export function realtimeReadinessPath(release: Release): string {
    return release === "seed" ? "/" : "/healthcheck";
}

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

/** Pods at rollout peak: Recreate for one replica, else maxSurge 1 (components/workload.ts). */
export function realtimePeakPods(replicas: number): number {
    return replicas === 1 ? 1 : replicas + 1;
}
