// Kong 2.8 in DB-less mode: the declarative config is rendered from the bundle into a Secret and
// mounted as a file, so the keys Kong accepts are the keys the platform signed (no eval entrypoint,
// no template). Two MetalLB LoadBalancers select Kong's pods: the API (8000/8443) and the dashboard
// address (3000 → Kong's basic-auth route, never straight to Studio).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { PlatformConfig } from "../../../config";
import { Release } from "../../../releases";
import { METALLB_LOAD_BALANCER, metallbIpAnnotation } from "../../cluster";
import { SERVICES, serviceUrl } from "../../endpoints";
import { buildKongConfig, KongDeclarativeConfig, KongUpstream, kongPlugins, OpaqueKeyMapping, routerFlavor, toKongYaml } from "./declarative-config";
import { SecretBundle } from "../../secrets";
import { kongEnv, readinessPath } from "./env";
import { DASHBOARD_CREDENTIALS_SECRET, DASHBOARD_LB_SERVICE, DASHBOARD_PORT, KONG_CONFIG_DIR, KONG_CONFIG_FILE, KONG_CONFIG_SECRET, KONG_LB_SERVICE, KONG_PREFIX, KONG_STATUS_PORT, KONG_UID } from "./facts";
import { checksumOf, plainEnv, restrictedContainerSecurity, selectorLabels, Workload, workloadLabels } from "../../workload";

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

        const env = kongEnv(config.release, plugins, routerFlavor(routesOnly));

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
 * URL at the address the LoadBalancer got. The provider waits for that address before it
 * resolves; the requested IP is the fallback only when it is not reported (e.g. skipAwait).
 */
function assignedUrl(service: k8s.core.v1.Service, requestedIp: string, port: number): pulumi.Output<string> {
    return service.status.apply((status) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        return `http://${ingress?.ip || ingress?.hostname || requestedIp}:${port}`;
    });
}
