// Pure: Kong's declarative config (DB-less, format 2.1) built from the bundle's values, so the keys
// Kong accepts can only be the keys the platform signed. No Pulumi, no I/O: unit-testable as is.
import * as YAML from "yaml";
import { ServiceName, serviceUrl } from "../../endpoints";

/** Services Kong routes to (Realtime only when deployed). Functions and analytics are not deployed, so not routed. */
export type KongUpstream = Extract<ServiceName, "gotrue" | "rest" | "storage" | "meta" | "studio" | "realtime">;
export const KONG_UPSTREAMS: readonly KongUpstream[] = ["gotrue", "rest", "storage", "meta", "studio", "realtime"];

/** ACL groups: the anon key's consumer is in `anon`, the service_role key's in `admin`. */
export const ACL_GROUPS = { anon: "anon", admin: "admin" } as const;
export const DASHBOARD_CONSUMER = "DASHBOARD";

export interface KongConfigInput {
    /** The anon API key (consumer `anon`). */
    anonKey: string;
    /** The service_role API key (consumer `service_role`). */
    serviceRoleKey: string;
    /** Basic-auth user name of the dashboard route. */
    dashboardUsername: string;
    /** Basic-auth password of the dashboard route. */
    dashboardPassword: string;
    /** Namespace of the upstream Services. */
    namespace: string;
    /** Base URLs (no trailing slash) replacing the in-cluster Services of endpoints.ts. */
    upstreams?: Partial<Record<KongUpstream, string>>;
    /**
     * Release v0.8.2 (Kong 3.9, expressions router): the opaque keys, accepted beside the legacy
     * ones, and the ES256 JWTs the gateway sends upstream in their place. Absent for the seed.
     */
    asymmetric?: OpaqueKeyMapping;
    /** Route /realtime/v1 to Realtime (config `realtime`). */
    realtime?: boolean;
}

/** The opaque keys and the JWTs the gateway substitutes for them, as upstream's gateway does. */
export interface OpaqueKeyMapping {
    /** sb_publishable_…: consumer `anon`. */
    publishableKey: string;
    /** sb_secret_…: consumer `service_role`. */
    secretKey: string;
    /** ES256 anon JWT sent upstream for the publishable key. */
    anonJwt: string;
    /** ES256 service_role JWT sent upstream for the secret key. */
    serviceRoleJwt: string;
}

export interface KongPlugin {
    name: string;
    config?: Record<string, unknown>;
}

export interface KongRoute {
    name: string;
    strip_path: boolean;
    /** Prefix paths (the traditional router; also accepted by the expressions router). */
    paths?: string[];
    /** An expressions-router match (Kong 3 with KONG_ROUTER_FLAVOR=expressions); outranks every prefix. */
    expression?: string;
}

export interface KongService {
    name: string;
    url: string;
    routes: KongRoute[];
    plugins: KongPlugin[];
}

export interface KongConsumer {
    username: string;
    keyauth_credentials?: { key: string }[];
}

/** KONG_ROUTER_FLAVOR a config needs: `expressions` once any route matches by expression. */
export function routerFlavor(config: KongDeclarativeConfig): "traditional_compatible" | "expressions" {
    return config.services.some((s) => s.routes.some((r) => r.expression !== undefined)) ? "expressions" : "traditional_compatible";
}

export interface KongDeclarativeConfig {
    _format_version: "2.1";
    _transform: true;
    consumers: KongConsumer[];
    acls: { consumer: string; group: string }[];
    basicauth_credentials: { consumer: string; username: string; password: string }[];
    services: KongService[];
}

const cors = (): KongPlugin => ({ name: "cors" });
const keyAuth = (hideCredentials: boolean): KongPlugin => ({ name: "key-auth", config: { hide_credentials: hideCredentials } });
const acl = (allow: string[]): KongPlugin => ({ name: "acl", config: { hide_groups_header: true, allow } });
const forbid = (): KongPlugin => ({ name: "request-termination", config: { status_code: 403, message: "Forbidden" } });
const apiGroups = [ACL_GROUPS.admin, ACL_GROUPS.anon];

/**
 * Headers on every storage response (issue #11). Users' files are served from the API's own
 * origin, so a file must never run as a page there: no type sniffing, no script or subresource
 * (`sandbox` also gives the document an opaque origin), and a top-level visit downloads instead
 * of rendering. None of this affects <img src> or fetch(); a link to a file downloads it.
 */
export const STORAGE_RESPONSE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "attachment",
} as const;

/**
 * Kong 2.8 response-transformer (kong/plugins/response-transformer): `replace` sets a header the
 * upstream sent, `add` one it did not, so together they force nosniff and the CSP. The disposition
 * is only added: storage-api's own `attachment; filename=…` (?download=name) is kept.
 * Values must not contain ':' — the plugin splits `name:value` at the first colon.
 */
function storageHeaders(): KongPlugin {
    const pairs = (names: (keyof typeof STORAGE_RESPONSE_HEADERS)[]) => names.map((n) => `${n}:${STORAGE_RESPONSE_HEADERS[n]}`);
    const forced = pairs(["X-Content-Type-Options", "Content-Security-Policy"]);
    return {
        name: "response-transformer",
        config: { replace: { headers: forced }, add: { headers: [...forced, ...pairs(["Content-Disposition"])] } },
    };
}

function service(name: string, url: string, path: string, plugins: KongPlugin[]): KongService {
    return { name, url, routes: [{ name: `${name}-route`, strip_path: true, paths: [path] }], plugins };
}

function expressionService(name: string, url: string, expression: string, plugins: KongPlugin[]): KongService {
    return { name, url, routes: [{ name: `${name}-route`, strip_path: true, expression }], plugins };
}

/** The path whose GET returns PostgREST's OpenAPI document. */
export const OPENAPI_PATH = "/rest/v1/";

/** What a key may hold to be pasted into a Lua string literal: base64url, dots (JWTs) and underscores. */
const LUA_SAFE_KEY = /^[A-Za-z0-9._-]+$/;

/**
 * The Lua expression (a request-transformer template) giving the Authorization header sent upstream,
 * with upstream's semantics (supabase/supabase@1f37f2a9:docker/volumes/api/kong-entrypoint.sh):
 * a client's own Authorization passes unless it carries an sb_ key; else the secret key becomes the
 * service_role JWT, the publishable key the anon JWT, and any other apikey (a legacy JWT) is sent as
 * the bearer itself. Kong runs it in its Lua sandbox (untrusted_lua=sandbox, the default).
 */
export function authorizationExpression(keys: OpaqueKeyMapping): string {
    return [
        "(headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization)",
        `(headers.apikey == '${keys.secretKey}' and 'Bearer ${keys.serviceRoleJwt}')`,
        `(headers.apikey == '${keys.publishableKey}' and 'Bearer ${keys.anonJwt}')`,
        "(headers.apikey ~= nil and 'Bearer ' .. headers.apikey)",
        "''",
    ].join(" or ");
}

/**
 * request-transformer: `replace` sets Authorization when the client sent one, `add` when it did
 * not, so it is set either way; `extraAdd` are further headers added (one plugin per route).
 */
function authorizationFromKey(keys: OpaqueKeyMapping, extraAdd: string[] = []): KongPlugin {
    const headers = [`Authorization:$((${authorizationExpression(keys)}))`];
    return { name: "request-transformer", config: { replace: { headers }, add: { headers: [...headers, ...extraAdd] } } };
}

/**
 * The key Realtime reads for a websocket (x-api-key, else the apikey query parameter:
 * supabase/realtime@v2.129.8 lib/realtime_web/channels/user_socket.ex:173-176), with an opaque key
 * swapped for its JWT; clients send it in the query string (supabase/supabase@1f37f2a9:
 * docker/volumes/api/kong-entrypoint.sh builds the same mapping).
 */
export function socketKeyExpression(keys: OpaqueKeyMapping): string {
    const key = "(query_params.apikey or headers.apikey)";
    return [
        `(${key} == '${keys.secretKey}' and '${keys.serviceRoleJwt}')`,
        `(${key} == '${keys.publishableKey}' and '${keys.anonJwt}')`,
        key,
        "''",
    ].join(" or ");
}

/**
 * Realtime behind the gateway: the websocket at /realtime/v1/ (→ /socket, so /realtime/v1/websocket
 * reaches /socket/websocket) and its REST API at /realtime/v1/api, both with key-auth like /rest/v1.
 * The tenants API and the OpenAPI document are refused (upstream's security fix, PR #46856): they
 * manage every tenant with the server's own secret and must never face the outside.
 * No `protocol: ws`: Kong proxies the HTTP Upgrade of an http service as it is.
 */
function realtimeServices(realtime: string, opaque: OpaqueKeyMapping | undefined): KongService[] {
    const socketKey = opaque ? [`$((${socketKeyExpression(opaque)}))`] : [];
    return [
        service("realtime-v1-ws", `${realtime}/socket`, "/realtime/v1/", [
            cors(),
            keyAuth(false),
            ...(opaque ? [{
                name: "request-transformer",
                config: { add: { headers: socketKey.map((v) => `x-api-key:${v}`) }, replace: { headers: socketKey.map((v) => `x-api-key:${v}`), querystring: socketKey.map((v) => `apikey:${v}`) } },
            }] : []),
            acl(apiGroups),
        ]),
        service("realtime-v1-rest-tenants", `${realtime}/api/tenants`, "/realtime/v1/api/tenants", [forbid()]),
        service("realtime-v1-rest-openapi", `${realtime}/api/openapi`, "/realtime/v1/api/openapi", [forbid()]),
        service("realtime-v1-rest", `${realtime}/api`, "/realtime/v1/api", [cors(), keyAuth(false), ...(opaque ? [authorizationFromKey(opaque)] : []), acl(apiGroups)]),
    ];
}

/** Storage treats an empty Authorization as a malformed token; a request without a key must reach it with none. */
function dropEmptyAuthorization(): KongPlugin {
    return {
        name: "post-function",
        config: { access: ["local auth = kong.request.get_header('authorization'); if auth == nil or auth:match('^%s*$') then kong.service.request.clear_header('Authorization') end"] },
    };
}

function checkInput(input: KongConfigInput): void {
    const problems: string[] = [];
    for (const field of ["anonKey", "serviceRoleKey", "dashboardUsername", "dashboardPassword", "namespace"] as const) {
        if (typeof input[field] !== "string" || input[field].trim() === "") problems.push(`${field} is empty`);
    }
    // key-auth maps a key to exactly one consumer; equal keys would make service_role unreachable.
    if (input.anonKey && input.anonKey === input.serviceRoleKey) problems.push("anonKey equals serviceRoleKey");
    if (input.asymmetric) {
        const keys = { anonKey: input.anonKey, serviceRoleKey: input.serviceRoleKey, ...input.asymmetric };
        for (const [field, value] of Object.entries(keys)) {
            // Each value becomes a Lua string literal inside a request-transformer template.
            if (!LUA_SAFE_KEY.test(value)) problems.push(`${field} holds characters outside A-Z a-z 0-9 . _ -`);
        }
        if (input.asymmetric.publishableKey === input.asymmetric.secretKey) problems.push("publishableKey equals secretKey");
    }
    if (problems.length) throw new Error(`Cannot build the Kong config: ${problems.join("; ")}`);
}

/** The gateway's declarative config: consumers, credentials, ACLs and the route table. */
export function buildKongConfig(input: KongConfigInput): KongDeclarativeConfig {
    checkInput(input);
    const base = (name: KongUpstream) => (input.upstreams?.[name] ?? serviceUrl(name, input.namespace)).replace(/\/+$/, "");
    const gotrue = base("gotrue");
    const rest = base("rest");
    const studio = base("studio");
    const opaque = input.asymmetric;
    // Seed: key-auth hides the key and the services see no Authorization from the gateway. With the
    // opaque keys the key stays (the template reads it) and Authorization carries the JWT.
    const apiAuth = (hide: boolean): KongPlugin[] => (opaque ? [keyAuth(false)] : [keyAuth(hide)]);
    const keysOf = (legacy: string, extra?: string) => [legacy, ...(extra ? [extra] : [])].map((key) => ({ key }));
    return {
        _format_version: "2.1",
        _transform: true,
        consumers: [
            { username: DASHBOARD_CONSUMER },
            { username: "anon", keyauth_credentials: keysOf(input.anonKey, opaque?.publishableKey) },
            { username: "service_role", keyauth_credentials: keysOf(input.serviceRoleKey, opaque?.secretKey) },
        ],
        acls: [
            { consumer: "anon", group: ACL_GROUPS.anon },
            { consumer: "service_role", group: ACL_GROUPS.admin },
        ],
        basicauth_credentials: [
            { consumer: DASHBOARD_CONSUMER, username: input.dashboardUsername, password: input.dashboardPassword },
        ],
        services: [
            // GoTrue's e-mail and OAuth landing pages are opened from links, without an apikey.
            service("auth-v1-open", `${gotrue}/verify`, "/auth/v1/verify", [cors()]),
            service("auth-v1-open-callback", `${gotrue}/callback`, "/auth/v1/callback", [cors()]),
            service("auth-v1-open-authorize", `${gotrue}/authorize`, "/auth/v1/authorize", [cors()]),
            ...(opaque ? [
                // Clients verify session tokens against the public keys (no key needed, as upstream).
                service("auth-v1-open-jwks", `${gotrue}/.well-known/jwks.json`, "/auth/v1/.well-known/jwks.json", [cors()]),
            ] : []),
            // GoTrue reads the apikey header itself, so it is passed through.
            service("auth-v1", `${gotrue}/`, "/auth/v1/", [cors(), keyAuth(false), ...(opaque ? [authorizationFromKey(opaque)] : []), acl(apiGroups)]),
            ...(opaque ? [
                // The OpenAPI document lists every exposed table and function: service_role only
                // (upstream's gateway fix, discussion #42949). Deeper paths fall through to rest-v1.
                expressionService("rest-v1-openapi", `${rest}/`, `http.path == "${OPENAPI_PATH}"`, [cors(), keyAuth(false), authorizationFromKey(opaque), acl([ACL_GROUPS.admin])]),
            ] : []),
            service("rest-v1", `${rest}/`, "/rest/v1/", [cors(), ...apiAuth(true), ...(opaque ? [authorizationFromKey(opaque)] : []), acl(apiGroups)]),
            service("graphql-v1", `${rest}/rpc/graphql`, "/graphql/v1", [
                cors(),
                ...apiAuth(true),
                opaque
                    ? authorizationFromKey(opaque, ["Content-Profile:graphql_public"])
                    : { name: "request-transformer", config: { add: { headers: ["Content-Profile:graphql_public"] } } },
                acl(apiGroups),
            ]),
            // Storage verifies the JWT itself and serves public buckets without any key; with the
            // opaque keys the gateway still swaps one for its JWT, and drops an Authorization left empty.
            service("storage-v1", `${base("storage")}/`, "/storage/v1/", [
                cors(), storageHeaders(), ...(opaque ? [authorizationFromKey(opaque), dropEmptyAuthorization()] : []),
            ]),
            ...(input.realtime ? realtimeServices(base("realtime"), opaque) : []),
            // postgres-meta runs arbitrary SQL as a superuser: service_role only.
            service("meta", `${base("meta")}/`, "/pg/", [keyAuth(false), acl([ACL_GROUPS.admin])]),
            service("mcp-blocker", `${studio}/api/mcp`, "/api/mcp", [forbid()]),
            service("mcp", `${studio}/api/mcp`, "/mcp", [forbid()]),
            // Studio has no login of its own: this basic-auth is the dashboard's only gate.
            service("dashboard", `${studio}/`, "/", [cors(), { name: "basic-auth", config: { hide_credentials: true } }]),
        ],
    };
}

/**
 * Every plugin the config needs loaded: those attached to services and routes, plus the plugins
 * owning the credential entities (Kong refuses e.g. `acls` when `acl` is not loaded).
 */
export function kongPlugins(config: KongDeclarativeConfig): string[] {
    const names = new Set(config.services.flatMap((s) => s.plugins.map((p) => p.name)));
    if (config.consumers.some((c) => (c.keyauth_credentials ?? []).length > 0)) names.add("key-auth");
    if (config.acls.length > 0) names.add("acl");
    if (config.basicauth_credentials.length > 0) names.add("basic-auth");
    return [...names].sort();
}

export function toKongYaml(config: KongDeclarativeConfig): string {
    // Plain YAML without anchors: what a reviewer (or another tool) reads is what Kong reads.
    return YAML.stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function parseKongYaml(text: string): KongDeclarativeConfig {
    const parsed = YAML.parse(text) as KongDeclarativeConfig;
    if (!parsed || parsed._format_version !== "2.1" || !Array.isArray(parsed.services)) {
        throw new Error("not a Kong declarative config (format 2.1)");
    }
    return parsed;
}

export const REDACTED_CREDENTIAL = "<redacted>";

/** A copy without keys, user names or passwords, for files a reviewer reads. */
export function redactKongConfig(config: KongDeclarativeConfig): KongDeclarativeConfig {
    return {
        ...config,
        consumers: config.consumers.map((c) => ({
            ...c,
            ...(c.keyauth_credentials ? { keyauth_credentials: c.keyauth_credentials.map(() => ({ key: REDACTED_CREDENTIAL })) } : {}),
        })),
        basicauth_credentials: config.basicauth_credentials.map((b) => ({
            ...b, username: REDACTED_CREDENTIAL, password: REDACTED_CREDENTIAL,
        })),
        // The opaque-key templates hold the keys and the JWTs they map to: only their shape is shown.
        services: config.services.map((s) => ({ ...s, plugins: s.plugins.map(redactTemplates) })),
    };
}

/** `name:$(<lua>)` → `name:$(<redacted>)` in every header and query entry of a plugin's config. */
function redactTemplates(plugin: KongPlugin): KongPlugin {
    if (!plugin.config) return plugin;
    const redact = (v: unknown): unknown => {
        if (typeof v === "string") return v.includes("$(") ? `${v.slice(0, v.indexOf("$("))}$(${REDACTED_CREDENTIAL})` : v;
        if (Array.isArray(v)) return v.map(redact);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
        return v;
    };
    return { ...plugin, config: redact(plugin.config) as Record<string, unknown> };
}

export type RouteAccess = "open" | "api-key" | "basic-auth" | "blocked";

export interface RouteSummary {
    path: string;
    service: string;
    upstream: string;
    access: RouteAccess;
    /** ACL groups allowed (empty when the route has no acl plugin). */
    groups: string[];
    plugins: string[];
}

/** One row per route path: what a reviewer (and the table in docs/services.md) wants to know. */
export function routeTable(config: KongDeclarativeConfig): RouteSummary[] {
    return config.services.flatMap((s) => {
        const names = s.plugins.map((p) => p.name);
        const access: RouteAccess = names.includes("request-termination") ? "blocked"
            : names.includes("basic-auth") ? "basic-auth"
            : names.includes("key-auth") ? "api-key" : "open";
        const aclPlugin = s.plugins.find((p) => p.name === "acl");
        const groups = (aclPlugin?.config?.allow as string[] | undefined) ?? [];
        return s.routes.flatMap((r) => routeMatches(r).map((path) => ({ path, service: s.name, upstream: s.url, access, groups, plugins: names })));
    });
}

/** What a route matches, for a reader: its prefixes, or `= <path>` for an exact-path expression. */
export function routeMatches(route: KongRoute): string[] {
    if (route.expression !== undefined) {
        const exact = /^http\.path == "([^"]+)"$/.exec(route.expression);
        return [exact ? `= ${exact[1]}` : route.expression];
    }
    return route.paths ?? [];
}
