// The PostgreSQL major guard: the major read from the image tag, the refusal at preview (the
// provider's check, what the real engine runs before any step), the opt-in, and where each major
// keeps its data directory. tests/engine shows the refusal on a real stack with state.
import { describe, expect, it } from "vitest";
import { dataSubPath, MAJOR_UPGRADE_RUNBOOK, majorChangeProblem, majorGuardProvider, postgresMajorOf } from "../components/database/major-guard";
import { findManifest, resourcesOfType, runStack } from "./support/program";

const seed = { major: 15, image: "supabase/postgres:15.1.1.78", allowUpgrade: false };
const next = { major: 17, image: "supabase/postgres:17.6.1.136", allowUpgrade: false };

describe("postgresMajorOf", () => {
    it("reads the major from supabase/postgres tags, with a registry host or digest", () => {
        expect(postgresMajorOf("supabase/postgres:15.1.1.78")).toBe(15);
        expect(postgresMajorOf("registry.local:5000/supabase/postgres:17.6.1.136@sha256:" + "a".repeat(64))).toBe(17);
        expect(postgresMajorOf("supabase/postgres:15.8.1.085")).toBe(15);
    });
    it("refuses a tag that does not start with the server version", () => {
        expect(() => postgresMajorOf("supabase/postgres:latest")).toThrow("postgresImage: cannot tell the PostgreSQL major of 'supabase/postgres:latest'");
    });
});

describe("majorChangeProblem", () => {
    it("lets a new stack, the same major and a patch bump go ahead", () => {
        expect(majorChangeProblem(undefined, next)).toBeUndefined();
        expect(majorChangeProblem({}, next)).toBeUndefined();
        expect(majorChangeProblem(seed, { ...seed, image: "supabase/postgres:15.8.1.085" })).toBeUndefined();
    });
    it("refuses 15 → 17 with the volume's major, both images and the runbook", () => {
        expect(majorChangeProblem(seed, next)).toBe(
            "the database was created on PostgreSQL 15 (supabase/postgres:15.1.1.78); this change would start PostgreSQL 17 (supabase/postgres:17.6.1.136) on it, a major upgrade the server refuses. "
            + "If this stack never set `release`, it was created when the default was seed and the new default (v0.8.2) is what changed: `pulumi config set release seed` keeps it on the image set it runs. "
            + `Keep release and postgresImage on PostgreSQL 15, or follow ${MAJOR_UPGRADE_RUNBOOK}: take a dump first, then set allowPostgresMajorUpgrade=true for the run that switches.`,
        );
        expect(majorChangeProblem(next, seed)).toMatch(/a major downgrade the server refuses/);
    });
    it("explains the old default only where it applies: seed's major to v0.8.2's", () => {
        expect(majorChangeProblem(next, seed)).not.toMatch(/never set `release`/);
        expect(majorChangeProblem(seed, { ...next, major: 16, image: "supabase/postgres:16.4.1.1" })).not.toMatch(/never set `release`/);
    });
    it("refuses a stack that kept the old default: its file sets no release, so the program now asks for v0.8.2's major", async () => {
        // fresh: the shared runs are keyed by their overrides as JSON, where an undefined one vanishes.
        const run = await runStack("dev", { overrides: { release: undefined }, fresh: true });
        const guard = resourcesOfType(run, "pulumi-nodejs:dynamic/database:PostgresMajorGuard")[0];
        const problem = majorChangeProblem(seed, guard.inputs as typeof next);
        expect(problem).toMatch(/created when the default was seed/);
        expect(problem).toContain("pulumi config set release seed");
    });
    it("lets the change through with allowPostgresMajorUpgrade", () => {
        expect(majorChangeProblem(seed, { ...next, allowUpgrade: true })).toBeUndefined();
    });
    it("is what the provider's check reports, on the property major", async () => {
        expect(await majorGuardProvider.check!(seed, next)).toEqual({ inputs: next, failures: [{ property: "major", reason: majorChangeProblem(seed, next) }] });
        expect((await majorGuardProvider.diff!("id", seed, { ...next, allowUpgrade: true }))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });
});

describe("the guard in the program", () => {
    it("records the major of each release and orders the database after it", async () => {
        for (const [release, major] of [["seed", 15], ["v0.8.2", 17]] as const) {
            const run = await runStack("dev", { overrides: { release } });
            const [guard] = resourcesOfType(run, "pulumi-nodejs:dynamic/database:PostgresMajorGuard");
            expect(guard.inputs).toMatchObject({ major, allowUpgrade: false });
            const sts = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "postgres")!;
            expect(sts.dependencies).toContain(guard.urn);
            const mount = findManifest(run, "StatefulSet", "postgres").spec.template.spec.containers[0].volumeMounts.find((m: any) => m.mountPath === "/var/lib/postgresql/data");
            expect(mount.subPath).toBe(dataSubPath(major));
        }
    });
    it("keeps the seed's data path, and gives another major a directory of its own beside it", () => {
        expect(dataSubPath(15)).toBe("pgdata");
        expect(dataSubPath(17)).toBe("pgdata-17");
    });
});
