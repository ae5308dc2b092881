// The architecture diagram is derived from the declared objects: it shows the seed's services and
// connections on every stack, and an edge disappears when the env var, route or Service implying
// it is removed from the graph.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parseKongYaml, toKongYaml } from "../components/services/kong/declarative-config";
import { Architecture, architectureOf, CLIENTS, edgeBetween, toMermaid } from "../offline/architecture";
import { ProgramRun } from "../offline/engine";
import { Manifest } from "../offline/manifests";
import { configReader, stackNames } from "../offline/stack-config";
import { manifests, runStack } from "./support/program";

const API_SERVICES = ["gotrue", "rest", "storage", "meta"];

describe.each(stackNames())("architecture of stack %s", (stack) => {
    let run: ProgramRun;
    let arch: Architecture;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        run = await runStack(stack);
        arch = architectureOf(manifests(run));
        cfg = configReader(stack);
    });

    it("shows every service and both LoadBalancers with their IPs", () => {
        const names = arch.nodes.map((n) => n.name);
        expect(names).toEqual(expect.arrayContaining([...API_SERVICES, "postgres", "kong", "studio", "kong-lb", "kong-dashboard-lb"]));
        expect(arch.nodes.find((n) => n.name === "kong-lb")?.ips).toEqual([cfg("kongLoadBalancerIp")]);
        expect(arch.nodes.find((n) => n.name === "kong-dashboard-lb")?.ips).toEqual([cfg("studioLoadBalancerIp")]);
        expect(arch.unresolved).toEqual([]);
    });

    it("lets browsers and apps in only through Kong's LoadBalancers", () => {
        expect(edgeBetween(arch, CLIENTS, "kong-lb")?.ports).toEqual([8000, 8443]);
        expect(edgeBetween(arch, CLIENTS, "kong-dashboard-lb")?.ports).toEqual([3000]);
        const fromClients = arch.edges.filter((e) => e.from === CLIENTS).map((e) => arch.nodes.find((n) => n.id === e.to)?.kind);
        expect(new Set(fromClients)).toEqual(new Set(["loadbalancer"]));
        expect(edgeBetween(arch, "kong-lb", "kong")?.ports).toEqual([8000, 8443]);
        expect(edgeBetween(arch, "kong-dashboard-lb", "kong")?.ports).toEqual([8000]);
        expect(edgeBetween(arch, "kong-dashboard-lb", "studio")).toBeUndefined();
    });

    it("routes Kong to GoTrue, PostgREST, Storage, meta and Studio by its routes", () => {
        const paths = (to: string) => edgeBetween(arch, "kong", to)?.paths;
        expect(paths("gotrue")).toEqual(expect.arrayContaining(["/auth/v1/", "/auth/v1/verify"]));
        expect(paths("rest")).toEqual(["/graphql/v1", "/rest/v1/"]);
        expect(paths("storage")).toEqual(["/storage/v1/"]);
        expect(paths("meta")).toEqual(["/pg/"]);
        // The mcp routes are terminated in Kong and never reach Studio.
        expect(paths("studio")).toEqual(["/"]);
        expect(edgeBetween(arch, "kong", "meta")?.ports).toEqual([8080]);
    });

    it("connects every API service to PostgreSQL on 5432, and Studio to meta and Kong", () => {
        for (const service of API_SERVICES) expect(edgeBetween(arch, service, "postgres")?.ports, service).toEqual([5432]);
        expect(edgeBetween(arch, "studio", "meta")?.evidence).toEqual(["env STUDIO_PG_META_URL"]);
        expect(edgeBetween(arch, "studio", "kong")?.evidence).toEqual(["env SUPABASE_URL"]);
        expect(edgeBetween(arch, "gotrue", "postgres")?.evidence.some((e) => e.includes("Secret gotrue-secrets"))).toBe(true);
    });

    it("draws the edges in Mermaid with the external addresses", () => {
        const mermaid = toMermaid(arch);
        const id = (name: string) => arch.nodes.find((n) => n.name === name)!.id;
        expect(mermaid.startsWith("flowchart LR")).toBe(true);
        expect(mermaid).toContain(`${CLIENTS} -->|"${cfg("kongLoadBalancerIp")}:8000, ${cfg("kongLoadBalancerIp")}:8443"| ${id("kong-lb")}`);
        expect(mermaid).toContain(`${id("kong")} -->|":8080 /pg/"| ${id("meta")}`);
        for (const e of arch.edges) expect(mermaid).toContain(`${e.from} -->|`);
    });
});

describe("edges follow the declarations", () => {
    let objects: Manifest[];
    let before: Architecture;
    const clone = () => JSON.parse(JSON.stringify(objects)) as Manifest[];
    const find = (all: Manifest[], kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata.name === name)!;
    beforeAll(async () => {
        objects = manifests(await runStack("dev"));
        before = architectureOf(objects);
    });

    it("drops Kong → meta when the /pg/ route is removed from kong.yml", () => {
        const changed = clone();
        const secret = find(changed, "Secret", "kong-config");
        const kong = parseKongYaml(secret.stringData["kong.yml"]);
        kong.services = kong.services.filter((s) => s.name !== "meta");
        secret.stringData["kong.yml"] = toKongYaml(kong);
        const after = architectureOf(changed);
        expect(edgeBetween(before, "kong", "meta")).toBeDefined();
        expect(edgeBetween(after, "kong", "meta")).toBeUndefined();
        expect(edgeBetween(after, "kong", "gotrue")).toEqual(edgeBetween(before, "kong", "gotrue"));
    });

    it("drops Studio → meta when STUDIO_PG_META_URL is removed", () => {
        const changed = clone();
        const container = find(changed, "Deployment", "studio").spec.template.spec.containers[0];
        container.env = container.env.filter((e: any) => e.name !== "STUDIO_PG_META_URL");
        expect(edgeBetween(architectureOf(changed), "studio", "meta")).toBeUndefined();
        expect(edgeBetween(architectureOf(changed), "studio", "kong")).toBeDefined();
    });

    it("drops GoTrue → PostgreSQL only when both the DB URL and the wait-for-db command are gone", () => {
        const changed = clone();
        const pod = find(changed, "Deployment", "gotrue").spec.template.spec;
        pod.containers[0].env = pod.containers[0].env.filter((e: any) => e.name !== "GOTRUE_DB_DATABASE_URL");
        const partly = edgeBetween(architectureOf(changed), "gotrue", "postgres");
        expect(partly?.evidence.some((e) => e.includes("GOTRUE_DB_DATABASE_URL"))).toBe(false);
        expect(partly?.evidence.length).toBeGreaterThan(0);
        pod.initContainers = [];
        expect(edgeBetween(architectureOf(changed), "gotrue", "postgres")).toBeUndefined();
    });

    it("drops the dashboard entry when its LoadBalancer is removed", () => {
        const changed = clone().filter((m) => !(m.kind === "Service" && m.metadata.name === "kong-dashboard-lb"));
        const after = architectureOf(changed);
        expect(after.nodes.map((n) => n.name)).not.toContain("kong-dashboard-lb");
        expect(edgeBetween(after, CLIENTS, "kong-lb")).toBeDefined();
    });

    it("reports a route to an undeclared Service instead of drawing it", () => {
        const changed = clone();
        const secret = find(changed, "Secret", "kong-config");
        const kong = parseKongYaml(secret.stringData["kong.yml"]);
        kong.services.find((s) => s.name === "storage-v1")!.url = "http://files.supabase.svc:5000/";
        secret.stringData["kong.yml"] = toKongYaml(kong);
        const after = architectureOf(changed);
        expect(edgeBetween(after, "kong", "storage")).toBeUndefined();
        expect(after.unresolved).toEqual([expect.objectContaining({ host: "files.supabase.svc:5000" })]);
    });
});

describe("npm run render", () => {
    it("writes architecture.md with the Mermaid diagram", async () => {
        const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "arch-"));
        vi.resetModules();
        const { render } = await import("../offline/render");
        const result = await render("dev", outRoot);
        const text = fs.readFileSync(path.join(outRoot, "dev", "architecture.md"), "utf8");
        expect(text).toContain("```mermaid\nflowchart LR");
        expect(text).toContain("10.89.97.214:8000");
        expect(result.reportLines.some((l) => /^Architecture: \d+ nodes, \d+ connections/.test(l))).toBe(true);
        fs.rmSync(outRoot, { recursive: true, force: true });
    });
});
