// Where `pulumi up` reaches PostgreSQL to manage the database layer (config `dbAdminEndpoint`):
//   cluster       the in-cluster Service (pulumi runs inside the cluster, e.g. a CI runner pod)
//   port-forward  localhost:<dbAdminPort>, the operator's `kubectl port-forward svc/postgres`
//   loadbalancer  an opt-in MetalLB IP limited to dbAdminSourceRanges: the one place the
//                 database is reachable from outside the cluster, and only when asked for.
//   none          no database layer in this stack (SupabasePlatform creates no DatabaseLayer).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PlatformConfig } from "../../config";
import { METALLB_LOAD_BALANCER, metallbIpAnnotation } from "../cluster";
import { SERVICES, serviceHost } from "../endpoints";
import { selectorLabels, workloadLabels } from "../workload";

export interface AdminEndpoint {
    host: string;
    port: number;
    /** The admin LoadBalancer Service (loadbalancer mode only). */
    service?: k8s.core.v1.Service;
}

export const ADMIN_SERVICE_NAME = "postgres-admin";

/** Resolves the admin endpoint; creates the LoadBalancer Service in loadbalancer mode. */
export function adminEndpoint(name: string, config: PlatformConfig, namespace: pulumi.Input<string>, parent: pulumi.Resource): AdminEndpoint {
    const admin = config.dbAdmin;
    switch (admin.mode) {
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
