// Pure: how the platform is reached from outside (issue #23, docs/tls.md). The public URLs every
// consumer derives from (GoTrue's external URL and issuer, OAuth callbacks, mail links, Studio's
// public URL, the stack outputs), and who terminates TLS. No Pulumi, no I/O.
import { PlatformConfig } from "../config";
import { SERVICES } from "./endpoints";
import { DASHBOARD_PORT } from "./services/kong/facts";

export interface PublicUrls {
    /** What browsers and apps call: Kong's routes. */
    api: string;
    /** The dashboard: Kong's basic-auth route on its own address or hostname. */
    studio: string;
}

/** True when the stack serves its hostnames with a certificate (tls secret or cert-manager). */
export function tlsEnabled(config: PlatformConfig): boolean {
    return config.edge.tls.mode !== "none";
}

/**
 * Who holds the certificate: Kong itself behind the LoadBalancers (its TLS listener, HTTP
 * redirected), the ingress controller in ingress mode (Kong stays plain HTTP behind it), or nobody.
 */
export function tlsTerminator(config: PlatformConfig): "kong" | "ingress" | undefined {
    if (!tlsEnabled(config)) return undefined;
    return config.edge.exposure.mode === "ingress" ? "ingress" : "kong";
}

/**
 * https://<hostname> with TLS; http://<hostname> behind a plain ingress; else, as before, the
 * LoadBalancer IPs and Kong's listener ports (the requested IPs: the Kong component reports the
 * assigned ones in that case).
 */
export function publicUrls(config: PlatformConfig): PublicUrls {
    const { hostnames } = config.edge;
    if (hostnames && tlsEnabled(config)) return { api: `https://${hostnames.api}`, studio: `https://${hostnames.studio}` };
    if (hostnames && config.edge.exposure.mode === "ingress") return { api: `http://${hostnames.api}`, studio: `http://${hostnames.studio}` };
    return { api: `http://${config.network.kongIp}:${SERVICES.kong.port}`, studio: `http://${config.network.studioIp}:${DASHBOARD_PORT}` };
}
