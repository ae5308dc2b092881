// The public URLs a stack must have, from its config values alone (docs/tls.md): https://<hostname>
// with TLS, http://<hostname> behind a plain ingress, else the LoadBalancer IPs on Kong's
// listener port and the dashboard's port, as before TLS existed.
export function expectedPublicUrls(cfg: (key: string) => string | undefined): { api: string; studio: string; tls: boolean } {
    const tls = (cfg("tls") ?? "none") !== "none";
    if (tls) return { api: `https://${cfg("apiHostname")}`, studio: `https://${cfg("studioHostname")}`, tls };
    if (cfg("exposure") === "ingress") return { api: `http://${cfg("apiHostname")}`, studio: `http://${cfg("studioHostname")}`, tls };
    return { api: `http://${cfg("kongLoadBalancerIp")}:8000`, studio: `http://${cfg("studioLoadBalancerIp")}:3000`, tls };
}
