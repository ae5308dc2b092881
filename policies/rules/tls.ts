// A production stack never serves the API in clear (issue #23, docs/tls.md). Production is what
// the stack says it is: its namespace labelled platform.supabase.io/environment=production (config
// `environment: production`), or the Pulumi stack tag `environment: production`. Then every way in
// to the gateway must be HTTPS: a LoadBalancer port reaches either Kong's TLS listener (with a
// certificate of its own, not Kong's self-signed default) or a plain listener on which every public
// route only redirects to https://; an Ingress to the gateway terminates TLS for each of its hosts.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ENVIRONMENT_LABEL, KONG_HTTPS_PORT, KONG_PORT } from "../../components/services/kong/facts";
import { kongConfigsOf } from "./gateway";
import { appOf, configOf, containersOf, label, Obj, resourcesOfType, selectedByMap, T, WorkloadView, workloadsOf } from "./util";

export interface ApiOverTlsConfig {
    /** Apps (app.kubernetes.io/name) of the gateway. */
    gatewayApps: string[];
    /** The stack tag that marks production, and its value. */
    productionTag: { name: string; value: string };
}

const REDIRECTS = [301, 302, 307, 308];

/** Listener ports of KONG_PROXY_LISTEN and whether each has the ssl flag (Kong's default when unset). */
export function proxyListeners(value: string | undefined): Map<number, boolean> {
    const listeners = new Map<number, boolean>();
    if (value === undefined || value.trim() === "") return new Map([[KONG_PORT, false], [KONG_HTTPS_PORT, true]]);
    if (value.trim() === "off") return listeners;
    for (const item of value.split(",").map((i) => i.trim()).filter(Boolean)) {
        const [address, ...flags] = item.split(/\s+/);
        listeners.set(Number(address.split(":").pop()), flags.includes("ssl"));
    }
    return listeners;
}

const envOf = (container: Obj, name: string): string | undefined =>
    ((container.env ?? []) as Obj[]).find((e) => e.name === name)?.value;

/** A certificate Kong was given: KONG_SSL_CERT set, not Kong's "NONE". */
const hasCertificate = (container: Obj) => {
    const cert = envOf(container, "KONG_SSL_CERT");
    return cert !== undefined && cert.trim() !== "" && cert.trim().toUpperCase() !== "NONE";
};

/** The container port a Service port's targetPort names (a name, a number, or the port itself). */
function containerPortOf(target: unknown, port: number, container: Obj): number | undefined {
    if (typeof target === "string" && !/^[0-9]+$/.test(target)) {
        return ((container.ports ?? []) as Obj[]).find((p) => p.name === target)?.containerPort;
    }
    return target === undefined ? port : Number(target);
}

/** Host names that reach a Service only from inside the cluster: name, name.ns, name.ns.svc[.cluster.local]. */
function inClusterHosts(services: PolicyResource[]): Set<string> {
    const hosts = new Set<string>();
    for (const s of services) {
        const name = s.props.metadata?.name;
        const ns = s.props.metadata?.namespace ?? "default";
        if (name) for (const h of [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`]) hosts.add(h);
    }
    return hosts;
}

/** Routes of a kong.yml that a public client reaches over plain HTTP without a redirect. */
export function clearRoutes(doc: Obj, internal: Set<string>): string[] {
    const clear: string[] = [];
    for (const service of (doc.services ?? []) as Obj[]) {
        for (const route of (service.routes ?? []) as Obj[]) {
            const protocols: string[] = route.protocols ?? ["http", "https"];
            const httpsOnly = protocols.includes("https") && !protocols.includes("http");
            if (httpsOnly && REDIRECTS.includes(Number(route.https_redirect_status_code))) continue;
            if (httpsOnly) continue; // 426: refused, never served in clear
            if (!protocols.includes("http")) continue;
            // Answered on http only for in-cluster Host names (Studio's server side): not a public way in.
            const hosts: string[] = route.hosts ?? [];
            const expressionHosts = typeof route.expression === "string" && !route.expression.includes("!=")
                ? [...route.expression.matchAll(/http\.host\s*==\s*"([^"]+)"/g)].map((m) => m[1]) : [];
            const matched = hosts.length > 0 ? hosts : expressionHosts;
            if (matched.length > 0 && matched.every((h) => internal.has(h.split(":")[0]))) continue;
            clear.push(route.name ?? service.name);
        }
    }
    return clear;
}

/** Namespaces labelled production (config `environment`); the production rules (api-over-tls, pitr-in-production) key on them. */
export function productionNamespaces(resources: PolicyResource[]): Set<string> {
    return new Set(resourcesOfType(resources, T.namespace)
        .filter((n) => n.props.metadata?.labels?.[ENVIRONMENT_LABEL] === "production")
        .map((n) => n.props.metadata?.name as string));
}

export const apiOverTls: StackValidationPolicy = {
    name: "api-over-tls",
    description: "A production stack (namespace labelled platform.supabase.io/environment=production, or stack tag environment=production) never serves the API in clear: each gateway LoadBalancer port reaches Kong's TLS listener with a certificate, or a plain listener whose public routes only redirect to HTTPS; each gateway Ingress terminates TLS for its hosts.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            gatewayApps: { type: "array", items: { type: "string" }, default: ["kong"] },
            productionTag: {
                type: "object",
                properties: { name: { type: "string" }, value: { type: "string" } },
                default: { name: "environment", value: "production" },
            },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<ApiOverTlsConfig>(apiOverTls, args);
        const tagged = args.stackTags.get(config.productionTag.name) === config.productionTag.value;
        const labelled = productionNamespaces(args.resources);
        if (!tagged && labelled.size === 0) return args.notApplicable("not a production stack (no namespace labelled production, no production stack tag)");
        const inScope = (ns: string) => tagged || labelled.has(ns);

        const workloads = workloadsOf(args.resources);
        const gateways = (ns: string, selector: Record<string, string> | undefined): WorkloadView[] =>
            selectedByMap(workloads, ns, selector).filter((w) => config.gatewayApps.includes(appOf(w)));
        const services = resourcesOfType(args.resources, T.service);
        const gatewayServices = services.filter((s) => gateways(s.props.metadata?.namespace ?? "default", s.props.spec?.selector).length > 0);
        const internal = inClusterHosts(gatewayServices);
        const kongConfigs = kongConfigsOf(args.resources);

        for (const svc of gatewayServices.filter((s) => s.props.spec?.type === "LoadBalancer")) {
            const ns = svc.props.metadata?.namespace ?? "default";
            if (!inScope(ns)) continue;
            const where = label("Service", ns, svc.props.metadata?.name ?? svc.name);
            for (const w of gateways(ns, svc.props.spec?.selector)) {
                for (const { container } of containersOf(w.pod).filter((c) => !c.init)) {
                    const listeners = proxyListeners(envOf(container, "KONG_PROXY_LISTEN"));
                    for (const port of (svc.props.spec?.ports ?? []) as Obj[]) {
                        const target = containerPortOf(port.targetPort, port.port, container);
                        if (target === undefined || !listeners.has(target)) continue;
                        if (listeners.get(target)) {
                            if (!hasCertificate(container)) report(`${where}: port ${port.port} reaches Kong's TLS listener ${target}, but Kong has no certificate (KONG_SSL_CERT) and would serve its self-signed default; set tls (docs/tls.md)`, svc.urn);
                            continue;
                        }
                        const clear = kongConfigs.filter((c) => (c.resource.props.metadata?.namespace ?? "default") === ns)
                            .flatMap((c) => clearRoutes(c.doc, internal));
                        if (kongConfigs.length === 0 || clear.length > 0) {
                            const which = clear.length > 0 ? `routes ${clear.slice(0, 5).join(", ")}${clear.length > 5 ? ", …" : ""} answer` : "no Kong config shows its routes redirect, so the API is served";
                            report(`${where}: port ${port.port} reaches Kong's plain listener ${target}, where ${which} in clear; production serves the API over HTTPS only (set tls and hostnames, docs/tls.md)`, svc.urn);
                        }
                    }
                }
            }
        }

        const gatewayServiceNames = new Set(gatewayServices.map((s) => `${s.props.metadata?.namespace ?? "default"}/${s.props.metadata?.name}`));
        for (const ing of resourcesOfType(args.resources, T.ingress)) {
            const ns = ing.props.metadata?.namespace ?? "default";
            if (!inScope(ns)) continue;
            const tlsHosts = new Set(((ing.props.spec?.tls ?? []) as Obj[]).flatMap((t) => (t.hosts ?? []) as string[]));
            for (const rule of (ing.props.spec?.rules ?? []) as Obj[]) {
                const backends = ((rule.http?.paths ?? []) as Obj[]).map((p) => p.backend?.service?.name).filter(Boolean);
                if (!backends.some((b) => gatewayServiceNames.has(`${ns}/${b}`))) continue;
                if (!rule.host || !tlsHosts.has(rule.host)) {
                    report(`${label("Ingress", ns, ing.props.metadata?.name ?? ing.name)}: host ${rule.host ?? "(any)"} reaches the gateway without TLS; list it under spec.tls with the certificate's Secret (set tls, docs/tls.md)`, ing.urn);
                }
            }
        }
    },
};
