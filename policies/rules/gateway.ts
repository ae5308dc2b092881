// Studio has no login of its own and postgres-meta runs any SQL as a superuser: Kong's routes are
// their only gate. This rule reads Kong's declarative config (kong.yml, format 2.1) from the Secret
// or ConfigMap it is rendered into and checks those routes.
import * as YAML from "yaml";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { appOf, configOf, label, Obj, T, textEntries, workloadsOf } from "./util";

export interface KongRouteView {
    service: string;
    route: string;
    paths: string[];
    /** First DNS label of the upstream host, e.g. `studio` for http://studio.supabase.svc:3000/. */
    upstream: string;
    plugins: { name: string; config: Obj }[];
}

/** A parsed kong.yml, or undefined when the text is not a Kong declarative config. */
export function parseKongDeclarative(text: string): Obj | undefined {
    if (!/_format_version/.test(text)) return undefined;
    try {
        const doc = YAML.parse(text) as Obj;
        return doc && typeof doc === "object" && doc._format_version !== undefined && Array.isArray(doc.services) ? doc : undefined;
    } catch {
        return undefined;
    }
}

function upstreamOf(service: Obj): string {
    let host: string | undefined = service.host;
    if (!host && typeof service.url === "string") {
        try {
            host = new URL(service.url).hostname;
        } catch {
            host = undefined;
        }
    }
    return (host ?? "").split(".")[0];
}

const enabled = (p: Obj) => p && p.enabled !== false;

/**
 * Every route with the plugins that apply to it: global ones, the service's, the route's, and
 * top-level plugins that name the service or route.
 */
export function kongRoutes(doc: Obj): KongRouteView[] {
    const topLevel = ((doc.plugins ?? []) as Obj[]).filter(enabled);
    const global = topLevel.filter((p) => !p.service && !p.route && !p.consumer);
    const refName = (ref: unknown) => (typeof ref === "string" ? ref : (ref as Obj | undefined)?.name);
    const views: KongRouteView[] = [];
    for (const service of (doc.services ?? []) as Obj[]) {
        for (const route of (service.routes ?? []) as Obj[]) {
            const plugins = [
                ...global,
                ...((service.plugins ?? []) as Obj[]).filter(enabled),
                ...((route.plugins ?? []) as Obj[]).filter(enabled),
                ...topLevel.filter((p) => refName(p.service) === service.name || refName(p.route) === route.name),
            ];
            views.push({
                service: service.name,
                route: route.name ?? service.name,
                paths: route.paths ?? [],
                upstream: upstreamOf(service),
                plugins: plugins.map((p) => ({ name: p.name, config: p.config ?? {} })),
            });
        }
    }
    return views;
}

export interface GatewayConfig {
    /** Upstream apps (and the `/` catch-all) that must sit behind basic-auth. */
    basicAuthApps: string[];
    /** Upstream apps (and `/pg` paths) reachable only with an API key of an admin ACL group. */
    adminOnlyApps: string[];
    /** ACL groups an admin-only route may allow. */
    adminGroups: string[];
    /** Apps that are only safe behind the gateway; their presence requires a Kong config to check. */
    requireConfigFor: string[];
}

/** Problems of one route, given the rule's config. */
export function routeProblems(route: KongRouteView, config: GatewayConfig): string[] {
    const names = route.plugins.map((p) => p.name);
    if (names.includes("request-termination")) return [];
    const problems: string[] = [];
    const where = `route ${route.route} (${route.paths.join(", ") || "no paths"} → ${route.upstream || "?"})`;
    const catchAll = route.paths.includes("/");
    if (catchAll || config.basicAuthApps.includes(route.upstream)) {
        if (!names.includes("basic-auth")) problems.push(`${where} must use basic-auth`);
    }
    const pg = route.paths.some((p) => /^\/pg(\/|$)/.test(p));
    if (pg || config.adminOnlyApps.includes(route.upstream)) {
        if (!names.includes("key-auth")) problems.push(`${where} must use key-auth`);
        const acls = route.plugins.filter((p) => p.name === "acl");
        const allow = acls.flatMap((p) => (p.config.allow ?? []) as string[]);
        if (acls.length === 0 || allow.length === 0) problems.push(`${where} must use an acl plugin allowing only ${config.adminGroups.join(", ")}`);
        const extra = allow.filter((g) => !config.adminGroups.includes(g));
        if (extra.length) problems.push(`${where} acl allows ${extra.join(", ")}; only ${config.adminGroups.join(", ")} may reach it`);
    }
    return problems;
}

export function kongConfigsOf(resources: PolicyResource[]): { resource: PolicyResource; key: string; doc: Obj }[] {
    const found: { resource: PolicyResource; key: string; doc: Obj }[] = [];
    for (const r of resources.filter((x) => x.type === T.secret || x.type === T.configMap)) {
        for (const [key, text] of textEntries(r.type, r.props)) {
            const doc = parseKongDeclarative(text);
            if (doc) found.push({ resource: r, key, doc });
        }
    }
    return found;
}

export const gatewayRouteAuth: StackValidationPolicy = {
    name: "gateway-route-auth",
    description: "Kong's declarative config puts Studio (the / route) behind basic-auth and /pg (postgres-meta) behind key-auth with an ACL that allows only the admin group.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            basicAuthApps: { type: "array", items: { type: "string" }, default: ["studio"] },
            adminOnlyApps: { type: "array", items: { type: "string" }, default: ["meta"] },
            adminGroups: { type: "array", items: { type: "string" }, default: ["admin"] },
            requireConfigFor: { type: "array", items: { type: "string" }, default: ["studio"] },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<GatewayConfig>(gatewayRouteAuth, args);
        const configs = kongConfigsOf(args.resources);
        const guarded = workloadsOf(args.resources).filter((w) => config.requireConfigFor.includes(appOf(w)));
        if (configs.length === 0) {
            if (guarded.length === 0) return args.notApplicable("no Kong declarative config and no gateway-only app in the stack");
            for (const w of guarded) {
                report(`${label(w.kind, w.namespace, w.name)}: no Kong declarative config (a Secret or ConfigMap with _format_version) found, so nothing shows ${appOf(w)} is behind authentication`, w.urn);
            }
            return;
        }
        for (const { resource, key, doc } of configs) {
            const where = `${label(resource.type === T.secret ? "Secret" : "ConfigMap", resource.props.metadata?.namespace, resource.props.metadata?.name ?? resource.name)} key ${key}`;
            const routes = kongRoutes(doc);
            for (const route of routes) {
                for (const problem of routeProblems(route, config)) report(`${where}: ${problem}`, resource.urn);
            }
        }
    },
};
