// The gateway of release v0.8.2 (Kong 3.9): opaque keys accepted beside the legacy ones and mapped
// to their ES256 JWTs the way upstream's gateway does, the Authorization template run in a real Lua
// VM; upstream's two gateway fixes (no OpenAPI document for the anon or publishable key, no tenants
// API); and the rendered Deployment (router flavor, user, readiness page).
import { beforeAll, describe, expect, it } from "vitest";
import { buildKongConfig, KongConfigInput, kongPlugins, OPENAPI_PATH, parseKongYaml, routerFlavor, routeTable } from "../components/services/kong/declarative-config";
import { ProgramRun } from "../offline/engine";
import { evaluateTemplate } from "./support/lua";
import { simulateKong } from "./support/kong";
import { findManifest, runStack } from "./support/program";

const opaque = {
    publishableKey: "sb_publishable_AbCdEfGhIjKlMnOpQrSt_-_abcdefgh",
    secretKey: "sb_secret_ZyXwVuTsRqPoNmLkJiHg_-_12345678",
    anonJwt: "es256.anon.jwt",
    serviceRoleJwt: "es256.service.jwt",
};
const input: KongConfigInput = {
    anonKey: "legacy.anon.jwt",
    serviceRoleKey: "legacy.service.jwt",
    dashboardUsername: "admin-abcdefgh",
    dashboardPassword: "Passw0rdPassw0rd",
    namespace: "supa",
    asymmetric: opaque,
};
const config = buildKongConfig(input);

describe("Kong config of release v0.8.2", () => {
    it("accepts each opaque key as the consumer of its legacy twin", () => {
        expect(config.consumers.find((c) => c.username === "anon")!.keyauth_credentials).toEqual([{ key: input.anonKey }, { key: opaque.publishableKey }]);
        expect(config.consumers.find((c) => c.username === "service_role")!.keyauth_credentials).toEqual([{ key: input.serviceRoleKey }, { key: opaque.secretKey }]);
    });

    it("sends the ES256 JWT upstream in place of an opaque key, on every API route", () => {
        for (const path of ["/rest/v1/notes", "/auth/v1/user", "/graphql/v1", "/storage/v1/object/list/b"]) {
            expect(simulateKong(config, { path, apikey: opaque.publishableKey }), path).toMatchObject({ status: 200, authorization: `Bearer ${opaque.anonJwt}` });
            expect(simulateKong(config, { path, apikey: opaque.secretKey }), path).toMatchObject({ status: 200, authorization: `Bearer ${opaque.serviceRoleJwt}` });
        }
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: opaque.secretKey })).toMatchObject({ consumer: "service_role" });
    });

    it("passes a user's session token through, but replaces a bearer that is an opaque key", () => {
        const session = "Bearer user.session.jwt";
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: opaque.publishableKey, authorization: session })).toMatchObject({ authorization: session });
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: opaque.publishableKey, authorization: `Bearer ${opaque.publishableKey}` }))
            .toMatchObject({ authorization: `Bearer ${opaque.anonJwt}` });
    });

    it("sends a legacy key as its own bearer, and storage no Authorization when the client sent no key", () => {
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: input.anonKey })).toMatchObject({ status: 200, authorization: `Bearer ${input.anonKey}` });
        expect(simulateKong(config, { path: "/storage/v1/object/public/avatars/a.png" })).toMatchObject({ status: 200, authorization: undefined });
    });

    it("refuses an unknown key before any mapping", () => {
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: "sb_secret_guess" })).toMatchObject({ status: 401, reason: "invalid API key" });
    });

    it("keeps the OpenAPI document from the anon and publishable keys (403), not from service_role or the secret key", () => {
        for (const apikey of [input.anonKey, opaque.publishableKey]) {
            expect(simulateKong(config, { path: OPENAPI_PATH, apikey })).toMatchObject({ status: 403, service: "rest-v1-openapi", reason: "acl refused" });
        }
        for (const apikey of [input.serviceRoleKey, opaque.secretKey]) {
            expect(simulateKong(config, { path: OPENAPI_PATH, apikey })).toMatchObject({ status: 200, service: "rest-v1-openapi" });
        }
        // Tables below the root stay open to anon (RLS decides).
        expect(simulateKong(config, { path: "/rest/v1/notes", apikey: opaque.publishableKey })).toMatchObject({ status: 200, service: "rest-v1" });
        expect(routerFlavor(config)).toBe("expressions");
    });

    it("serves GoTrue's public JWKS without a key", () => {
        expect(simulateKong(config, { path: "/auth/v1/.well-known/jwks.json" })).toMatchObject({ status: 200, upstream: "http://gotrue.supa.svc:9999/.well-known/jwks.json" });
    });

    it("uses only plugins Kong 3.9 bundles, and lists the route table with the exact-path route", () => {
        expect(kongPlugins(config)).toEqual(["acl", "basic-auth", "cors", "key-auth", "post-function", "request-termination", "request-transformer", "response-transformer"]);
        expect(routeTable(config).find((r) => r.service === "rest-v1-openapi")).toMatchObject({ path: `= ${OPENAPI_PATH}`, groups: ["admin"] });
    });

    it("refuses keys that would break out of the Lua string they are pasted into", () => {
        expect(() => buildKongConfig({ ...input, asymmetric: { ...opaque, anonJwt: "x' or 'y" } })).toThrow(/anonJwt holds characters outside/);
        expect(() => buildKongConfig({ ...input, asymmetric: { ...opaque, secretKey: opaque.publishableKey } })).toThrow(/publishableKey equals secretKey/);
    });

    it("the template is a plain Lua expression with no access to anything but the headers", () => {
        const template = config.services.find((s) => s.name === "rest-v1")!.plugins.find((p) => p.name === "request-transformer")!;
        const value = (template.config as any).add.headers[0] as string;
        expect(value.startsWith("Authorization:$((")).toBe(true);
        expect(value).not.toMatch(/os\.|io\.|require|getenv/);
        expect(evaluateTemplate(value.slice("Authorization:$(".length, -1), { apikey: opaque.secretKey })).toBe(`Bearer ${opaque.serviceRoleJwt}`);
    });
});

describe.each(["dev", "prod"])("Kong of release v0.8.2 on stack %s", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack(stack, { overrides: { release: "v0.8.2" } });
    });

    it("renders the stack's own opaque keys and ES256 JWTs into kong.yml, and no opaque key into the seed's", async () => {
        const kong = parseKongYaml(findManifest(run, "Secret", "kong-config").stringData["kong.yml"]);
        const publishable = run.outputs.publishableKey.value as string;
        const secret = run.outputs.secretKey.value as string;
        expect(simulateKong(kong, { path: "/rest/v1/x", apikey: publishable })).toMatchObject({ status: 200, consumer: "anon" });
        const mapped = simulateKong(kong, { path: "/rest/v1/x", apikey: secret });
        expect(mapped).toMatchObject({ status: 200, consumer: "service_role" });
        // The JWT sent upstream is the stack's ES256 service_role token, signed by the published key.
        const token = (mapped as { authorization: string }).authorization.replace(/^Bearer /, "");
        const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString());
        expect(header.alg).toBe("ES256");
        expect(JSON.parse(run.outputs.jwks.value as string).keys.map((k: any) => k.kid)).toContain(header.kid);
        const seed = await runStack(stack);
        expect(findManifest(seed, "Secret", "kong-config").stringData["kong.yml"]).not.toContain("sb_");
    });

    it("runs Kong 3.9 with the expressions router, as uid 1001, ready on /status/ready", () => {
        const container = findManifest(run, "Deployment", "kong").spec.template.spec.containers[0];
        expect(container.image).toBe("kong/kong:3.9.3");
        expect(container.env.find((e: any) => e.name === "KONG_ROUTER_FLAVOR").value).toBe("expressions");
        expect(container.securityContext.runAsUser).toBe(1001);
        expect(container.readinessProbe.httpGet.path).toBe("/status/ready");
    });
});
