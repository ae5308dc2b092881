// The connection pooler: PgBouncer in front of PostgreSQL for app repos (migrations, ORMs, jobs).
// One pod runs two processes (PgBouncer has one pool mode and one listen port per process):
// transaction mode on 6543, session mode on 5432. Passwords are looked up through the image's
// pgbouncer.get_auth (auth_query), narrowed to the apps' login roles; the only password the pod
// holds is its auth user's own. In-cluster by default; a LoadBalancer only when configured.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { METALLB_LOAD_BALANCER, metallbIpAnnotation } from "../../cluster";
import { SERVICES, serviceHost } from "../../endpoints";
import { SecretBundle } from "../../secrets";
import { Postgres } from "../postgres";
import { checksumOf, restrictedContainerSecurity, selectorLabels, Workload, workloadLabels } from "../../workload";
import { PlatformConfig, PoolerConfig } from "../../../config";
import { POOLER_GID, POOLER_UID } from "./facts";
import { poolerContainer, poolerIniFiles } from "./env";

export interface PoolerArgs {
    config: PlatformConfig;
    pooler: PoolerConfig;
    namespace: pulumi.Input<string>;
    bundle: SecretBundle;
    postgres: Postgres;
    /** The MetalLB pool, when the program creates it (the LoadBalancer's IP must be in it first). */
    addressPool?: pulumi.Resource;
    /** Ready once the auth user's password and the login roles are set (the database layer). */
    after?: pulumi.Resource[];
}

export class Pooler extends pulumi.ComponentResource {
    readonly workload: Workload;
    readonly ready: pulumi.Resource;
    /** The in-cluster Service's host: `pooler.<namespace>.svc`. */
    readonly host: string;
    /** The LoadBalancer (poolerEndpoint loadbalancer only). */
    readonly loadBalancer?: k8s.core.v1.Service;
    /** The two pgbouncer.ini files as rendered (also in the ConfigMap). */
    readonly iniFiles: Record<"transaction.ini" | "session.ini", string>;

    constructor(name: string, args: PoolerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Pooler", name, {}, opts);
        const { config, pooler, bundle } = args;
        const { name: serviceName, port, sessionPort } = SERVICES.pooler;
        const labels = workloadLabels(serviceName, "pooler");
        this.host = serviceHost("pooler", config.namespace);
        this.iniFiles = poolerIniFiles(config, pooler);

        const iniConfig = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: `${serviceName}-config`, namespace: args.namespace, labels },
            data: this.iniFiles,
        }, { parent: this });

        const volumes = { ini: "config", authFile: "auth-file" };
        const container = (mode: "transaction" | "session") => ({
            ...poolerContainer(config.images.pooler, mode, volumes),
            securityContext: restrictedContainerSecurity(POOLER_UID, POOLER_GID),
        });
        this.workload = new Workload({
            release: config.release,
            namespace: args.namespace,
            name: serviceName,
            component: "pooler",
            replicas: pooler.replicas,
            // RollingUpdate with maxSurge 1: the budget counts replicas + 1 pods (components/configured-budget.ts).
            strategy: "RollingUpdate",
            checksums: [bundle.checksum("pooler"), checksumOf("pooler", Object.values(this.iniFiles))],
            // fsGroup: the Secret's files (mode 0440) are readable by the image's group.
            podSecurityContext: { runAsNonRoot: true, fsGroup: POOLER_GID, seccompProfile: { type: "RuntimeDefault" } },
            containers: [container("transaction"), container("session")],
            volumes: [
                { name: volumes.ini, configMap: { name: iniConfig.metadata.name } },
                bundle.volume("pooler", volumes.authFile),
            ],
            servicePorts: [
                { name: "transaction", port, targetPort: "transaction" },
                { name: "session", port: sessionPort, targetPort: "session" },
            ],
        }, { parent: this, dependsOn: [args.postgres.ready, iniConfig, ...(args.after ?? [])] });

        if (pooler.endpoint.mode === "loadbalancer") {
            this.loadBalancer = new k8s.core.v1.Service(`${name}-lb`, {
                metadata: { name: `${serviceName}-lb`, namespace: args.namespace, labels, annotations: metallbIpAnnotation(pooler.endpoint.ip) },
                spec: {
                    ...METALLB_LOAD_BALANCER,
                    selector: selectorLabels(serviceName),
                    ports: [
                        { name: "transaction", port, targetPort: "transaction", protocol: "TCP" },
                        { name: "session", port: sessionPort, targetPort: "session", protocol: "TCP" },
                    ],
                    loadBalancerSourceRanges: pooler.endpoint.sourceRanges,
                    // Keeps the client's address, so the source ranges and the NetworkPolicy see who connects.
                    externalTrafficPolicy: "Local",
                },
            }, { parent: this, dependsOn: args.addressPool ? [args.addressPool] : [] });
        }
        this.ready = this.workload.ready;
        this.registerOutputs({ host: this.host });
    }
}
