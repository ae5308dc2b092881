// Realtime's fixed facts: port, tenant, user, pools and rollout shape. A leaf: the budget check reads it.

/** Realtime's port (PORT), behind Kong at /realtime/v1. */
export const REALTIME_PORT = 4000;

/**
 * The tenant the image seeds (SEED_SELF_HOST=true), which is also the Service name: Realtime
 * reads the tenant from the Host's first label.
 */
export const REALTIME_TENANT = "realtime-dev";

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

/** Pods at rollout peak: Recreate for one replica, else maxSurge 1 (components/workload.ts). */
export function realtimePeakPods(replicas: number): number {
    return replicas === 1 ? 1 : replicas + 1;
}
