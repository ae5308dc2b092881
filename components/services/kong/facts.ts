// Kong's fixed facts: ports, user, paths and the names other rooms refer to. A leaf (it reads
// only the release type and Studio's port), so config checks and the policy pack may import it.
import { Release } from "../../../releases";
import { STUDIO_PORT } from "../studio/facts";

/** The proxy's plain-HTTP and TLS listeners (unprivileged, so no NET_BIND_SERVICE). */
export const KONG_PORT = 8000;
export const KONG_HTTPS_PORT = 8443;

/**
 * A fixed non-root UID per release. kong:2.8.1 creates its `kong` user with `adduser -S`, which
 * fixes no number (components/services/kong/contracts/2.8.1.ts); Kong writes only into its prefix volume, so any
 * UID works there. kong/kong:3.9.3 is built on Ubuntu 24.04 where Kong's own image check expects
 * the kong user at 1001 (components/services/kong/contracts/3.9.3.ts); run as that.
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
export const DASHBOARD_PORT = STUDIO_PORT;
