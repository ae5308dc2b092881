// Where `pulumi up` reaches PostgreSQL to manage the database layer (config `dbAdminEndpoint`):
//   tunnel        (default) 127.0.0.1:<dbAdminTunnelPort>, a port-forward to postgres-0 the
//                 program itself opens through the Kubernetes API (tunnel.ts); nothing exposed.
//   cluster       the in-cluster Service (pulumi runs inside the cluster, e.g. a CI runner pod)
//   port-forward  localhost:<dbAdminPort>, a loopback tunnel the operator runs: an SSH/bastion
//                 tunnel where the Kubernetes API is not reachable from where pulumi runs, or
//                 `kubectl port-forward` on an existing stack.
//   loadbalancer  an opt-in MetalLB IP limited to dbAdminSourceRanges: the one place the
//                 database is reachable from outside the cluster, and only when asked for.
//   none          no database layer in this stack (SupabasePlatform creates no DatabaseLayer).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../k8s";
import { PlatformConfig } from "../../config";
import { METALLB_LOAD_BALANCER, metallbIpAnnotation } from "../cluster";
import { SERVICES, serviceHost } from "../endpoints";
import { selectorLabels, workloadLabels } from "../workload";
import { Tunnel, TUNNEL_HOST } from "./tunnel";
import { kubernetesApi, loadKubeConfig } from "./tunnel-kubernetes";

export interface AdminEndpoint {
    host: string;
    port: number;
    /** The admin LoadBalancer Service (loadbalancer mode only). */
    service?: k8s.core.v1.Service;
    /** Tunnel mode under the real engine: settles once the listener is open (or rejects). */
    listening?: Promise<Tunnel>;
}

/**
 * True when a Pulumi CLI runs the program (its language host sets PULUMI_NODEJS_MONITOR), false
 * under the mock engine of the tests and `npm run render` (setMocks installs a MockMonitor; the
 * monitor address is then the literal "mock"). Only then may the program open a listener.
 */
export function underRealEngine(): boolean {
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as typeof import("@pulumi/pulumi/runtime/mocks");
    const monitor = pulumi.runtime.getMonitor();
    return Boolean(process.env.PULUMI_NODEJS_MONITOR) && monitor !== undefined && !(monitor instanceof MockMonitor);
}

/** The pod the tunnel reaches: the one instance of the postgres StatefulSet (postgres.ts). */
export const tunnelTarget = (config: PlatformConfig) => ({ namespace: config.namespace, pod: `${SERVICES.postgres.name}-0`, port: SERVICES.postgres.port });

function openTunnel(config: PlatformConfig, port: number, parent: pulumi.Resource): Promise<Tunnel> {
    const kubernetes = new pulumi.Config("kubernetes");
    const credentials = { kubeconfig: kubernetes.get("kubeconfig"), context: kubernetes.get("context") };
    return Tunnel.open({
        target: tunnelTarget(config),
        port,
        // Credentials are read at the first connection, like the pod: a preview that connects to
        // nothing needs none (the Kubernetes provider previews an unreachable cluster, too).
        api: () => kubernetesApi(loadKubeConfig(credentials)),
        log: {
            info: (message) => void pulumi.log.info(message, parent),
            error: (message) => void pulumi.log.error(message, parent),
        },
    });
}

export const ADMIN_SERVICE_NAME = "postgres-admin";

/** Resolves the admin endpoint; creates the LoadBalancer Service in loadbalancer mode. */
export function adminEndpoint(name: string, config: PlatformConfig, namespace: pulumi.Input<string>, parent: pulumi.Resource): AdminEndpoint {
    const admin = config.dbAdmin;
    switch (admin.mode) {
        case "tunnel":
            return { host: TUNNEL_HOST, port: admin.port, listening: underRealEngine() ? openTunnel(config, admin.port, parent) : undefined };
        case "cluster":
            return { host: serviceHost("postgres", config.namespace), port: SERVICES.postgres.port };
        case "port-forward":
            return { host: "localhost", port: admin.port };
        case "loadbalancer": {
            const service = new k8s.core.v1.Service(`${name}-admin-lb`, {
                metadata: {
                    name: ADMIN_SERVICE_NAME,
                    namespace,
                    labels: workloadLabels(SERVICES.postgres.name, "database-admin"),
                    annotations: metallbIpAnnotation(admin.ip),
                },
                spec: {
                    ...METALLB_LOAD_BALANCER,
                    selector: selectorLabels(SERVICES.postgres.name),
                    ports: [{ name: "postgres", port: SERVICES.postgres.port, targetPort: "postgres", protocol: "TCP" }],
                    loadBalancerSourceRanges: admin.sourceRanges,
                    // Keeps the client's address, so the source ranges and pg_hba see who connects.
                    externalTrafficPolicy: "Local",
                },
            }, { parent });
            return { host: admin.ip, port: SERVICES.postgres.port, service };
        }
        case "none":
            throw new Error("dbAdminEndpoint is none: this stack manages nothing inside PostgreSQL, so it has no admin endpoint");
    }
}
