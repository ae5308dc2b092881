// The database layer as the program declares it, under the mock engine: the admin endpoint per
// mode, what waits for what, secrets kept secret, the undefined-app rule and the review report.
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ProgramRun, RecordedResource } from "../../offline/engine";
import { renderDatabaseReport } from "../../offline/reports/database";
import { APP_DEFINITIONS } from "../../components/database/apps";
import { validateManifest } from "../support/k8s-schema";
import { findManifest, manifests, resourcesOfType, runExpectingFailure, runStack } from "../support/program";
import { tunnelPort } from "../../config/tunnel-port";

const PROVIDER = "pulumi:providers:postgresql";
const byName = (run: ProgramRun, name: string) => run.resources.find((r) => r.name === name)!;
const urnOf = (run: ProgramRun, type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.urn;
const layerResources = (run: ProgramRun) => {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    return run.resources.filter((r) => {
        for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent)) if (p.type === "supabase:database:DatabaseLayer") return true;
        return false;
    });
};

describe("the dev stack", () => {
    let run: ProgramRun;
    /** Provider reference of every registered resource (the engine does not record it). */
    const providerOf = new Map<string, string | undefined>();
    beforeAll(async () => {
        const setMocks = pulumi.runtime.setMocks;
        const spy = vi.spyOn(pulumi.runtime, "setMocks").mockImplementation((mocks, ...rest) => setMocks({
            ...mocks,
            newResource: (args) => {
                providerOf.set(args.name, args.provider);
                return mocks.newResource(args);
            },
        }, ...rest));
        run = await runStack("dev", { fresh: true });
        spy.mockRestore();
    });

    it("reaches PostgreSQL through the tunnel on loopback by default, at the stack's stable port, as supabase_admin without TLS", () => {
        const [provider] = resourcesOfType(run, PROVIDER);
        const port = tunnelPort(0, "supabase-platform", "dev");
        expect(provider.inputs).toMatchObject({ host: "127.0.0.1", port: String(port), username: "supabase_admin", database: "postgres", sslmode: "disable" });
        expect(provider.secretInputs).toContain("password");
        expect(byName(run, "database-role-passwords").inputs.connection).toMatchObject({ host: "127.0.0.1", port });
        expect(manifests(run).filter((m) => m.kind === "Service" && m.spec?.type === "LoadBalancer").map((m) => m.metadata.name)).not.toContain("postgres-admin");
    });

    it("exposes port 5432 outside the cluster through no Service", () => {
        const services = manifests(run).filter((m) => m.kind === "Service");
        const external = services.filter((m) => ["LoadBalancer", "NodePort"].includes(m.spec?.type) || (m.spec?.externalIPs ?? []).length > 0);
        expect(external.length).toBeGreaterThan(0); // Kong and Studio, the platform's two front doors
        for (const s of external) {
            expect(s.spec.ports.map((p: any) => [p.port, p.targetPort]).flat(), s.metadata.name).not.toContain(5432);
            expect(s.spec.ports.map((p: any) => p.targetPort), s.metadata.name).not.toContain("postgres");
        }
    });

    it("creates nothing in the database before PostgreSQL is ready and the passwords are set", () => {
        const provider = resourcesOfType(run, PROVIDER)[0];
        const statefulSet = urnOf(run, "kubernetes:apps/v1:StatefulSet", "postgres");
        const passwords = byName(run, "database-role-passwords");
        expect(provider.dependencies).toEqual(expect.arrayContaining([statefulSet, passwords.urn]));
        expect(passwords.dependencies).toContain(statefulSet);
        for (const table of resourcesOfType(run, "pulumi-nodejs:dynamic/database:Table")) {
            expect(table.dependencies, table.name).toEqual(expect.arrayContaining([statefulSet, passwords.urn]));
        }
    });

    it("manages every @pulumi/postgresql resource through the admin provider, never a default one", () => {
        const providerUrn = resourcesOfType(run, PROVIDER)[0].urn;
        const pg = layerResources(run).filter((r) => r.type.startsWith("postgresql:"));
        expect(pg.length).toBeGreaterThan(40);
        for (const r of pg) expect(providerOf.get(r.name), r.name).toMatch(new RegExp(`^${providerUrn.replace(/[$]/g, "\\$")}::`));
    });

    it("writes buckets only after the storage service has migrated its schema", () => {
        const storage = urnOf(run, "kubernetes:apps/v1:Deployment", "storage");
        const buckets = resourcesOfType(run, "pulumi-nodejs:dynamic/database:Bucket");
        expect(buckets.map((b) => b.inputs.bucketId).sort()).toEqual(["home-portal-assets", "money-tracker-receipts"]);
        for (const b of buckets) expect(b.dependencies, b.name).toContain(storage);
    });

    it("hands the custom resources their connection as a secret, and no password in the serialized provider", () => {
        const dynamic = layerResources(run).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        expect(dynamic.length).toBeGreaterThan(30);
        const password = resourcesOfType(run, PROVIDER)[0].inputs.password;
        for (const r of dynamic) {
            expect(r.secretInputs, r.name).toContain("connection");
            expect(r.state.__provider, r.name).toMatch(/require\("pg"\)/);
            expect(r.state.__provider.includes(password), r.name).toBe(false);
        }
    });

    it("declares per app its schema, USAGE for the API roles and its own role, and RLS policies for every table", () => {
        for (const app of Object.values(APP_DEFINITIONS)) {
            expect(byName(run, `${app.schema}-schema`).inputs).toMatchObject({ name: app.schema, owner: "supabase_admin" });
            for (const role of ["anon", "authenticated", "service_role", `${app.schema}_service`]) {
                expect(byName(run, `${app.schema}-usage-${role}`).inputs).toMatchObject({ objectType: "schema", privileges: ["USAGE"], role });
            }
            for (const table of app.tables) {
                const policies = resourcesOfType(run, "pulumi-nodejs:dynamic/database:Policy").filter((p) => p.inputs.schema === app.schema && p.inputs.table === table.name);
                expect(policies.map((p) => p.inputs.name).sort(), table.name).toEqual(table.policies.map((p) => p.name).sort());
            }
        }
    });

    it("ensures the seed's extensions in the extensions schema", () => {
        const extensions = resourcesOfType(run, "postgresql:index/extension:Extension").map((e) => [e.inputs.name, e.inputs.schema]);
        expect(extensions.sort()).toEqual([["pg_stat_statements", "extensions"], ["pg_trgm", "extensions"], ["pgcrypto", "extensions"], ["uuid-ossp", "extensions"]]);
    });

    it("renders database.md with every policy's command, roles, USING and WITH CHECK", () => {
        const report = renderDatabaseReport(run)!;
        const policies = resourcesOfType(run, "pulumi-nodejs:dynamic/database:Policy");
        expect(report.summary.policies).toBe(policies.length);
        for (const p of policies) {
            const line = report.markdown.split("\n").find((l) => l.startsWith(`| ${p.inputs.name.replace(/\|/g, "\\|")} |`));
            expect(line, p.inputs.name).toBeDefined();
            expect(line).toContain(`| ${p.inputs.command.toUpperCase()} |`);
            expect(line).toContain(p.inputs.roles.join(", "));
            for (const expr of [p.inputs.using, p.inputs.withCheck]) if (expr) expect(line).toContain(`\`${expr}\``);
        }
    });

    it("database.md says where a user writes in storage and that the move guard is on, with its cost", () => {
        const markdown = renderDatabaseReport(run)!.markdown;
        expect(markdown).toContain("a signed-in user write only under `<bucket>/<their user id>/…`");
        expect(markdown).toContain("upload(`${user.id}/logo.png`, file)");
        expect(markdown).toMatch(/Move guard: \*\*on\*\*, because `supabase\/storage-api:v0\.43\.11` is before v0\.48\.3[\s\S]*Cost:/);
    });
});

describe("admin endpoint modes", () => {
    it("cluster: the in-cluster Service", async () => {
        const run = await runStack("dev", { overrides: { dbAdminEndpoint: "cluster" } });
        expect(resourcesOfType(run, PROVIDER)[0].inputs).toMatchObject({ host: "postgres.supabase.svc", port: "5432" });
        expect(byName(run, "database-role-passwords").inputs.connection).toMatchObject({ host: "postgres.supabase.svc", port: 5432 });
    });

    it("tunnel: an explicit dbAdminTunnelPort is used as is", async () => {
        const run = await runStack("dev", { overrides: { dbAdminTunnelPort: 24555 } });
        expect(resourcesOfType(run, PROVIDER)[0].inputs).toMatchObject({ host: "127.0.0.1", port: "24555" });
    });

    it("port-forward: localhost at the configured port, no LoadBalancer", async () => {
        const run = await runStack("dev", { overrides: { dbAdminEndpoint: "port-forward", dbAdminPort: 15432 } });
        expect(resourcesOfType(run, PROVIDER)[0].inputs).toMatchObject({ host: "localhost", port: "15432" });
        expect(byName(run, "database-role-passwords").inputs.connection).toMatchObject({ host: "localhost", port: 15432 });
        expect(manifests(run).some((m) => m.metadata.name === "postgres-admin")).toBe(false);
    });

    it("loadbalancer: a source-restricted MetalLB Service selecting the postgres pods, and the provider waits for it", async () => {
        const run = await runStack("dev", {
            overrides: { dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216", dbAdminSourceRanges: ["192.168.10.0/24"] },
        });
        const service = findManifest(run, "Service", "postgres-admin");
        validateManifest(service);
        expect(service.metadata.annotations).toEqual({ "metallb.io/loadBalancerIPs": "10.89.97.216" });
        expect(service.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["192.168.10.0/24"], ports: [{ port: 5432, targetPort: "postgres" }] });
        const postgres = findManifest(run, "StatefulSet", "postgres");
        expect(service.spec.selector).toEqual(postgres.spec.selector.matchLabels);
        const provider = resourcesOfType(run, PROVIDER)[0];
        expect(provider.inputs).toMatchObject({ host: "10.89.97.216", port: "5432" });
        const lb = run.resources.find((r) => r.type === "kubernetes:core/v1:Service" && r.inputs.metadata?.name === "postgres-admin")!;
        expect(byName(run, "database-role-passwords").dependencies).toContain(lb.urn);
    });

    it("loadbalancer without source ranges is refused before anything is registered", async () => {
        const { error, registered } = await runExpectingFailure("dev", { overrides: { dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216" } });
        expect(error.message).toMatch(/dbAdminSourceRanges/);
        expect(registered).toEqual([]);
    });
});

describe("an app listed in config without a definition file", () => {
    afterEach(() => vi.restoreAllMocks());

    it("gets its schema, grants and role but no tables, and the program warns", async () => {
        const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(async () => undefined);
        const run = await runStack("dev", { overrides: { apps: ["home_portal", "money_tracker", "guestbook"] }, fresh: true });
        expect(byName(run, "guestbook-schema").inputs).toMatchObject({ name: "guestbook" });
        expect(byName(run, "guestbook-usage-anon").inputs).toMatchObject({ objectType: "schema", privileges: ["USAGE"] });
        const guestbook = run.resources.find((r) => r.type === "supabase:database:App" && r.name === "guestbook")!;
        const children = run.resources.filter((r) => r.parent === guestbook.urn).map((r) => r.type);
        expect(children).not.toContain("pulumi-nodejs:dynamic/database:Table");
        expect(children).toContain("postgresql:index/defaultPrivileges:DefaultPrivileges");
        expect(warn.mock.calls.map((c) => c[0]).join("\n")).toMatch(/guestbook has no definition file.*components\/database\/apps\/guestbook\.ts/);
        expect(renderDatabaseReport(run)!.markdown).toMatch(/## guestbook[\s\S]*no definition file/);
    });

    it("a definition file for an app not in config creates nothing for it", async () => {
        const run = await runStack("dev", { overrides: { apps: ["home_portal"] } });
        expect(run.resources.some((r) => r.name.startsWith("money_tracker"))).toBe(false);
    });
});

describe("grants on one object are applied one at a time", () => {
    // The postgresql provider locks per grantee, not per object: two grants revoking on one schema
    // or table at once failed `pulumi destroy` with "tuple concurrently updated" (engine tier).
    it("every schema, table and default-privileges row's grants form a single chain of dependencies", async () => {
        for (const label of ["dev", "dev@v0.8.2"]) {
            const run = await runStack("dev", label.endsWith("v0.8.2") ? { overrides: { release: "v0.8.2" } } : {});
            const groups = new Map<string, RecordedResource[]>();
            const add = (key: string, r: RecordedResource) => groups.set(key, [...(groups.get(key) ?? []), r]);
            for (const r of resourcesOfType(run, "postgresql:index/grant:Grant")) {
                add(`${r.inputs.schema} ${r.inputs.objectType} ${JSON.stringify(r.inputs.objects ?? [])}`, r);
            }
            for (const r of resourcesOfType(run, "postgresql:index/defaultPrivileges:DefaultPrivileges")) add(`${r.inputs.schema} defaults`, r);
            expect(groups.size).toBeGreaterThan(5);
            for (const [key, members] of groups) {
                const urns = new Set(members.map((m) => m.urn));
                const within = members.map((m) => m.dependencies.filter((d) => urns.has(d)).length).sort();
                // A chain: one head with no predecessor in the group, every other member after exactly one.
                expect(within, `${label}: ${key}`).toEqual([0, ...Array(members.length - 1).fill(1)]);
            }
        }
    });
});
