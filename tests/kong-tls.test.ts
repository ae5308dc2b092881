// Kong's TLS settings (components/services/kong/tls.ts) held to the Kong TLS contract of each
// release's Kong tag (components/services/kong/contracts/tls-<tag>.ts), and those contracts to the
// image contracts of the same tags (components/services/kong/contracts/<tag>.ts): the variables exist at the tag,
// the listener parses the way Kong's conf loader parses it, and bad input is refused by name.
import { describe, expect, it } from "vitest";
import { KONG_CONTRACT } from "../components/services/kong/contracts/2.8.1";
import { KONG_3_9_3_CONTRACT } from "../components/services/kong/contracts/3.9.3";
import { ImageContract } from "../components/services/contract-types";
import { KONG_TLS_CONTRACTS, KONG_TLS_DIR, kongTls, kongTlsVolume } from "../components/services/kong/tls";
import { RELEASES } from "../releases";

const IMAGE_CONTRACTS: Record<string, ImageContract> = { [KONG_CONTRACT.tag]: KONG_CONTRACT, [KONG_3_9_3_CONTRACT.tag]: KONG_3_9_3_CONTRACT };
const OPTIONS = { certPath: `${KONG_TLS_DIR}/tls.crt`, keyPath: `${KONG_TLS_DIR}/tls.key`, hstsMaxAge: 31536000 };

/** KONG_PROXY_LISTEN as Kong's conf loader reads it: items split on ",", trimmed; then address and flags. */
function listeners(value: string) {
    return value.split(",").map((item) => item.trim()).map((item) => {
        const [address, ...flags] = item.split(/\s+/);
        return { port: Number(address.split(":").pop()), flags };
    });
}

/** The Kong tag of each release's kong image ("kong:2.8.1", "kong/kong:3.9.3"). */
const releaseKongTags = Object.entries(RELEASES).map(([name, release]) => [name, release.images.kong.split(":").pop()!] as const);

describe("Kong TLS contracts", () => {
    it("exist for the Kong tag of every release", () => {
        for (const [release, tag] of releaseKongTags) expect(KONG_TLS_CONTRACTS[tag], `release ${release}, kong ${tag}`).toBeDefined();
    });

    for (const [tag, contract] of Object.entries(KONG_TLS_CONTRACTS)) {
        describe(`Kong ${tag}`, () => {
            const image = IMAGE_CONTRACTS[tag];
            const reads = (name: string) => image.env.reads.find((r) => r.name === name);

            it("agrees with the image contract of the same tag on the listener default and the certificate variables", () => {
                expect(reads(contract.listener.env)?.default).toBe(contract.listener.default);
                expect(reads(contract.certificate.certEnv)?.default).toBe("NONE");
                expect(reads(contract.certificate.keyEnv)?.default).toBe("NONE");
                expect(reads("KONG_TRUSTED_IPS")?.default).toBe(contract.redirect.trustedIpsDefault);
                expect(image.env.prefixes?.map((p) => p.prefix)).toContain(contract.hsts.envPrefix);
                expect(contract.hsts.env).toBe(`${contract.hsts.envPrefix}${contract.hsts.directive.toUpperCase()}`);
            });

            it("has its default TLS port on the default listener that carries the ssl flag", () => {
                const tls = listeners(contract.listener.default).filter((l) => l.flags.includes(contract.listener.sslFlag));
                expect(tls.map((l) => l.port)).toEqual([contract.listener.defaultTlsPort]);
                expect(image.ports.map((p) => p.port)).toContain(contract.listener.defaultTlsPort);
            });

            it("renders a TLS listener with http2, a plain listener without ssl, and the certificate pair", () => {
                const s = kongTls(tag, OPTIONS);
                const parsed = listeners(s.env[contract.listener.env]);
                expect(parsed).toEqual([
                    { port: contract.listener.defaultPlainPort, flags: [] },
                    { port: contract.listener.defaultTlsPort, flags: [contract.listener.http2Flag, contract.listener.sslFlag] },
                ]);
                expect(s.ports).toEqual({ http: contract.listener.defaultPlainPort, https: contract.listener.defaultTlsPort });
                expect(s.env[contract.certificate.certEnv]).toBe(OPTIONS.certPath);
                expect(s.env[contract.certificate.keyEnv]).toBe(OPTIONS.keyPath);
                // Each variable set is one the image reads (a property or an injected-directive prefix).
                for (const name of Object.keys(s.env)) {
                    expect(reads(name) !== undefined || image.env.prefixes!.some((p) => name.startsWith(p.prefix)), name).toBe(true);
                }
            });

            it("sets HSTS through the injected add_header directive, on every status", () => {
                const s = kongTls(tag, { ...OPTIONS, hstsMaxAge: 63072000, hstsIncludeSubDomains: true });
                expect(s.env[contract.hsts.env]).toBe('Strict-Transport-Security "max-age=63072000; includeSubDomains" always');
                expect(s.hsts).toBe("max-age=63072000; includeSubDomains");
                expect(kongTls(tag, OPTIONS).hsts).toBe("max-age=31536000");
            });

            it("makes routes https-only with a redirect status the route schema allows", () => {
                const s = kongTls(tag, OPTIONS);
                expect(s.route.protocols).toEqual(contract.redirect.protocols);
                expect(s.route.protocols).not.toContain("http");
                expect(contract.redirect.allowed).toContain(s.route.https_redirect_status_code);
                expect(s.route.https_redirect_status_code).toBe(308);
                expect(kongTls(tag, { ...OPTIONS, redirectStatus: 301 }).route.https_redirect_status_code).toBe(301);
            });

            it("refuses what Kong would misread, naming key, value and fix", () => {
                expect(() => kongTls(tag, { ...OPTIONS, certPath: "/etc/kong/tls/a,b.crt" })).toThrow(/certPath '\/etc\/kong\/tls\/a,b.crt'.*comma/);
                expect(() => kongTls(tag, { ...OPTIONS, keyPath: "tls.key" })).toThrow(/keyPath 'tls.key': give an absolute path/);
                expect(() => kongTls(tag, { ...OPTIONS, hstsMaxAge: -1 })).toThrow(/hstsMaxAge -1: give a whole number/);
                expect(() => kongTls(tag, { ...OPTIONS, hstsMaxAge: 1.5 })).toThrow(/hstsMaxAge 1.5/);
                expect(() => kongTls(tag, { ...OPTIONS, redirectStatus: 426 })).toThrow(/redirectStatus 426: .*301, 302, 307, 308/);
                expect(() => kongTls(tag, { ...OPTIONS, redirectStatus: 303 })).toThrow(/redirectStatus 303/);
                expect(() => kongTls(tag, { ...OPTIONS, httpPort: 80 })).toThrow(/httpPort 80: give an unprivileged port/);
                expect(() => kongTls(tag, { ...OPTIONS, httpsPort: 8000 })).toThrow(/both 8000/);
            });
        });
    }

    it("differ where the tags differ: inline PEM only from 3.x, http2 as a server directive in 3.x", () => {
        expect(KONG_TLS_CONTRACTS["2.8.1"].certificate.accepts).toEqual(["path"]);
        expect(KONG_TLS_CONTRACTS["3.9.3"].certificate.accepts).toContain("pem");
        expect(KONG_TLS_CONTRACTS["2.8.1"].listener.http2Rendering).toBe("listen-flag");
        expect(KONG_TLS_CONTRACTS["3.9.3"].listener.http2Rendering).toBe("server-directive");
    });

    it("refuses a Kong tag without a contract, naming the file to add", () => {
        expect(() => kongTls("3.10.0", OPTIONS)).toThrow(/kong tag '3.10.0'.*known tags: 2.8.1, 3.9.3.*tls-3.10.0.ts/);
    });
});

describe("Kong TLS volume", () => {
    it("mounts the Secret's tls.crt and tls.key as a whole directory at the paths the env names", () => {
        const v = kongTlsVolume("supabase-tls");
        expect(v.volume.secret).toEqual({ secretName: "supabase-tls", items: [{ key: "tls.crt", path: "tls.crt" }, { key: "tls.key", path: "tls.key" }], defaultMode: 0o444 });
        expect(v.volumeMount).toEqual({ name: v.volume.name, mountPath: KONG_TLS_DIR, readOnly: true });
        expect(v.volumeMount).not.toHaveProperty("subPath");
        const env = kongTls("3.9.3", { certPath: v.certPath, keyPath: v.keyPath, hstsMaxAge: 0 }).env;
        expect([env.KONG_SSL_CERT, env.KONG_SSL_CERT_KEY]).toEqual([`${v.volumeMount.mountPath}/tls.crt`, `${v.volumeMount.mountPath}/tls.key`]);
    });

    it("refuses a Secret name Kubernetes would refuse", () => {
        expect(() => kongTlsVolume("Supabase_TLS")).toThrow(/tls secret name 'Supabase_TLS'/);
    });
});

describe("HTTPS-only routes with in-cluster twins (the program's kong.yml with Kong serving TLS)", async () => {
    const { buildKongConfig } = await import("../components/services/kong/declarative-config");
    const { kongInClusterHosts } = await import("../components/services/kong");
    const { simulateKong } = await import("./support/kong");
    const KEYS = { anonKey: "anon.jwt.x", serviceRoleKey: "service.jwt.y", dashboardUsername: "u", dashboardPassword: "p", namespace: "supabase" };
    const OPAQUE = { publishableKey: "sb_publishable_a", secretKey: "sb_secret_b", anonJwt: "anon.es.jwt", serviceRoleJwt: "service.es.jwt" };
    for (const [tag, asymmetric] of [["2.8.1", undefined], ["3.9.3", OPAQUE]] as const) {
        const tls = kongTls(tag, OPTIONS);
        const config = buildKongConfig({ ...KEYS, asymmetric, httpsOnly: { route: tls.route, inClusterHosts: kongInClusterHosts("supabase") } });
        it(`Kong ${tag}: a public plain-HTTP request is redirected with 308 to the same URI on https, with no port`, () => {
            for (const path of ["/rest/v1/todos", "/auth/v1/verify", "/", ...(asymmetric ? ["/rest/v1/"] : [])]) {
                expect(simulateKong(config, { path, host: "api.example.com", scheme: "http", apikey: KEYS.anonKey }), path)
                    .toMatchObject({ status: 308, location: `https://api.example.com${path}` });
            }
        });
        it(`Kong ${tag}: over https the public routes answer as before`, () => {
            expect(simulateKong(config, { path: "/rest/v1/todos", host: "api.example.com", scheme: "https", apikey: KEYS.anonKey })).toMatchObject({ status: 200, service: "rest-v1" });
            expect(simulateKong(config, { path: "/pg/tables", host: "api.example.com", scheme: "https", apikey: KEYS.anonKey })).toMatchObject({ status: 403 });
        });
        it(`Kong ${tag}: Studio's server side keeps plain HTTP on Kong's Service name, through the same plugins`, () => {
            const host = "kong.supabase.svc";
            expect(simulateKong(config, { path: "/pg/tables", host, scheme: "http", apikey: KEYS.serviceRoleKey })).toMatchObject({ status: 200, service: "meta" });
            expect(simulateKong(config, { path: "/pg/tables", host, scheme: "http", apikey: KEYS.anonKey })).toMatchObject({ status: 403, service: "meta" });
            expect(simulateKong(config, { path: "/", host, scheme: "http" })).toMatchObject({ status: 401, service: "dashboard" });
            if (asymmetric) expect(simulateKong(config, { path: "/rest/v1/", host, scheme: "http", apikey: OPAQUE.secretKey })).toMatchObject({ status: 200, service: "rest-v1-openapi" });
        });
    }
});
