import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { gatewayRouteAuth, kongRoutes } from "../../policies/rules/gateway";
import { deployment, Fixture, passingStack, stackNotApplicable, stackViolations, T } from "../support/policy";

/** The documented kong.yml shape (supabase docker/volumes/api/kong.yml, format 2.1). */
function kongYml(): any {
    return {
        _format_version: "2.1",
        _transform: true,
        consumers: [{ username: "DASHBOARD" }, { username: "service_role", keyauth_credentials: [{ key: "k" }] }],
        services: [
            { name: "rest-v1", url: "http://rest.supabase.svc:3000/", routes: [{ name: "rest-v1-all", paths: ["/rest/v1/"] }], plugins: [{ name: "cors" }, { name: "key-auth" }, { name: "acl", config: { allow: ["admin", "anon"] } }] },
            { name: "meta", url: "http://meta.supabase.svc:8080/", routes: [{ name: "meta-all", paths: ["/pg/"] }], plugins: [{ name: "key-auth" }, { name: "acl", config: { hide_groups_header: true, allow: ["admin"] } }] },
            { name: "mcp", url: "http://studio.supabase.svc:3000/api/mcp", routes: [{ name: "mcp", paths: ["/mcp"] }], plugins: [{ name: "request-termination", config: { status_code: 403 } }] },
            { name: "dashboard", url: "http://studio.supabase.svc:3000/", routes: [{ name: "dashboard-all", paths: ["/"] }], plugins: [{ name: "cors" }, { name: "basic-auth", config: { hide_credentials: true } }] },
        ],
    };
}

const stackWith = (doc: any, where: "stringData" | "data" = "stringData"): Fixture[] => {
    const text = YAML.stringify(doc);
    const body = where === "stringData" ? { stringData: { "kong.yml": text } } : { data: { "kong.yml": Buffer.from(text).toString("base64") } };
    return [
        ...passingStack(),
        { type: T.deployment, name: "studio", props: deployment("studio", 1, 3000) },
        { type: T.secret, name: "kong-config", props: { metadata: { name: "kong-config", namespace: "supabase" }, ...body } },
    ];
};
const svc = (doc: any, name: string) => doc.services.find((s: any) => s.name === name);
const edit = (change: (doc: any) => void) => { const d = kongYml(); change(d); return d; };

describe("gateway-route-auth", () => {
    it("passes the documented routes, from stringData or base64 data", async () => {
        expect(await stackViolations(gatewayRouteAuth, stackWith(kongYml()))).toEqual([]);
        expect(await stackViolations(gatewayRouteAuth, stackWith(kongYml(), "data"))).toEqual([]);
    });
    it("rejects the Studio route without basic-auth", async () => {
        expect(await stackViolations(gatewayRouteAuth, stackWith(edit((d) => (svc(d, "dashboard").plugins = [{ name: "cors" }])))))
            .toEqual(["Secret supabase/kong-config key kong.yml: route dashboard-all (/ → studio) must use basic-auth"]);
    });
    it("rejects /pg without key-auth", async () => {
        expect(await stackViolations(gatewayRouteAuth, stackWith(edit((d) => svc(d, "meta").plugins.shift()))))
            .toEqual(["Secret supabase/kong-config key kong.yml: route meta-all (/pg/ → meta) must use key-auth"]);
    });
    it("rejects /pg open to the anon group", async () => {
        expect(await stackViolations(gatewayRouteAuth, stackWith(edit((d) => svc(d, "meta").plugins[1].config.allow.push("anon")))))
            .toEqual(["Secret supabase/kong-config key kong.yml: route meta-all (/pg/ → meta) acl allows anon; only admin may reach it"]);
    });
    it("rejects a new route to Studio that skips basic-auth", async () => {
        const doc = edit((d) => d.services.push({ name: "studio-api", url: "http://studio.supabase.svc:3000/api", routes: [{ name: "studio-api", paths: ["/api/"] }], plugins: [{ name: "cors" }] }));
        expect(await stackViolations(gatewayRouteAuth, stackWith(doc))).toEqual(["Secret supabase/kong-config key kong.yml: route studio-api (/api/ → studio) must use basic-auth"]);
    });
    it("counts top-level plugins bound to a service and ignores disabled ones", async () => {
        const doc = edit((d) => {
            svc(d, "dashboard").plugins = [{ name: "basic-auth", enabled: false }];
            d.plugins = [{ name: "basic-auth", service: "dashboard" }];
        });
        expect(kongRoutes(doc).find((r) => r.service === "dashboard")!.plugins.map((p) => p.name)).toEqual(["basic-auth"]);
        expect(await stackViolations(gatewayRouteAuth, stackWith(doc))).toEqual([]);
    });
    it("requires a Kong config when Studio is deployed", async () => {
        const stack = [...passingStack(), { type: T.deployment, name: "studio", props: deployment("studio", 1, 3000) }];
        expect(await stackViolations(gatewayRouteAuth, stack)).toEqual([
            "Deployment supabase/studio: no Kong declarative config (a Secret or ConfigMap with _format_version) found, so nothing shows studio is behind authentication",
        ]);
        expect(await stackNotApplicable(gatewayRouteAuth, passingStack())).toBe(true);
    });
});
