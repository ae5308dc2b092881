// Kong 2.8 in DB-less mode: the declarative config is rendered from the bundle into a Secret and
// mounted as a file, so the keys Kong accepts are the keys the platform signed (no eval entrypoint,
// no template). Two MetalLB LoadBalancers select Kong's pods: the API (8000/8443) and the dashboard
// address (3000 → Kong's basic-auth route, never straight to Studio).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { Release } from "../policies/rules/releases";
import { METALLB_LOAD_BALANCER, metallbIpAnnotation } from "./cluster";
import { SERVICES, serviceUrl } from "./endpoints";
import { buildKongConfig, KongDeclarativeConfig, KongUpstream, kongPlugins, OpaqueKeyMapping, routerFlavor, toKongYaml } from "./kong-config";
import { SecretBundle } from "./secrets";
import { checksumOf, plainEnv, restrictedContainerSecurity, selectorLabels, Workload, workloadLabels } from "./workload";

/**
 * A fixed non-root UID per release. kong:2.8.1 creates its `kong` user with `adduser -S`, which
 * fixes no number (components/contracts/kong.ts); Kong writes only into its prefix volume, so any
 * UID works there. kong/kong:3.9.3 is built on Ubuntu 24.04 where Kong's own image check expects
 * the kong user at 1001 (components/contracts/kong-3.9.3.ts); run as that.
 */
export const KONG_UID: Record<Release, number> = { seed: 1000, "v0.8.2": 1001 };
/**
 * Kong's prefix (nginx.conf, logs, pids, default certificates, nginx temp dirs), on a volume.
 * Not the image default /usr/local/kong: the image ships OpenSSL and libyaml in /usr/local/kong/lib
 * and a volume there would hide them (Kong/docker-kong@2.8.1 alpine/Dockerfile:37). The entrypoint
 * honours KONG_PREFIX (docker-entrypoint.sh:42).
 */
export const KONG_PREFIX = "/var/lib/kong";
export const KONG_CONFIG_SECRET = "kong-config";
export const KONG_CONFIG_FILE = "kong.yml";
export const KONG_CONFIG_DIR = "/etc/kong/declarative";
/** Human-readable copy of the dashboard login (Kong reads its own copy inside kong.yml). */
export const DASHBOARD_CREDENTIALS_SECRET = "dashboard-credentials";
export const KONG_STATUS_PORT = 8100;
export const KONG_LB_SERVICE = "kong-lb";
export const DASHBOARD_LB_SERVICE = "kong-dashboard-lb";
/** The dashboard keeps the seed's address: <studioLoadBalancerIp>:3000. */
export const DASHBOARD_PORT = SERVICES.studio.port;

/** An upstream Kong routes to: its in-cluster URL and the resource that is ready when it is. */
export interface KongUpstreamRef {
    url: string;
    ready: pulumi.Resource;
}

export interface KongArgs {
    /** The validated stack config (see config.ts). */
    config: PlatformConfig;
    /** Namespace of the workload (the cluster's namespace Output, so it is created first). */
    namespace: pulumi.Input<string>;
    /** Source of the API keys and dashboard credentials rendered into kong.yml. */
    bundle: SecretBundle;
    /** The API services; Kong starts once all are ready (the seed's startup order). */
    upstreams: Record<Exclude<KongUpstream, "studio" | "realtime">, KongUpstreamRef> & { realtime?: KongUpstreamRef };
    /** MetalLB pool holding the IPs, when the program creates it. */
    addressPool?: pulumi.Resource;
}

export class Kong extends pulumi.ComponentResource {
    readonly workload: Workload;
    /** The Deployment: ready once every replica answers on its status listener. */
    readonly ready: pulumi.Resource;
    readonly configSecret: k8s.core.v1.Secret;
    readonly loadBalancer: k8s.core.v1.Service;
    readonly dashboardLoadBalancer: k8s.core.v1.Service;
    /** In-cluster gateway URL (for Studio's server side). */
    readonly internalUrl: string;
    /** External gateway URL from config (what browsers and apps use). */
    readonly publicUrl: string;
    /** External gateway URL at the address MetalLB assigned. */
    readonly apiUrl: pulumi.Output<string>;
    /** External dashboard URL at the address MetalLB assigned. */
    readonly dashboardUrl: pulumi.Output<string>;

    constructor(name: string, args: KongArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Kong", name, {}, opts);
        const { config, bundle } = args;
        const { name: serviceName, port, httpsPort } = SERVICES.kong;
        const values = bundle.values;
        const labels = workloadLabels(serviceName, "gateway");

        const upstreams = {
            gotrue: args.upstreams.gotrue.url,
            rest: args.upstreams.rest.url,
            storage: args.upstreams.storage.url,
            meta: args.upstreams.meta.url,
            studio: serviceUrl("studio", config.namespace),
            ...(args.upstreams.realtime ? { realtime: args.upstreams.realtime.url } : {}),
        };
        const realtime = args.upstreams.realtime !== undefined;
        const next = values.asymmetric;
        const opaque: pulumi.Output<OpaqueKeyMapping | undefined> = next
            ? pulumi.all([next.publishableKey, next.secretKey, next.anonKey, next.serviceRoleKey])
                .apply(([publishableKey, secretKey, anonJwt, serviceRoleJwt]) => ({ publishableKey, secretKey, anonJwt, serviceRoleJwt }))
            : pulumi.output(undefined);
        const declarative: pulumi.Output<KongDeclarativeConfig> = pulumi
            .all([values.anonKey, values.serviceRoleKey, values.dashboardUsername, values.dashboardPassword, opaque])
            .apply(([anonKey, serviceRoleKey, dashboardUsername, dashboardPassword, asymmetric]) => buildKongConfig({
                anonKey, serviceRoleKey, dashboardUsername, dashboardPassword, namespace: config.namespace, upstreams, asymmetric, realtime,
            }));
        const kongYaml = pulumi.secret(declarative.apply(toKongYaml));
        // The plugin list follows from the routes alone, never from credential values, so it is
        // computed from the same routes with stand-in credentials: a plain string known at preview.
        // Derived from the real (secret, not yet generated) keys it would be unknown in a rotation's
        // preview, and the Kubernetes provider plans an unknown container env as a replacement.
        const routesOnly = buildKongConfig({
            anonKey: "stand-in-anon", serviceRoleKey: "stand-in-service-role", dashboardUsername: "stand-in", dashboardPassword: "stand-in",
            namespace: config.namespace, upstreams, realtime,
            asymmetric: next ? { publishableKey: "stand-in-publishable", secretKey: "stand-in-secret", anonJwt: "stand-in.anon.jwt", serviceRoleJwt: "stand-in.service.jwt" } : undefined,
        });
        const plugins = kongPlugins(routesOnly).join(",");

        this.configSecret = new k8s.core.v1.Secret(`${name}-config`, {
            metadata: { name: KONG_CONFIG_SECRET, namespace: args.namespace, labels },
            type: "Opaque",
            stringData: { [KONG_CONFIG_FILE]: kongYaml },
        }, { parent: this });
        new k8s.core.v1.Secret(`${name}-dashboard-credentials`, {
            metadata: { name: DASHBOARD_CREDENTIALS_SECRET, namespace: args.namespace, labels },
            type: "Opaque",
            stringData: { username: values.dashboardUsername, password: values.dashboardPassword },
        }, { parent: this });

        const env: Record<string, pulumi.Input<string>> = {
            KONG_PREFIX,
            KONG_DATABASE: "off",
            KONG_DECLARATIVE_CONFIG: `${KONG_CONFIG_DIR}/${KONG_CONFIG_FILE}`,
            KONG_PLUGINS: plugins,
            ...releaseEnv(config.release, routerFlavor(routesOnly)),
            // Prefer the last successful record type, then A: Services have no SRV worth asking for.
            KONG_DNS_ORDER: "LAST,A,CNAME",
            // Unprivileged ports, so the container needs no NET_BIND_SERVICE.
            KONG_PROXY_LISTEN: `0.0.0.0:${port}, 0.0.0.0:${httpsPort} http2 ssl`,
            // Read-only status API for the readiness probe; never exposed by a Service.
            KONG_STATUS_LISTEN: `0.0.0.0:${KONG_STATUS_PORT}`,
            // DB-less config comes only from the mounted file: no Admin API to change it at runtime.
            KONG_ADMIN_LISTEN: "off",
            // Studio and PostgREST send large headers (JWTs, profile headers).
            KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: "160k",
            KONG_NGINX_PROXY_PROXY_BUFFERS: "64 160k",
            // `auto` would start one worker per node CPU and outgrow the memory limit on big nodes.
            KONG_NGINX_WORKER_PROCESSES: "2",
            KONG_PROXY_ACCESS_LOG: "/dev/stdout",
            KONG_PROXY_ERROR_LOG: "/dev/stderr",
        };

        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "gateway",
            replicas: config.replicas.kong,
            checksums: [checksumOf(values.jwtSecret, [kongYaml])],
            containers: [{
                name: "kong",
                image: config.images.kong,
                ports: [
                    { name: "http", containerPort: port },
                    { name: "https", containerPort: httpsPort },
                    { name: "status", containerPort: KONG_STATUS_PORT },
                ],
                env: plainEnv(env),
                // Readiness asks the status API (readinessPath); liveness only asks whether the
                // proxy accepts connections, so a slow upstream never restarts the gateway.
                readinessProbe: { httpGet: { path: readinessPath(config.release), port: "status" }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                livenessProbe: { tcpSocket: { port: "http" }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
                securityContext: restrictedContainerSecurity(KONG_UID[config.release]),
                volumeMounts: [
                    // The entrypoint runs `kong prepare` into the prefix (nginx.conf, temp dirs, default cert).
                    { name: "kong-prefix", mountPath: KONG_PREFIX },
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "declarative-config", mountPath: KONG_CONFIG_DIR, readOnly: true },
                ],
            }],
            volumes: [
                { name: "kong-prefix", emptyDir: { sizeLimit: "256Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                {
                    name: "declarative-config",
                    secret: {
                        secretName: this.configSecret.metadata.name,
                        items: [{ key: KONG_CONFIG_FILE, path: KONG_CONFIG_FILE }],
                        defaultMode: 0o444,
                    },
                },
            ],
            servicePorts: [
                { name: "http", port, targetPort: "http" },
                { name: "https", port: httpsPort, targetPort: "https" },
            ],
        }, { parent: this, dependsOn: Object.values(args.upstreams).filter((u): u is KongUpstreamRef => u !== undefined).map((u) => u.ready) });
        this.ready = this.workload.ready;

        const lbOpts = { parent: this, dependsOn: args.addressPool ? [args.addressPool] : [] };
        const loadBalancer = (resourceName: string, serviceNameLb: string, ip: string, ports: k8s.types.input.core.v1.ServicePort[]) =>
            new k8s.core.v1.Service(resourceName, {
                metadata: { name: serviceNameLb, namespace: args.namespace, labels, annotations: metallbIpAnnotation(ip) },
                spec: { ...METALLB_LOAD_BALANCER, selector: selectorLabels(serviceName), ports },
            }, lbOpts);
        this.loadBalancer = loadBalancer(`${name}-lb`, KONG_LB_SERVICE, config.network.kongIp, [
            { name: "http", port, targetPort: "http" },
            { name: "https", port: httpsPort, targetPort: "https" },
        ]);
        this.dashboardLoadBalancer = loadBalancer(`${name}-dashboard-lb`, DASHBOARD_LB_SERVICE, config.network.studioIp, [
            { name: "dashboard", port: DASHBOARD_PORT, targetPort: "http" },
        ]);

        this.internalUrl = serviceUrl("kong", config.namespace);
        this.publicUrl = `http://${config.network.kongIp}:${port}`;
        this.apiUrl = assignedUrl(this.loadBalancer, config.network.kongIp, port);
        this.dashboardUrl = assignedUrl(this.dashboardLoadBalancer, config.network.studioIp, DASHBOARD_PORT);
        this.registerOutputs({ apiUrl: this.apiUrl, dashboardUrl: this.dashboardUrl });
    }
}

/**
 * The status API's readiness page. Kong 2.8 has only /status (it answers once a worker runs); 3.3+
 * adds /status/ready, 200 only once every worker has loaded a non-empty DB-less config
 * (Kong/kong@3.9.3, contracts/kong-3.9.3.ts).
 */
export function readinessPath(release: Release): string {
    return release === "seed" ? "/status" : "/status/ready";
}

/** What Kong 3.9 adds: the router that understands the config's expression routes. */
function releaseEnv(release: Release, flavor: ReturnType<typeof routerFlavor>): Record<string, string> {
    if (release === "seed") return {};
    return { KONG_ROUTER_FLAVOR: flavor };
}

/**
 * URL at the address the LoadBalancer got. The provider waits for that address before it
 * resolves; the requested IP is the fallback only when it is not reported (e.g. skipAwait).
 */
function assignedUrl(service: k8s.core.v1.Service, requestedIp: string, port: number): pulumi.Output<string> {
    return service.status.apply((status) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        return `http://${ingress?.ip || ingress?.hostname || requestedIp}:${port}`;
    });
}
