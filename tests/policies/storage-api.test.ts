import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { hasMoveHole, storageMoveGuarded } from "../../policies/rules/storage-api";
import { brokenStack, deployment, Fixture, passingStack, stackNotApplicable, stackViolations, T } from "../support/policy";

const GUARD = "pulumi-nodejs:dynamic/database:StorageMoveGuard";

/** A stack running storage-api v0.43.11 with the database move guard: passes. */
function guardedStack(): Fixture[] {
    const storage = deployment("storage", 1, 5000);
    storage.spec.template.spec.containers[0].image = "supabase/storage-api:v0.43.11";
    return [
        ...passingStack(),
        { type: T.deployment, name: "storage", props: storage },
        { type: GUARD, name: "database-storage-move-guard", props: { storageImage: "supabase/storage-api:v0.43.11" } },
    ];
}
const withoutGuard = (stack: Fixture[]) => stack.filter((f) => f.type !== GUARD);
const kongSecret = (plugins: unknown[]): Fixture => ({
    type: T.secret, name: "kong-config",
    props: {
        metadata: { name: "kong-config", namespace: "supabase" },
        stringData: {
            "kong.yml": YAML.stringify({
                _format_version: "2.1",
                services: [{ name: "storage-v1-move", url: "http://storage.supabase.svc:5000/object/move", routes: [{ name: "storage-v1-move", paths: ["/storage/v1/object/move"] }], plugins }],
            }),
        },
    },
});
const MESSAGE = "Deployment supabase/storage: container storage runs supabase/storage-api:v0.43.11, whose POST /object/move writes the destination as the service role (fixed in v0.48.3); " +
    "the stack has neither the database move guard (pulumi-nodejs:dynamic/database:StorageMoveGuard) nor a Kong route refusing /storage/v1/object/move to users";

describe("storage-move-guarded", () => {
    it("passes an affected version with the database move guard", async () => {
        expect(await stackViolations(storageMoveGuarded, guardedStack())).toEqual([]);
    });
    it("rejects the affected version once the guard is gone", async () => {
        expect(await stackViolations(storageMoveGuarded, withoutGuard(guardedStack()))).toEqual([MESSAGE]);
    });
    it("accepts a Kong route that refuses the move instead (termination, or service_role only)", async () => {
        expect(await stackViolations(storageMoveGuarded, [...withoutGuard(guardedStack()), kongSecret([{ name: "request-termination", config: { status_code: 403 } }])])).toEqual([]);
        expect(await stackViolations(storageMoveGuarded, [...withoutGuard(guardedStack()), kongSecret([{ name: "key-auth" }, { name: "acl", config: { allow: ["admin"] } }])])).toEqual([]);
        expect(await stackViolations(storageMoveGuarded, [...withoutGuard(guardedStack()), kongSecret([{ name: "key-auth" }, { name: "acl", config: { allow: ["admin", "anon"] } }])])).toEqual([MESSAGE]);
    });
    it("does not apply to a fixed version", async () => {
        const fixed = brokenStack(withoutGuard(guardedStack()), "storage", (p) => (p.spec.template.spec.containers[0].image = "supabase/storage-api:v0.48.3"));
        expect(await stackNotApplicable(storageMoveGuarded, fixed)).toBe(true);
    });
    it("reads versions: before v0.48.3 and unreadable tags are affected", () => {
        expect([hasMoveHole("v0.43.11", "0.48.3"), hasMoveHole("v0.48.2", "0.48.3"), hasMoveHole("v0.48.3", "0.48.3"), hasMoveHole("v1.0.0", "0.48.3"), hasMoveHole(undefined, "0.48.3"), hasMoveHole("main", "0.48.3")])
            .toEqual([true, true, false, false, true, true]);
    });
});
