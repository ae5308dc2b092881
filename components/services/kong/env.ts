// Kong's environment, pure: (release, plugin list, router flavor) -> the env its container gets.
// Every key is traced in contracts/<tag>.ts; what Kong 3.9 adds sits in releaseEnv().
import { Release } from "../../../releases";
import { routerFlavor } from "./declarative-config";
import { KONG_CONFIG_DIR, KONG_CONFIG_FILE, KONG_HTTPS_PORT, KONG_PORT, KONG_PREFIX, KONG_STATUS_PORT } from "./facts";

/**
 * The status API's readiness page. Kong 2.8 has only /status (it answers once a worker runs); 3.3+
 * adds /status/ready, 200 only once every worker has loaded a non-empty DB-less config
 * (Kong/kong@3.9.3, contracts/3.9.3.ts).
 */
export function readinessPath(release: Release): string {
    return release === "seed" ? "/status" : "/status/ready";
}

/** What Kong 3.9 adds: the router that understands the config's expression routes. */
function releaseEnv(release: Release, flavor: ReturnType<typeof routerFlavor>): Record<string, string> {
    if (release === "seed") return {};
    return { KONG_ROUTER_FLAVOR: flavor };
}

/** The container's env: DB-less, the mounted declarative config, listeners and nginx limits. */
export function kongEnv(release: Release, plugins: string, flavor: ReturnType<typeof routerFlavor>): Record<string, string> {
    return {
        KONG_PREFIX,
        KONG_DATABASE: "off",
        KONG_DECLARATIVE_CONFIG: `${KONG_CONFIG_DIR}/${KONG_CONFIG_FILE}`,
        KONG_PLUGINS: plugins,
        ...releaseEnv(release, flavor),
        // Prefer the last successful record type, then A: Services have no SRV worth asking for.
        KONG_DNS_ORDER: "LAST,A,CNAME",
        // Unprivileged ports, so the container needs no NET_BIND_SERVICE.
        KONG_PROXY_LISTEN: `0.0.0.0:${KONG_PORT}, 0.0.0.0:${KONG_HTTPS_PORT} http2 ssl`,
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
}
