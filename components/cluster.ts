// What the platform needs from the cluster: its namespace, and optionally the Longhorn
// StorageClass and the MetalLB pool holding exactly the platform's LoadBalancer IPs.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { MANAGED_BY } from "./workload";
import { ENVIRONMENT_LABEL } from "./services/kong/facts";

/** Kubernetes minor version the Pod Security labels are pinned to (checks are version-gated). */
export const POD_SECURITY_VERSION = "v1.30";

/**
 * Namespace labels: every workload but PostgreSQL meets *restricted*; the supabase/postgres
 * entrypoint starts as root to hand its data directory to the postgres user (see postgres.ts),
 * so admission enforces *baseline* and audits and warns at *restricted*.
 */
export function podSecurityLabels(): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": POD_SECURITY_VERSION,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": POD_SECURITY_VERSION,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": POD_SECURITY_VERSION,
    };
}

/** Annotation with which a Service asks MetalLB for its IP (the current, non-deprecated key). */
export function metallbIpAnnotation(ip: string): Record<string, string> {
    return { "metallb.io/loadBalancerIPs": ip };
}

/**
 * Spec fields every MetalLB LoadBalancer of the platform shares. MetalLB answers on the IP itself,
 * so node ports would only open the Service on every node's address as well.
 */
export const METALLB_LOAD_BALANCER = { type: "LoadBalancer", allocateLoadBalancerNodePorts: false } as const;

/** Every IP the platform asks MetalLB for (the gateway's only when it is exposed by LoadBalancers). */
export function loadBalancerIps(config: PlatformConfig): string[] {
    const ips = config.edge.exposure.mode === "loadbalancer" ? [config.network.kongIp, config.network.studioIp] : [];
    if (config.dbAdmin.mode === "loadbalancer") ips.push(config.dbAdmin.ip);
    if (config.pooler?.endpoint.mode === "loadbalancer") ips.push(config.pooler.endpoint.ip);
    return ips;
}

export interface ClusterArgs {
    config: PlatformConfig;
}

export class ClusterPrerequisites extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    /** Name of the namespace, known once it exists (so dependents wait for it). */
    readonly namespaceName: pulumi.Output<string>;
    readonly storageClass?: k8s.storage.v1.StorageClass;
    readonly addressPool?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Cluster", name, {}, opts);
        const { config } = args;
        const labels = { "app.kubernetes.io/part-of": "supabase", "app.kubernetes.io/managed-by": MANAGED_BY };

        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: {
                name: config.namespace,
                labels: {
                    ...labels, ...podSecurityLabels(),
                    // Marks the stack as production for the policy pack (api-over-tls, docs/tls.md); absent otherwise.
                    ...(config.environment === "production" ? { [ENVIRONMENT_LABEL]: "production" } : {}),
                },
            },
        }, { parent: this });
        this.namespaceName = this.namespace.metadata.name;

        if (config.storage.createStorageClass) {
            this.storageClass = new k8s.storage.v1.StorageClass(`${name}-storage-class`, {
                metadata: { name: config.storage.storageClassName, labels },
                provisioner: "driver.longhorn.io",
                // A single PostgreSQL instance relies on storage replication: never strict-local.
                parameters: {
                    numberOfReplicas: String(config.storage.longhornReplicas),
                    dataLocality: "best-effort",
                    staleReplicaTimeout: "2880",
                    fsType: "ext4",
                },
                reclaimPolicy: "Retain",
                allowVolumeExpansion: true,
                volumeBindingMode: "Immediate",
            }, { parent: this });
        }

        if (config.network.createMetallbPool) {
            const poolName = `${config.namespace}-pool`;
            this.addressPool = new k8s.apiextensions.CustomResource(`${name}-address-pool`, {
                apiVersion: "metallb.io/v1beta1",
                kind: "IPAddressPool",
                metadata: { name: poolName, namespace: config.network.metallbNamespace, labels },
                spec: {
                    addresses: loadBalancerIps(config).map((ip) => `${ip}/32`),
                    // Only this namespace may claim these IPs, and only by asking for them.
                    autoAssign: false,
                    serviceAllocation: { namespaces: [config.namespace] },
                },
            }, { parent: this });
            new k8s.apiextensions.CustomResource(`${name}-l2-advertisement`, {
                apiVersion: "metallb.io/v1beta1",
                kind: "L2Advertisement",
                metadata: { name: poolName, namespace: config.network.metallbNamespace, labels },
                spec: { ipAddressPools: [poolName] },
            }, { parent: this, dependsOn: [this.addressPool] });
        }
        this.registerOutputs({ namespace: this.namespaceName });
    }
}
