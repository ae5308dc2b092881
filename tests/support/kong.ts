// A small model of how Kong answers a request under a declarative config: an exact-path
// expression route first (Kong 3 expressions router), else the longest prefix; then the plugins in
// Kong's order (request-termination, authentication, acl, request-transformer, post-function). The
// Authorization template of request-transformer runs in a real Lua VM (tests/support/lua.ts).
// It lets tests ask "what happens to GET /pg/tables with the anon key" instead of reading
// plugin lists.
import { KongDeclarativeConfig, KongService } from "../../components/services/kong/declarative-config";
import { evaluateTemplate, templateBody } from "./lua";

export interface KongRequest {
    path: string;
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
    | { status: 401 | 403 | 404; service?: string; reason: string };

function matchService(config: KongDeclarativeConfig, path: string): { service: KongService; prefix: string } | undefined {
    let best: { service: KongService; prefix: string } | undefined;
    for (const service of config.services) {
        for (const route of service.routes) {
            if (route.expression === undefined) continue;
            const exact = /^http\.path == "([^"]+)"$/.exec(route.expression);
            if (!exact) throw new Error(`the Kong model understands only exact-path expressions, not ${route.expression}`);
            if (path === exact[1]) return { service, prefix: exact[1] };
        }
    }
    for (const service of config.services) {
        for (const route of service.routes) {
            for (const prefix of route.paths ?? []) {
                if (path.startsWith(prefix) && (!best || prefix.length > best.prefix.length)) best = { service, prefix };
            }
        }
    }
    return best;
}

export function simulateKong(config: KongDeclarativeConfig, request: KongRequest): KongOutcome {
    const match = matchService(config, request.path);
    if (!match) return { status: 404, reason: "no Route matched" };
    const { service, prefix } = match;
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
