// The pure Kong config builder: consumers and credentials, route table and ACLs (through a model
// of Kong's request handling), the plugin list, YAML round trip and redaction.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import {
    buildKongConfig, KongConfigInput, KongDeclarativeConfig, kongPlugins, parseKongYaml, redactKongConfig,
    routeTable, toKongYaml,
} from "../components/services/kong/declarative-config";
import { PROJECT_ROOT } from "../offline/stack-config";
import { simulateKong } from "./support/kong";

const input: KongConfigInput = {
    anonKey: "anon.jwt.value",
    serviceRoleKey: "service.jwt.value",
    dashboardUsername: "admin-abcdefgh",
    dashboardPassword: "Passw0rdPassw0rd",
    namespace: "supa",
};
const config = buildKongConfig(input);
const anon = { apikey: input.anonKey };
const admin = { apikey: input.serviceRoleKey };
const dashboard = { basic: { username: input.dashboardUsername, password: input.dashboardPassword } };

/** Plugin names found anywhere in a config, computed independently of kongPlugins(). */
function pluginsIn(c: KongDeclarativeConfig): string[] {
    const names = new Set<string>();
    const walk = (v: unknown, key?: string) => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v && typeof v === "object") {
            if (key === "plugins" && typeof (v as { name?: unknown }).name === "string") names.add((v as { name: string }).name);
            for (const [k, x] of Object.entries(v)) walk(x, k);
        }
    };
    walk(c);
    if (c.consumers.some((x) => x.keyauth_credentials?.length)) names.add("key-auth");
    if (c.acls.length) names.add("acl");
    if (c.basicauth_credentials.length) names.add("basic-auth");
    return [...names].sort();
}

describe("buildKongConfig", () => {
    it("is a DB-less 2.1 declarative config", () => {
        expect(config._format_version).toBe("2.1");
        expect(config._transform).toBe(true);
    });

    it("gives the anon and service_role consumers exactly the given keys, in their ACL groups", () => {
        const keysOf = (user: string) => config.consumers.find((c) => c.username === user)?.keyauth_credentials?.map((k) => k.key);
        expect(keysOf("anon")).toEqual([input.anonKey]);
        expect(keysOf("service_role")).toEqual([input.serviceRoleKey]);
        expect(config.acls).toEqual(expect.arrayContaining([
            { consumer: "anon", group: "anon" },
            { consumer: "service_role", group: "admin" },
        ]));
        expect(config.acls).toHaveLength(2);
    });

    it("gives the DASHBOARD consumer the dashboard credentials and no API key", () => {
        expect(config.consumers.find((c) => c.username === "DASHBOARD")?.keyauth_credentials).toBeUndefined();
        expect(config.basicauth_credentials).toEqual([
            { consumer: "DASHBOARD", username: input.dashboardUsername, password: input.dashboardPassword },
        ]);
    });

    it("routes to the in-cluster Services of the namespace, or to given upstreams", () => {
        const urls = config.services.map((s) => new URL(s.url).host);
        expect(new Set(urls)).toEqual(new Set([
            "gotrue.supa.svc:9999", "rest.supa.svc:3000", "storage.supa.svc:5000", "meta.supa.svc:8080", "studio.supa.svc:3000",
        ]));
        const custom = buildKongConfig({ ...input, upstreams: { meta: "http://meta-alt.other.svc:9090/" } });
        expect(custom.services.find((s) => s.name === "meta")?.url).toBe("http://meta-alt.other.svc:9090/");
    });

    it("opens GoTrue's verify, callback and authorize pages without a key", () => {
        for (const page of ["verify", "callback", "authorize"]) {
            const outcome = simulateKong(config, { path: `/auth/v1/${page}` });
            expect(outcome).toMatchObject({ status: 200, upstream: `http://gotrue.supa.svc:9999/${page}` });
            const row = routeTable(config).find((r) => r.path === `/auth/v1/${page}`)!;
            expect(row.plugins).toEqual(["cors"]);
        }
    });

    it("requires an API key of group anon or admin on auth, rest and graphql", () => {
        for (const path of ["/auth/v1/user", "/rest/v1/pages", "/graphql/v1"]) {
            expect(simulateKong(config, { path }).status).toBe(401);
            expect(simulateKong(config, { path, apikey: "forged" }).status).toBe(401);
            expect(simulateKong(config, { path, ...anon })).toMatchObject({ status: 200, consumer: "anon" });
            expect(simulateKong(config, { path, ...admin })).toMatchObject({ status: 200, consumer: "service_role" });
        }
        expect(simulateKong(config, { path: "/rest/v1/pages", ...anon })).toMatchObject({ upstream: "http://rest.supa.svc:3000/pages" });
        expect(simulateKong(config, { path: "/auth/v1/token", ...anon })).toMatchObject({ upstream: "http://gotrue.supa.svc:9999/token" });
    });

    it("sends GraphQL to PostgREST's graphql RPC with the graphql_public profile", () => {
        expect(simulateKong(config, { path: "/graphql/v1", ...anon })).toMatchObject({ upstream: "http://rest.supa.svc:3000/rpc/graphql" });
        const graphql = config.services.find((s) => s.name === "graphql-v1")!;
        expect(graphql.plugins.find((p) => p.name === "request-transformer")?.config).toEqual({ add: { headers: ["Content-Profile:graphql_public"] } });
    });

    it("leaves storage's auth to storage (no key-auth or acl)", () => {
        expect(simulateKong(config, { path: "/storage/v1/object/public/b/x.png" }))
            .toMatchObject({ status: 200, upstream: "http://storage.supa.svc:5000/object/public/b/x.png" });
        expect(routeTable(config).find((r) => r.path === "/storage/v1/")?.plugins).toEqual(["cors", "response-transformer"]);
    });

    describe("serves storage objects so they cannot run in the API's origin (issue #11)", () => {
        const download = (upstreamHeaders: Record<string, string>, p = "/storage/v1/object/public/home-portal-assets/u/evil.svg") => {
            const outcome = simulateKong(config, { path: p, upstreamHeaders });
            if (outcome.status !== 200) throw new Error(`expected 200, got ${outcome.status}`);
            return outcome.headers;
        };
        it("adds nosniff, a sandboxing CSP and attachment to a plain object download", () => {
            expect(download({ "content-type": "image/svg+xml" })).toEqual({
                "content-type": "image/svg+xml",
                "x-content-type-options": "nosniff",
                "content-security-policy": "default-src 'none'; sandbox",
                "content-disposition": "attachment",
            });
        });
        it("overrides a weaker nosniff/CSP from upstream but keeps storage's own download file name", () => {
            const headers = download({ "content-security-policy": "default-src *", "x-content-type-options": "sniff", "content-disposition": "attachment; filename=r.pdf" },
                "/storage/v1/object/authenticated/money-tracker-receipts/u/r.pdf?download=r.pdf");
            expect(headers["content-security-policy"]).toBe("default-src 'none'; sandbox");
            expect(headers["x-content-type-options"]).toBe("nosniff");
            expect(headers["content-disposition"]).toBe("attachment; filename=r.pdf");
        });
        it("covers signed URLs and image renders (every /storage/v1 path is the same service)", () => {
            for (const p of ["/storage/v1/object/sign/b/u/x.png?token=t", "/storage/v1/render/image/public/b/u/x.png"]) {
                expect(download({}, p)["content-security-policy"]).toBe("default-src 'none'; sandbox");
            }
        });
        it("uses only fields Kong 2.8.1's response-transformer schema has, in its name:value form", () => {
            const plugin = config.services.find((s) => s.name === "storage-v1")!.plugins.find((p) => p.name === "response-transformer")!;
            // kong/plugins/response-transformer/schema.lua@2.8.1: config = remove, rename, replace, add, append.
            expect(Object.keys(plugin.config!).every((k) => ["remove", "rename", "replace", "add", "append"].includes(k))).toBe(true);
            for (const op of Object.values(plugin.config!) as { headers: string[] }[]) {
                expect(Object.keys(op)).toEqual(["headers"]);
                // elements match "^[^:]+:.*$"; the value itself has no colon, so nothing is cut off.
                for (const h of op.headers) expect(h).toMatch(/^[A-Za-z-]+:[^:]+$/);
            }
        });
    });

    it("lets only the admin group (service_role) reach postgres-meta on /pg", () => {
        expect(simulateKong(config, { path: "/pg/tables", ...anon })).toMatchObject({ status: 403, reason: "acl refused" });
        expect(simulateKong(config, { path: "/pg/tables" }).status).toBe(401);
        expect(simulateKong(config, { path: "/pg/tables", ...admin })).toMatchObject({ status: 200, upstream: "http://meta.supa.svc:8080/tables" });
        expect(routeTable(config).find((r) => r.path === "/pg/")?.groups).toEqual(["admin"]);
    });

    it("serves the dashboard on / only with the basic-auth credentials", () => {
        expect(simulateKong(config, { path: "/" }).status).toBe(401);
        expect(simulateKong(config, { path: "/project/default", ...anon }).status).toBe(401);
        expect(simulateKong(config, { path: "/", basic: { username: input.dashboardUsername, password: "wrong" } }).status).toBe(401);
        expect(simulateKong(config, { path: "/project/default", ...dashboard }))
            .toMatchObject({ status: 200, upstream: "http://studio.supa.svc:3000/project/default", consumer: "DASHBOARD" });
        const basic = config.services.find((s) => s.name === "dashboard")!.plugins.find((p) => p.name === "basic-auth");
        expect(basic?.config).toEqual({ hide_credentials: true });
    });

    it("blocks /api/mcp and /mcp with 403 even for the dashboard user", () => {
        for (const path of ["/api/mcp", "/mcp", "/api/mcp/tools"]) {
            expect(simulateKong(config, { path, ...dashboard })).toMatchObject({ status: 403, reason: "request-termination" });
        }
    });

    it("routes nothing to services that are not deployed", () => {
        const paths = routeTable(config).map((r) => r.path);
        for (const absent of ["/realtime/v1/", "/functions/v1/", "/analytics/v1/"]) expect(paths).not.toContain(absent);
        expect(simulateKong(config, { path: "/realtime/v1/websocket", ...anon }).status).toBe(401);
    });

    it("strips the route prefix on every route", () => {
        expect(config.services.flatMap((s) => s.routes).every((r) => r.strip_path)).toBe(true);
    });

    it("refuses empty credentials and identical keys", () => {
        expect(() => buildKongConfig({ ...input, anonKey: "" })).toThrow(/anonKey is empty/);
        expect(() => buildKongConfig({ ...input, dashboardPassword: " " })).toThrow(/dashboardPassword is empty/);
        expect(() => buildKongConfig({ ...input, serviceRoleKey: input.anonKey })).toThrow(/anonKey equals serviceRoleKey/);
    });
});

describe("kongPlugins", () => {
    it("lists exactly the plugins the config uses", () => {
        expect(kongPlugins(config)).toEqual(pluginsIn(config));
        expect(kongPlugins(config)).toEqual(["acl", "basic-auth", "cors", "key-auth", "request-termination", "request-transformer", "response-transformer"].sort());
    });

    it("follows the config: a new plugin appears, a dropped one disappears", () => {
        const changed: KongDeclarativeConfig = JSON.parse(JSON.stringify(config));
        changed.services = changed.services.filter((s) => !s.plugins.some((p) => p.name === "request-termination"));
        changed.services[0].plugins.push({ name: "ip-restriction", config: { allow: ["10.0.0.0/8"] } });
        expect(kongPlugins(changed)).toContain("ip-restriction");
        expect(kongPlugins(changed)).not.toContain("request-termination");
        expect(kongPlugins(changed)).toEqual(pluginsIn(changed));
    });

    it("keeps the plugin that owns credential entities even when no route uses it", () => {
        const noAclRoutes: KongDeclarativeConfig = JSON.parse(JSON.stringify(config));
        for (const s of noAclRoutes.services) s.plugins = s.plugins.filter((p) => p.name !== "acl");
        expect(kongPlugins(noAclRoutes)).toContain("acl");
    });
});

describe("YAML", () => {
    it("round-trips, including passwords with characters a shell or YAML would mangle", () => {
        const tricky = buildKongConfig({ ...input, dashboardPassword: `a"b'c $HOME #x: y\\z {}` });
        const text = toKongYaml(tricky);
        expect(parseKongYaml(text)).toEqual(tricky);
        expect(parseKongYaml(toKongYaml(config))).toEqual(config);
    });

    it("writes plain YAML without anchors or aliases for the shared plugin settings", () => {
        expect(toKongYaml(config)).not.toMatch(/[&*]a\d+/);
    });

    it("refuses text that is not a Kong 2.1 config", () => {
        expect(() => parseKongYaml("foo: bar\n")).toThrow(/not a Kong declarative config/);
    });

    it("redacts every key, user name and password but keeps the routes", () => {
        const redacted = redactKongConfig(config);
        const text = toKongYaml(redacted);
        for (const secret of [input.anonKey, input.serviceRoleKey, input.dashboardUsername, input.dashboardPassword]) {
            expect(text).not.toContain(secret);
        }
        expect(redacted.services).toEqual(config.services);
        expect(redacted.consumers.map((c) => c.username)).toEqual(config.consumers.map((c) => c.username));
        expect(config.consumers[1].keyauth_credentials?.[0].key).toBe(input.anonKey);
    });
});

describe("the route table of docs/services.md", () => {
    it("documents every route with the access the config gives it", () => {
        const page = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "services.md"), "utf8");
        const section = page.split("## Gateway and dashboard")[1]?.split("\n## ")[0] ?? "";
        const rows = section.split("\n").filter((l) => l.startsWith("| `/"));
        const rowFor = (p: string) => rows.filter((r) => r.split("|")[1].includes(`\`${p}\``));
        const expected = {
            open: /open/, blocked: /403/, "basic-auth": /basic-auth/,
        } as const;
        for (const route of routeTable(config)) {
            const [row, ...more] = rowFor(route.path);
            expect(row, route.path).toBeDefined();
            expect(more).toEqual([]);
            const access = row.split("|")[3];
            if (route.access === "api-key") {
                expect(access).toMatch(route.groups.length === 1 ? /group `admin` only/ : /group `anon` or `admin`/);
            } else {
                expect(access).toMatch(expected[route.access]);
            }
        }
        // And nothing documented that the config does not route.
        const documented = rows.flatMap((r) => [...r.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
        expect(documented.sort()).toEqual(routeTable(config).map((r) => r.path).sort());
    });
});
