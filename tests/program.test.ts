// The whole program under the mock engine, on every stack file: schema validity, the database,
// the cluster prerequisites, and that a second run declares the same resources.
import { beforeAll, describe, expect, it } from "vitest";
import { RELEASES } from "../releases";
import { ProgramRun } from "../offline/engine";
import { configReader, stackNames } from "../offline/stack-config";
import { validateManifest } from "./support/k8s-schema";
import { findManifest, manifests, runStack } from "./support/program";
import { INIT_SCRIPTS } from "../components/services/postgres/env";

const STACKS = stackNames();

it("has a dev and a prod stack file, both exercised below", () => {
    expect(STACKS).toEqual(expect.arrayContaining(["dev", "prod"]));
});

describe.each(STACKS)("stack %s", (stack) => {
    let run: ProgramRun;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        run = await runStack(stack);
        cfg = configReader(stack);
    });

    it("validates every Kubernetes object against the upstream schema", () => {
        const all = manifests(run);
        expect(all.length).toBeGreaterThan(10);
        const checkedBy = all.map((m) => validateManifest(m));
        expect(checkedBy.filter((c) => c === "upstream").length).toBeGreaterThan(all.length / 2);
    });

    it("creates the namespace with Pod Security Standards labels", () => {
        const ns = findManifest(run, "Namespace", cfg("namespace")!);
        expect(ns.metadata.labels).toMatchObject({
            "pod-security.kubernetes.io/enforce": "baseline",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
        });
        expect(ns.metadata.labels!["pod-security.kubernetes.io/enforce-version"]).toMatch(/^v1\.\d+$/);
    });

    it("runs PostgreSQL as a StatefulSet on the Longhorn class with persisted custom config", () => {
        const sts = findManifest(run, "StatefulSet", "postgres");
        expect(sts.spec.replicas).toBe(1);
        expect(sts.spec.serviceName).toBe("postgres-headless");
        const claims = Object.fromEntries(sts.spec.volumeClaimTemplates.map((c: any) => [c.metadata.name, c.spec]));
        expect(claims["postgres-data"].storageClassName).toBe(cfg("storageClassName"));
        expect(claims["postgres-data"].resources.requests.storage).toBe(cfg("postgresVolumeSize"));
        const container = sts.spec.template.spec.containers[0];
        expect(container.image).toBe(cfg("postgresImage") || RELEASES.seed.images.postgres);
        const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
        expect(mounts["/etc/postgresql-custom"]).toBe("postgres-config");
        expect(mounts["/var/lib/postgresql/data"]).toBe("postgres-data");
        expect(mounts["/docker-entrypoint-initdb.d/init-scripts/99-roles.sql"]).toBe("init-scripts");
        expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    });

    it("probes PostgreSQL with pg_isready: startup, readiness and a different liveness", () => {
        const container = findManifest(run, "StatefulSet", "postgres").spec.template.spec.containers[0];
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            expect(container[probe].exec.command[0]).toBe("pg_isready");
        }
        expect(container.livenessProbe).not.toEqual(container.readinessProbe);
        expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(600);
        expect(container.resources.requests.memory).toBeDefined();
        expect(container.resources.limits.memory).toBe(container.resources.requests.memory);
    });

    it("keeps the init SQL free of secrets: values come from the environment", () => {
        const cm = findManifest(run, "ConfigMap", "postgres-init-scripts");
        expect(cm.data).toEqual(INIT_SCRIPTS);
        expect(cm.data["99-roles.sql"]).toContain('`echo "$PGPASSWORD"`');
        const env = findManifest(run, "StatefulSet", "postgres").spec.template.spec.containers[0].env;
        const pgpass = env.find((e: any) => e.name === "PGPASSWORD");
        expect(pgpass.valueFrom.secretKeyRef).toEqual({ name: "postgres-secrets", key: "POSTGRES_PASSWORD" });
    });

    it("serves PostgreSQL through a headless and a ClusterIP Service on 5432", () => {
        const headless = findManifest(run, "Service", "postgres-headless");
        const clusterIp = findManifest(run, "Service", "postgres");
        expect(headless.spec.clusterIP).toBe("None");
        expect(clusterIp.spec.type).toBe("ClusterIP");
        for (const svc of [headless, clusterIp]) expect(svc.spec.ports[0].port).toBe(5432);
        expect(clusterIp.spec.selector).toEqual(findManifest(run, "StatefulSet", "postgres").spec.selector.matchLabels);
    });

    it("creates the Longhorn StorageClass when asked", () => {
        const sc = findManifest(run, "StorageClass", cfg("storageClassName")!);
        expect(sc.provisioner).toBe("driver.longhorn.io");
        expect(sc.parameters).toMatchObject({ numberOfReplicas: cfg("longhornReplicas"), dataLocality: "best-effort" });
        expect(sc.reclaimPolicy).toBe("Retain");
        expect(sc.allowVolumeExpansion).toBe(true);
    });

    it("creates a MetalLB pool with exactly the platform's IPs, and its L2 advertisement", () => {
        const pool = manifests(run).find((m) => m.kind === "IPAddressPool")!;
        expect(pool.apiVersion).toBe("metallb.io/v1beta1");
        expect(pool.metadata.namespace).toBe("metallb-system");
        expect(pool.spec.addresses.sort()).toEqual([`${cfg("kongLoadBalancerIp")}/32`, `${cfg("studioLoadBalancerIp")}/32`].sort());
        expect(pool.spec.autoAssign).toBe(false);
        const l2 = manifests(run).find((m) => m.kind === "L2Advertisement")!;
        expect(l2.spec.ipAddressPools).toEqual([pool.metadata.name]);
    });

    it("keeps secretness on Secrets only, so `pulumi preview` shows every other object's diff", () => {
        // A secret nested anywhere in an input makes the whole top-level property secret (and its
        // diff hidden); only Secret data and the database layer's connection inputs may be.
        const secretOutside = run.resources
            .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:core/v1:Secret" && r.secretInputs.length > 0)
            .map((r) => `${r.type} ${r.name}: ${r.secretInputs.join(", ")}`);
        expect(secretOutside).toEqual([]);
        const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
        expect(secrets.length).toBeGreaterThan(5);
        for (const secret of secrets) expect(secret.secretInputs, secret.name).toContain("stringData");
    });

    it("declares the same resources on a second run", async () => {
        const again = await runStack(stack, { fresh: true });
        // Dynamic resources register once their provider is serialized (asynchronously), so the
        // registration order may vary; the set of resources and their inputs may not.
        const shape = (r: ProgramRun) => r.resources.map((x) => ({ urn: x.urn, inputs: x.inputs })).sort((a, b) => a.urn.localeCompare(b.urn));
        expect(new Set(again.resources.map((x) => x.urn)).size).toBe(again.resources.length);
        expect(shape(again)).toEqual(shape(run));
    });
});

describe("optional cluster prerequisites", () => {
    it("creates neither StorageClass nor MetalLB objects when they are managed elsewhere", async () => {
        const run = await runStack("dev", { overrides: { createStorageClass: false, createMetallbPool: false } });
        const kinds = manifests(run).map((m) => m.kind);
        expect(kinds).not.toContain("StorageClass");
        expect(kinds).not.toContain("IPAddressPool");
        expect(findManifest(run, "StatefulSet", "postgres").spec.volumeClaimTemplates[0].spec.storageClassName).toBe("longhorn-supabase");
    });
});
