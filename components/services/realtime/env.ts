// Realtime's environment and command, pure, per release.
import { Release } from "../../../releases";
import { serviceHost, SERVICES } from "../../endpoints";
import { REALTIME_AFTER_CONNECT_QUERY } from "../../database/realtime-model";
import { REALTIME_DB_POOL } from "./facts";

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

/**
 * Readiness without a JWT: /healthcheck exists from v2.32.1 on (router.ex:60 at v2.129.8); v2.29.15
 * has only the LiveView index page (router.ex:48-55). Neither touches the tenant; liveness is the socket.
 */
export function realtimeReadinessPath(release: Release): string {
    return release === "seed" ? "/" : "/healthcheck";
}

/** What differs per release: v2.29.15 run.sh needs RLIMIT_NOFILE; v2.134.10 resolves DB_HOST at boot unless told the family. */
function releaseEnv(release: Release): Record<string, string> {
    if (release === "seed") return { RLIMIT_NOFILE: "10000" };
    return { DB_IP_VERSION: "ipv4", RUN_JANITOR: "true", DISABLE_HEALTHCHECK_LOGGING: "true" };
}
