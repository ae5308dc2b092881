// The program with TLS switched on in the modes the stack files do not use (prod runs
// cert-manager behind LoadBalancers; tests/kong.test.ts and the others cover it): a user's Secret
// behind LoadBalancers, and cert-manager or plain HTTP behind an ingress controller.
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { parseKongYaml } from "../components/services/kong/declarative-config";
import { findManifest, manifests, runStack } from "./support/program";

const HOSTS = { apiHostname: "api.example.com", studioHostname: "studio.example.com" };
const kongContainer = (run: Awaited<ReturnType<typeof runStack>>) => findManifest(run, "Deployment", "kong").spec.template.spec.containers[0];
const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
const kinds = (run: Awaited<ReturnType<typeof runStack>>, kind: string) => manifests(run).filter((m) => m.kind === kind);

describe("tls secret behind the LoadBalancers", async () => {
    const run = await runStack("dev", { overrides: { ...HOSTS, tls: "secret", tlsSecretName: "my-wildcard", release: "v0.8.2" } });
    it("mounts the user's Secret in Kong, requests no Certificate, and answers on 443 and 80", () => {
        expect(kinds(run, "Certificate")).toEqual([]);
        const pod = findManifest(run, "Deployment", "kong").spec.template.spec;
        expect(pod.volumes.find((v: any) => v.secret?.secretName === "my-wildcard")).toBeDefined();
        expect(envOf(kongContainer(run)).KONG_SSL_CERT).toBe("/etc/kong/tls/tls.crt");
        expect(findManifest(run, "Service", "kong-lb").spec.ports.map((p: any) => p.port)).toEqual([443, 80]);
        expect(run.outputs.apiUrl.value).toBe("https://api.example.com");
        // Kong rolls when the Secret's certificate changes: the digest of what pulumi up read is on the template.
        expect(findManifest(run, "Deployment", "kong").spec.template.metadata.annotations["platform.supabase.io/tls-checksum"]).toMatch(/^[0-9a-f]{64}$/);
    });
});

describe("cert-manager behind an ingress controller", async () => {
    // dev creates its MetalLB pool; behind an ingress nothing would claim its addresses.
    const run = await runStack("dev", { overrides: { ...HOSTS, tls: "cert-manager", tlsIssuerName: "le", exposure: "ingress", ingressClassName: "traefik", createMetallbPool: false } });
    it("replaces the LoadBalancers with an Ingress per hostname that terminates TLS with the Certificate's Secret", () => {
        expect(kinds(run, "Service").filter((s) => s.spec.type === "LoadBalancer")).toEqual([]);
        const ingresses = kinds(run, "Ingress").map((i) => [i.metadata.name, i.spec.ingressClassName, i.spec.rules[0].host, i.spec.tls[0].hosts, i.spec.tls[0].secretName, i.spec.rules[0].http.paths[0].backend.service.name]);
        expect(ingresses).toEqual([
            ["kong-api", "traefik", "api.example.com", ["api.example.com"], "supabase-tls", "kong"],
            ["kong-dashboard", "traefik", "studio.example.com", ["studio.example.com"], "supabase-tls", "kong"],
        ]);
        expect(findManifest(run, "Certificate", "supabase-hostnames").spec.dnsNames).toEqual(["api.example.com", "studio.example.com"]);
    });
    it("keeps Kong on plain HTTP behind the controller (no certificate, routes on http and https) but sets HSTS", () => {
        const env = envOf(kongContainer(run));
        expect(env.KONG_SSL_CERT).toBeUndefined();
        expect(env.KONG_NGINX_PROXY_ADD_HEADER).toBe('Strict-Transport-Security "max-age=31536000" always');
        const kong = parseKongYaml(findManifest(run, "Secret", "kong-config").stringData["kong.yml"]);
        expect(kong.services.flatMap((s) => s.routes).every((r) => r.protocols === undefined && r.hosts === undefined)).toBe(true);
        expect(run.outputs.studioUrl.value).toBe("https://studio.example.com");
    });
});

describe("a plain ingress (tls none)", async () => {
    const run = await runStack("dev", { overrides: { ...HOSTS, exposure: "ingress", ingressClassName: "nginx", createMetallbPool: false } });
    it("serves http://<hostname> through Ingresses without spec.tls, no HSTS", () => {
        expect(kinds(run, "Ingress").map((i) => i.spec.tls)).toEqual([undefined, undefined]);
        expect(envOf(kongContainer(run)).KONG_NGINX_PROXY_ADD_HEADER).toBeUndefined();
        expect(run.outputs.apiUrl.value).toBe("http://api.example.com");
        expect(YAML.stringify(findManifest(run, "Deployment", "gotrue"))).toContain("http://api.example.com");
    });
});

describe("an ingress beside a pooler LoadBalancer (v0.8.2)", async () => {
    const run = await runStack("dev", {
        overrides: {
            ...HOSTS, exposure: "ingress", ingressClassName: "nginx", release: "v0.8.2",
            poolerEndpoint: "loadbalancer", poolerLoadBalancerIp: "10.89.97.216", poolerSourceRanges: ["192.168.10.0/24"],
        },
    });
    it("keeps the MetalLB pool to the addresses a LoadBalancer claims: the pooler's, not the gateway's", () => {
        expect(kinds(run, "IPAddressPool").map((p) => p.spec.addresses)).toEqual([["10.89.97.216/32"]]);
        expect(kinds(run, "Service").filter((s) => s.spec.type === "LoadBalancer").map((s) => s.metadata.name)).toEqual(["pooler-lb"]);
    });
});
