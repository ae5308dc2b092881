import { describe, expect, it } from "vitest";
import { databaseVolumeLonghorn } from "../../policies/rules/storage";
import { brokenStack, passingStack, stackNotApplicable, stackViolations, T } from "../support/policy";

const SC = "longhorn-db";
const where = "StatefulSet supabase/postgres: claim postgres-data → StorageClass longhorn-db";

describe("database-volume-longhorn", () => {
    it("passes a replicated, retained, expandable Longhorn class", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, passingStack())).toEqual([]);
    });
    it("rejects a single replica", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), SC, (p) => (p.parameters.numberOfReplicas = "1"))))
            .toEqual([`${where}: numberOfReplicas is 1, needs ≥ 2`]);
    });
    it("rejects reclaimPolicy Delete", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), SC, (p) => (p.reclaimPolicy = "Delete"))))
            .toEqual([`${where}: reclaimPolicy is Delete, needs Retain`]);
    });
    it("rejects a class without expansion", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), SC, (p) => delete p.allowVolumeExpansion)))
            .toEqual([`${where}: allowVolumeExpansion must be true`]);
    });
    it("rejects strict-local with one instance", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), SC, (p) => (p.parameters.dataLocality = "strict-local"))))
            .toEqual([`${where}: dataLocality strict-local pins the only database copy to one node; use best-effort`]);
    });
    it("rejects another provisioner", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), SC, (p) => (p.provisioner = "rancher.io/local-path"))))
            .toEqual([`${where}: provisioner is rancher.io/local-path, not driver.longhorn.io`]);
    });
    it("rejects an unmanaged class unless it is vouched for with a reason", async () => {
        const stack = passingStack().filter((f) => f.type !== T.storageClass);
        expect(await stackViolations(databaseVolumeLonghorn, stack)).toEqual([
            "StatefulSet supabase/postgres: claim postgres-data uses StorageClass longhorn-db, which this stack does not manage; create it (createStorageClass) or list it in trustedStorageClasses with a reason",
        ]);
        expect(await stackViolations(databaseVolumeLonghorn, stack, { trustedStorageClasses: { [SC]: { reason: "managed by the cluster repo, 3 replicas" } } })).toEqual([]);
    });
    it("rejects a claim without a class", async () => {
        expect(await stackViolations(databaseVolumeLonghorn, brokenStack(passingStack(), "postgres", (p) => delete p.spec.volumeClaimTemplates[0].spec.storageClassName)))
            .toEqual(["StatefulSet supabase/postgres: claim postgres-data names no storageClassName (the cluster default is unchecked)"]);
    });
    it("does not apply without a database", async () => {
        expect(await stackNotApplicable(databaseVolumeLonghorn, passingStack().filter((f) => f.name !== "postgres"))).toBe(true);
    });
});
