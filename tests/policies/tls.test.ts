// api-over-tls: a production stack never serves the API in clear. The passing stack is the
// program's own TLS gateway (Kong's TLS env from the Kong TLS contract, the HTTPS-only routes with
// their in-cluster twins, the 443/80 LoadBalancer); each test breaks one property.
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { apiOverTls, clearRoutes, proxyListeners } from "../../policies/rules/tls";
import { policyResources, runStackValidation, stackValidationArgs } from "../../policies/evaluate";
import { buildKongConfig, IN_CLUSTER_ROUTE_SUFFIX } from "../../components/services/kong/declarative-config";
import { kongInClusterHosts } from "../../components/services/kong";
import { kongTls, kongTlsVolume } from "../../components/services/kong/tls";
import { ENVIRONMENT_LABEL } from "../../components/services/kong/facts";
import { brokenStack, configFor, deployment, Fixture, NS, service, stackNotApplicable, stackViolations, T } from "../support/policy";

const mount = kongTlsVolume("supabase-tls");
const tls = kongTls("3.9.3", { certPath: mount.certPath, keyPath: mount.keyPath, hstsMaxAge: 31536000 });
const kongYml = (https = true) => YAML.stringify(buildKongConfig({
    anonKey: "anon", serviceRoleKey: "service", dashboardUsername: "u", dashboardPassword: "p", namespace: NS,
    ...(https ? { httpsOnly: { route: tls.route, inClusterHosts: kongInClusterHosts(NS) } } : {}),
}));

function kongDeployment() {
    const d = deployment("kong", 2, 8000);
    const c = d.spec.template.spec.containers[0];
    c.ports = [{ name: "http", containerPort: 8000 }, { name: "https", containerPort: 8443 }];
    c.env = Object.entries(tls.env).map(([name, value]) => ({ name, value }));
    c.volumeMounts = [mount.volumeMount];
    d.spec.template.spec.volumes.push(mount.volume);
    return d;
}

function productionStack(): Fixture[] {
    const lb = service("kong", 443, { spec: { type: "LoadBalancer", ports: [{ name: "https", port: 443, targetPort: "https" }, { name: "http", port: 80, targetPort: "http" }] } });
    lb.metadata.name = "kong-lb";
    return [
        { type: T.namespace, name: "ns", props: { metadata: { name: NS, labels: { [ENVIRONMENT_LABEL]: "production" } } } },
        { type: T.deployment, name: "kong", props: kongDeployment() },
        { type: T.service, name: "kong-svc", props: service("kong", 8000) },
        { type: T.service, name: "kong-lb", props: lb },
        { type: T.secret, name: "kong-config", props: { metadata: { name: "kong-config", namespace: NS }, stringData: { "kong.yml": kongYml() } } },
    ];
}

const ingress = (withTls: boolean) => ({
    type: T.ingress, name: "kong-api", props: {
        metadata: { name: "kong-api", namespace: NS },
        spec: {
            ingressClassName: "traefik",
            ...(withTls ? { tls: [{ hosts: ["api.example.com"], secretName: "supabase-tls" }] } : {}),
            rules: [{ host: "api.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "kong", port: { name: "http" } } } }] } }],
        },
    },
});

describe("api-over-tls", () => {
    it("passes the program's TLS gateway: 443 on the TLS listener with a certificate, 80 where every public route redirects", async () => {
        expect(await stackViolations(apiOverTls, productionStack())).toEqual([]);
        // The in-cluster twins are the only routes answering http, and only for Kong's Service names.
        const doc = YAML.parse(kongYml());
        expect(clearRoutes(doc, new Set(kongInClusterHosts(NS)))).toEqual([]);
        expect(clearRoutes(doc, new Set())).toEqual(doc.services.flatMap((s: any) => s.routes.map((r: any) => r.name)).filter((n: string) => n.endsWith(IN_CLUSTER_ROUTE_SUFFIX)));
    });
    it("does not apply to a stack that is not production", async () => {
        expect(await stackNotApplicable(apiOverTls, brokenStack(productionStack(), "ns", (p) => delete p.metadata.labels[ENVIRONMENT_LABEL]))).toBe(true);
    });
    it("applies through the stack tag environment=production too", async () => {
        const stack = brokenStack(productionStack(), "ns", (p) => delete p.metadata.labels[ENVIRONMENT_LABEL]);
        const clear = brokenStack(stack, "kong-config", (p) => (p.stringData["kong.yml"] = kongYml(false)));
        const args = { ...stackValidationArgs(policyResources(clear), configFor(apiOverTls)), stackTags: new Map([["environment", "production"]]) };
        const found = (await runStackValidation(apiOverTls, args))!.map((v) => v.message);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(/^Service supabase\/kong-lb: port 80 reaches Kong's plain listener 8000, where routes auth-v1-open-route, .* answer in clear/);
    });
    it("rejects plain routes behind port 80 (routes not HTTPS-only)", async () => {
        const found = await stackViolations(apiOverTls, brokenStack(productionStack(), "kong-config", (p) => (p.stringData["kong.yml"] = kongYml(false))));
        expect(found).toHaveLength(1);
        expect(found[0]).toContain("port 80 reaches Kong's plain listener 8000");
    });
    it("rejects an in-cluster twin that also matches a public hostname", async () => {
        const doc = YAML.parse(kongYml());
        doc.services[0].routes[1].hosts.push("api.example.com");
        const found = await stackViolations(apiOverTls, brokenStack(productionStack(), "kong-config", (p) => (p.stringData["kong.yml"] = YAML.stringify(doc))));
        expect(found).toEqual([`Service supabase/kong-lb: port 80 reaches Kong's plain listener 8000, where routes ${doc.services[0].routes[1].name} answer in clear; production serves the API over HTTPS only (set tls and hostnames, docs/tls.md)`]);
    });
    it("rejects the TLS listener without a certificate (Kong's self-signed default)", async () => {
        const found = await stackViolations(apiOverTls, brokenStack(productionStack(), "kong", (p) => {
            const c = p.spec.template.spec.containers[0];
            c.env = c.env.filter((e: any) => e.name !== "KONG_SSL_CERT");
        }));
        expect(found).toEqual(["Service supabase/kong-lb: port 443 reaches Kong's TLS listener 8443, but Kong has no certificate (KONG_SSL_CERT) and would serve its self-signed default; set tls (docs/tls.md)"]);
    });
    it("rejects a LoadBalancer port on the plain listener of a gateway whose routes answer http (the seed's 8000)", async () => {
        const found = await stackViolations(apiOverTls, [
            ...brokenStack(productionStack(), "kong-config", (p) => (p.stringData["kong.yml"] = kongYml(false))).filter((f) => f.name !== "kong-lb"),
            { type: T.service, name: "kong-lb", props: { ...service("kong", 8000, { spec: { type: "LoadBalancer" } }), metadata: { name: "kong-lb", namespace: NS } } },
        ]);
        expect(found).toHaveLength(1);
        expect(found[0]).toContain("port 8000 reaches Kong's plain listener 8000");
    });
    it("passes an Ingress that terminates TLS for its host, rejects one that does not", async () => {
        const behindIngress = productionStack().filter((f) => f.name !== "kong-lb");
        expect(await stackViolations(apiOverTls, [...behindIngress, ingress(true)])).toEqual([]);
        expect(await stackViolations(apiOverTls, [...behindIngress, ingress(false)]))
            .toEqual(["Ingress supabase/kong-api: host api.example.com reaches the gateway without TLS; list it under spec.tls with the certificate's Secret (set tls, docs/tls.md)"]);
    });
    it("reads Kong's listeners as its conf loader does, with Kong's default when unset", () => {
        expect([...proxyListeners(tls.env.KONG_PROXY_LISTEN)]).toEqual([[8000, false], [8443, true]]);
        expect([...proxyListeners(undefined)]).toEqual([[8000, false], [8443, true]]);
        expect([...proxyListeners("off")]).toEqual([]);
    });
});
