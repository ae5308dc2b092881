// A small model of how Kong answers a request under a declarative config: an exact-path
// expression route first (Kong 3 expressions router), else the longest prefix; then the plugins in
// Kong's order (request-termination, authentication, acl, request-transformer, post-function). The
// Authorization template of request-transformer runs in a real Lua VM (tests/support/lua.ts).
// It lets tests ask "what happens to GET /pg/tables with the anon key" instead of reading
// plugin lists.
import { KongDeclarativeConfig, KongRoute, KongService } from "../../components/services/kong/declarative-config";
import { evaluateTemplate, templateBody } from "./lua";

export interface KongRequest {
    path: string;
    /** Host header; default PUBLIC_HOST. */
    host?: string;
    /** The connection's scheme; default https. */
    scheme?: "http" | "https";
    /** Value of the apikey header. */
    apikey?: string;
    /** Value of the Authorization header the client sends. */
    authorization?: string;
    /** Query parameters (key-auth also reads `apikey` there, as websocket clients send it). */
    query?: Record<string, string>;
    /** Basic-auth credentials. */
    basic?: { username: string; password: string };
    /** Headers the upstream answers with (names lower-case); the outcome shows them after Kong. */
    upstreamHeaders?: Record<string, string>;
}

export type KongOutcome =
    | {
        status: 200; service: string; upstream: string; consumer?: string; headers: Record<string, string>;
        /** The Authorization header the upstream receives (undefined: none). */
        authorization?: string;
        /** Other request headers request-transformer set (lower-case names). */
        requestHeaders: Record<string, string>;
        /** The query string the upstream receives. */
        query: Record<string, string>;
    }
    | { status: 401 | 403 | 404; service?: string; reason: string }
    /** An HTTPS-only route reached over plain HTTP: Kong's redirect (Location https://<host><uri>, no port). */
    | { status: 301 | 302 | 307 | 308 | 426; service: string; location?: string; reason: string };

/** The Host a request carries when a test gives none: a public name, never one of Kong's in-cluster names. */
export const PUBLIC_HOST = "api.example.test";

/**
 * What an expression route matches: an exact path, optionally narrowed by Host conditions (the
 * HTTPS-only routes and their in-cluster twins: `(http.path == "/x") && http.host != "a" && …` or
 * `(http.path == "/x") && (http.host == "a" || …)`).
 */
function expressionMatch(expression: string): { path: string; hostIn?: string[]; hostNotIn?: string[] } {
    const m = /^\(?http\.path == "([^"]+)"\)?(.*)$/.exec(expression);
    const rest = m?.[2].trim() ?? "";
    const hostsOf = (op: string) => [...rest.matchAll(new RegExp(`http\\.host ${op} "([^"]+)"`, "g"))].map((h) => h[1]);
    const hostIn = hostsOf("=="), hostNotIn = hostsOf("!=");
    const understood = rest === "" || rest.replace(/http\.host (==|!=) "[^"]+"/g, "").replace(/[()&|\s]/g, "") === "";
    if (!m || !understood) throw new Error(`the Kong model understands only exact-path expressions (with Host conditions), not ${expression}`);
    return { path: m[1], ...(hostIn.length ? { hostIn } : {}), ...(hostNotIn.length ? { hostNotIn } : {}) };
}

type Match = { service: KongService; route: KongRoute; prefix: string };

function matchService(config: KongDeclarativeConfig, path: string, host: string): Match | undefined {
    for (const service of config.services) {
        for (const route of service.routes) {
            if (route.expression === undefined) continue;
            const e = expressionMatch(route.expression);
            if (e.hostIn && !e.hostIn.includes(host)) continue;
            if (e.hostNotIn?.includes(host)) continue;
            if (path === e.path) return { service, route, prefix: e.path };
        }
    }
    // A route whose hosts match outranks any hostless one; then the longest prefix.
    let best: (Match & { byHost: boolean }) | undefined;
    for (const service of config.services) {
        for (const route of service.routes) {
            if (route.hosts && !route.hosts.includes(host)) continue;
            const byHost = route.hosts !== undefined;
            for (const prefix of route.paths ?? []) {
                if (!path.startsWith(prefix)) continue;
                if (!best || (byHost && !best.byHost) || (byHost === best.byHost && prefix.length > best.prefix.length)) best = { service, route, prefix, byHost };
            }
        }
    }
    return best;
}

export function simulateKong(config: KongDeclarativeConfig, request: KongRequest): KongOutcome {
    const host = request.host ?? PUBLIC_HOST;
    const match = matchService(config, request.path, host);
    if (!match) return { status: 404, reason: "no Route matched" };
    const { service, route, prefix } = match;
    const protocols = route.protocols ?? ["http", "https"];
    if ((request.scheme ?? "https") === "http" && !protocols.includes("http")) {
        const status = (route.https_redirect_status_code ?? 426) as 301 | 302 | 307 | 308 | 426;
        return status === 426
            ? { status, service: service.name, reason: "HTTPS required" }
            : { status, service: service.name, location: `https://${host}${request.path}`, reason: "redirect to HTTPS" };
    }
    const plugin = (name: string) => service.plugins.find((p) => p.name === name);

    const termination = plugin("request-termination");
    if (termination) return { status: termination.config?.status_code as 403, service: service.name, reason: "request-termination" };

    let consumer: string | undefined;
    if (plugin("key-auth")) {
        const key = request.apikey ?? request.query?.apikey;
        if (!key) return { status: 401, service: service.name, reason: "no API key" };
        consumer = config.consumers.find((c) => (c.keyauth_credentials ?? []).some((k) => k.key === key))?.username;
        if (!consumer) return { status: 401, service: service.name, reason: "invalid API key" };
    }
    if (plugin("basic-auth")) {
        const b = request.basic;
        const cred = b && config.basicauth_credentials.find((c) => c.username === b.username && c.password === b.password);
        if (!cred) return { status: 401, service: service.name, reason: "basic-auth failed" };
        consumer = cred.consumer;
    }
    const acl = plugin("acl");
    if (acl) {
        const groups = config.acls.filter((a) => a.consumer === consumer).map((a) => a.group);
        const allow = (acl.config?.allow as string[]) ?? [];
        if (!groups.some((g) => allow.includes(g))) return { status: 403, service: service.name, reason: "acl refused" };
    }
    const transformed = transformRequest(plugin("request-transformer")?.config, request, !!plugin("post-function"));
    const strip = service.routes.some((r) => r.strip_path);
    const rest = strip ? request.path.slice(prefix.length) : request.path;
    const base = service.url.replace(/\/$/, "");
    const upstream = rest === "" ? service.url : `${base}/${rest.replace(/^\//, "")}`;
    return {
        status: 200, service: service.name, upstream, consumer, ...transformed,
        headers: transformResponse(plugin("response-transformer")?.config, request.upstreamHeaders ?? {}),
    };
}

/**
 * request-transformer on Authorization: `replace` applies when the client sent the header, `add`
 * when it did not; a `$(...)` value is evaluated with the request's headers. The post-function the
 * storage route carries then clears a blank value.
 */
function transformRequest(config: Record<string, unknown> | undefined, request: KongRequest, clearsBlank: boolean) {
    const ops = (config ?? {}) as Record<string, { headers?: string[]; querystring?: string[] } | undefined>;
    const sent: Record<string, string | undefined> = { apikey: request.apikey, authorization: request.authorization };
    const query: Record<string, string> = { ...(request.query ?? {}) };
    const evaluate = (raw: string) => {
        const body = templateBody(raw);
        return body === undefined ? raw : evaluateTemplate(body, sent, request.query ?? {});
    };
    const split = (entry: string) => [entry.slice(0, entry.indexOf(":")).toLowerCase(), entry.slice(entry.indexOf(":") + 1)] as const;
    const headers: Record<string, string> = {};
    // Kong's order: replace (only what the client sent), then add (only what it did not).
    for (const [name, raw] of (ops.replace?.headers ?? []).map(split)) if (sent[name] !== undefined) headers[name] = evaluate(raw) ?? "";
    for (const [name, raw] of (ops.add?.headers ?? []).map(split)) if (sent[name] === undefined) headers[name] = evaluate(raw) ?? "";
    for (const [name, raw] of (ops.replace?.querystring ?? []).map(split)) if (query[name] !== undefined) query[name] = evaluate(raw) ?? "";
    let authorization = "authorization" in headers ? headers.authorization : request.authorization;
    delete headers.authorization;
    if (clearsBlank && authorization !== undefined && authorization.trim() === "") authorization = undefined;
    return { authorization, requestHeaders: headers, query };
}

type HeaderOps = Record<"remove" | "replace" | "add" | "append", { headers?: string[] } | undefined>;

/**
 * response-transformer's header_filter in Kong 2.8.1 (header_transformer.lua): entries split at
 * the first colon(s) (`^([^:]+):*(.-)$`); remove, then replace (only headers the upstream sent),
 * then add (only headers it did not send: judged on the upstream's headers), then append.
 */
function transformResponse(config: Record<string, unknown> | undefined, upstream: Record<string, string>): Record<string, string> {
    const out = { ...upstream };
    if (!config) return out;
    const ops = config as unknown as HeaderOps;
    const pairs = (op: keyof HeaderOps) => (ops[op]?.headers ?? []).map((h) => {
        const m = /^([^:]+):*(.*)$/.exec(h)!;
        return [m[1].toLowerCase(), m[2]] as const;
    });
    for (const [name] of pairs("remove")) delete out[name];
    for (const [name, value] of pairs("replace")) if (upstream[name] !== undefined && value) out[name] = value;
    for (const [name, value] of pairs("add")) if (upstream[name] === undefined && value) out[name] = value;
    for (const [name, value] of pairs("append")) out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
    return out;
}
