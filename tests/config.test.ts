// Bad stack config is refused with one error naming the key, the value and the fix, before any
// resource is registered. Each case runs the real program on the dev stack with one bad value.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it, vi } from "vitest";
import { imageTag, isCidr, isIPv4 } from "../config";
import { loadPlatformConfig } from "../components/program-rules";
import { runExpectingFailure } from "./support/program";
import { tunnelPort } from "../config/tunnel-port";

async function refused(overrides: Record<string, unknown>, secretKeys: string[] = []) {
    const { error, registered } = await runExpectingFailure("dev", { overrides, secretKeys });
    // The module cache is reset per run, so compare by name rather than class identity.
    expect(error.name).toBe("ConfigError");
    expect(registered).toEqual([]);
    return error.message;
}

describe("stack config validation", () => {
    it("refuses an IP that is not an IP address", async () => {
        const message = await refused({ kongLoadBalancerIp: "10.89.97.300" });
        expect(message).toContain('supabase-platform:kongLoadBalancerIp = "10.89.97.300": must be an IPv4 or IPv6 address');
    });

    it("refuses duplicated LoadBalancer IPs", async () => {
        const message = await refused({ studioLoadBalancerIp: "10.89.97.214" });
        expect(message).toContain('supabase-platform:studioLoadBalancerIp = "10.89.97.214": duplicates supabase-platform:kongLoadBalancerIp');
    });

    it("refuses storage sizes that are not Kubernetes quantities", async () => {
        const message = await refused({ postgresVolumeSize: "20 GB" });
        expect(message).toContain('supabase-platform:postgresVolumeSize = "20 GB": must be a positive Kubernetes quantity');
    });

    it("refuses a namespace that is not a DNS-1123 label", async () => {
        const message = await refused({ namespace: "Supabase_Prod" });
        expect(message).toContain('supabase-platform:namespace = "Supabase_Prod": must be a DNS-1123 label');
    });

    it("refuses a storage class name that is not a DNS-1123 subdomain", async () => {
        const message = await refused({ storageClassName: "Longhorn!" });
        expect(message).toContain('supabase-platform:storageClassName = "Longhorn!": must be a DNS-1123 subdomain');
    });

    it("refuses app names that are not SQL identifiers", async () => {
        const message = await refused({ apps: ["home-portal", "1money"] });
        expect(message).toContain('supabase-platform:apps = "home-portal": each app name must be a lower-case SQL identifier');
        expect(message).toContain('supabase-platform:apps = "1money": each app name must be a lower-case SQL identifier');
    });

    it.each(["auth", "storage", "public", "extensions", "graphql", "graphql_public", "realtime", "_realtime", "supabase_functions", "pg_toast"])(
        "refuses the Supabase-owned schema %s as an app", async (schema) => {
            const message = await refused({ apps: ["home_portal", schema] });
            expect(message).toContain(`supabase-platform:apps = "${schema}": collides with a schema Supabase owns`);
        });

    it("refuses duplicate app names", async () => {
        const message = await refused({ apps: ["home_portal", "home_portal"] });
        expect(message).toContain('supabase-platform:apps = "home_portal": is listed twice');
    });

    it("refuses an image without a tag", async () => {
        const message = await refused({ kongImage: "kong" });
        expect(message).toContain('supabase-platform:kongImage = "kong": has no tag; pin a version, e.g. kong/kong:3.9.3');
    });

    it("refuses an image tagged latest, even behind a registry port", async () => {
        const message = await refused({ postgresImage: "registry.local:5000/supabase/postgres:latest" });
        expect(message).toContain('supabase-platform:postgresImage = "registry.local:5000/supabase/postgres:latest": uses "latest"');
    });

    it("refuses non-positive JWT lifetimes", async () => {
        const message = await refused({ apiKeyLifetimeDays: 0, jwtExpirySeconds: -5 });
        expect(message).toContain("supabase-platform:apiKeyLifetimeDays = 0: must be ≥ 1");
        expect(message).toContain("supabase-platform:jwtExpirySeconds = -5: must be ≥ 1");
    });

    it("refuses a user-supplied JWT secret under 32 characters without printing it", async () => {
        const message = await refused({ jwtSecret: "short-secret" }, ["jwtSecret"]);
        expect(message).toContain("supabase-platform:jwtSecret = [secret, 12 characters]: must be at least 32 characters");
        expect(message).not.toContain("short-secret");
    });

    it("refuses keys whose lifetime has already ended", async () => {
        const message = await refused({ jwtIssuedAt: 1_600_000_000, apiKeyLifetimeDays: 30 });
        expect(message).toContain("supabase-platform:jwtIssuedAt = 1600000000: with apiKeyLifetimeDays=30 the keys have already expired");
    });

    it("refuses unknown keys and suggests the declared spelling", async () => {
        const message = await refused({ kongLoadbalancerIp: "10.0.0.1" });
        expect(message).toContain('supabase-platform:kongLoadbalancerIp = "10.0.0.1": unknown key; did you mean "kongLoadBalancerIp"?');
    });

    it("refuses an admin LoadBalancer without source ranges, or open to everyone", async () => {
        const missing = await refused({ dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216" });
        expect(missing).toContain("supabase-platform:dbAdminSourceRanges = []: the admin LoadBalancer exposes the database");
        const open = await refused({ dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216", dbAdminSourceRanges: ["0.0.0.0/0"] });
        expect(open).toContain('supabase-platform:dbAdminSourceRanges = "0.0.0.0/0": opens the database to everyone');
    });

    it("refuses an app definition whose policy would evaluate auth.uid() per row", async () => {
        vi.doMock("../components/database/apps/money_tracker", async (importOriginal) => {
            const original = await importOriginal<typeof import("../components/database/apps/money_tracker")>();
            const [first, ...rest] = original.moneyTracker.tables;
            const perRow = { ...first.policies[0], using: "user_id = auth.uid()" };
            return { moneyTracker: { ...original.moneyTracker, tables: [{ ...first, policies: [perRow, ...first.policies.slice(1)] }, ...rest] } };
        });
        try {
            const message = await refused({});
            expect(message).toContain("supabase-platform:apps: money_tracker.categories: policy");
            expect(message).toContain("calls auth.uid() per row; write (select auth.uid())");
        } finally {
            vi.doUnmock("../components/database/apps/money_tracker");
        }
    });

    it("refuses in the offline render exactly what it refuses under the engine", async () => {
        const overrides = { kongImage: "kong:latest", backupSchedule: "TZ=UTC 0 3 * * *", kongLoadBalancerIp: "127.0.0.1" };
        const message = await refused(overrides);
        expect(message).toMatch(/^Invalid stack configuration \(3 problems\)/);
        vi.resetModules();
        const { render } = await import("../offline/render");
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-refused-"));
        const error = await render("dev", out, overrides).then(() => undefined, (e: Error) => e);
        expect(error?.name).toBe("ConfigError");
        expect(error?.message).toBe(message);
    });

    it("reports every problem at once", async () => {
        const message = await refused({ namespace: "Bad_NS", kongImage: "kong:latest", apps: ["auth"], postgresVolumeSize: "lots" });
        expect(message).toMatch(/^Invalid stack configuration \(4 problems\)/);
        for (const key of ["namespace", "kongImage", "apps", "postgresVolumeSize"]) expect(message).toContain(`supabase-platform:${key} =`);
    });
});

describe("config helpers", () => {
    it("parses image tags after the last path segment", () => {
        expect(imageTag("kong:2.8.1")).toBe("2.8.1");
        expect(imageTag("registry:5000/kong")).toBeUndefined();
        expect(imageTag("registry:5000/kong:3@sha256:abc")).toBe("3");
    });

    it("recognises IPv4 addresses and CIDRs", () => {
        expect(isIPv4("10.89.97.214")).toBe(true);
        expect(isIPv4("010.1.1.1")).toBe(false);
        expect(isIPv4("1.2.3")).toBe(false);
        expect(isCidr("192.168.10.0/24")).toBe(true);
        expect(isCidr("192.168.10.0/33")).toBe(false);
    });

    it("applies defaults when a key is unset", () => {
        const config = loadPlatformConfig({ project: "supabase-platform", stack: "t", get: () => undefined, keys: () => [] });
        expect(config.namespace).toBe("supabase");
        // A new stack gets the current release, v0.8.2, and its images.
        expect(config.release).toBe("v0.8.2");
        expect(config.images.kong).toBe("kong/kong:3.9.3");
        expect(config.keys.apiKeyLifetimeDays).toBe(1825);
        expect(config.dbAdmin).toEqual({ mode: "tunnel", port: tunnelPort(0, "supabase-platform", "t") });
    });
});
