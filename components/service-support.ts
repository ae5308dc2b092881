// Pieces the API services (GoTrue, PostgREST, Storage, postgres-meta) share beyond Workload: the
// wait-for-database init container, the /tmp scratch volume and the common Component args.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { SERVICES, serviceHost } from "./endpoints";
import { Postgres } from "./services/postgres";
import { SecretBundle } from "./secrets";
import { restrictedContainerSecurity } from "./workload";

type Container = k8s.types.input.core.v1.Container;

/** Arguments every service component takes. */
export interface ServiceArgs {
    /** The validated stack config (see config.ts). */
    config: PlatformConfig;
    /** Namespace of the workload (the cluster's namespace Output, so it is created first). */
    namespace: pulumi.Input<string>;
    /** Source of the service's scoped Secret (env via secretKeyRef, checksum for rollouts). */
    bundle: SecretBundle;
    /** The database; the workload is created only once its StatefulSet is ready. */
    postgres: Postgres;
}

/**
 * UID for the init container. pg_isready only opens a socket, so any non-root UID works; the
 * image's own postgres UID is not fixed in its Dockerfile (adduser --system), so none is assumed.
 */
const WAIT_UID = 65532;

/**
 * Holds the pod until PostgreSQL answers. dependsOn orders the rollout once; this covers every
 * later restart (node drain, database upgrade), where the services would otherwise crash-loop
 * and back off while the database comes up.
 */
export function waitForDatabase(config: PlatformConfig): Container {
    const host = serviceHost("postgres", config.namespace);
    const port = SERVICES.postgres.port;
    return {
        name: "wait-for-db",
        image: config.images.postgres,
        command: ["sh", "-c", `until pg_isready -h ${host} -p ${port} -t 3; do echo "waiting for ${host}:${port}"; sleep 2; done`],
        securityContext: restrictedContainerSecurity(WAIT_UID),
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
    };
}

/** A size-capped scratch directory for images that write temporary files under a read-only root. */
export function scratchVolume(name = "tmp", sizeLimit = "256Mi"): k8s.types.input.core.v1.Volume {
    return { name, emptyDir: { sizeLimit } };
}
