import { describe, expect, it } from "vitest";
import { dedicatedServiceAccount, serviceAccountTokenNotMounted } from "../../policies/rules/service-accounts";
import { broken, brokenStack, deployment, passingStack, resourceViolations, serviceAccount, stackViolations, T } from "../support/policy";

const pod = (p: any) => p.spec.template.spec;

describe("dedicated-service-account", () => {
    it("passes one account per workload", async () => {
        expect(await stackViolations(dedicatedServiceAccount, passingStack())).toEqual([]);
    });
    it("rejects the default account", async () => {
        expect(await stackViolations(dedicatedServiceAccount, brokenStack(passingStack(), "api", (p) => delete pod(p).serviceAccountName)))
            .toEqual(["Deployment supabase/api: runs as the namespace's default ServiceAccount"]);
    });
    it("rejects an account the stack does not create", async () => {
        expect(await stackViolations(dedicatedServiceAccount, passingStack().filter((f) => f.name !== "api-sa")))
            .toEqual(["Deployment supabase/api: ServiceAccount api is not created by this stack in supabase"]);
    });
    it("rejects a shared account", async () => {
        expect(await stackViolations(dedicatedServiceAccount, brokenStack(passingStack(), "postgres", (p) => (pod(p).serviceAccountName = "api"))))
            .toEqual(["ServiceAccount supabase/api is shared by Deployment supabase/api, StatefulSet supabase/postgres"]);
    });
});

describe("service-account-token-not-mounted", () => {
    it("passes accounts and pods that opt out", async () => {
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.serviceAccount, serviceAccount("api"))).toEqual([]);
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.deployment, deployment())).toEqual([]);
    });
    it("rejects an account that mounts its token", async () => {
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.serviceAccount, broken(serviceAccount("api"), (p) => delete p.automountServiceAccountToken)))
            .toEqual(["ServiceAccount supabase/api: set automountServiceAccountToken: false"]);
    });
    it("rejects a pod that mounts it, unless the workload is listed with a reason", async () => {
        const props = broken(deployment(), (p) => (pod(p).automountServiceAccountToken = true));
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.deployment, props)).toHaveLength(1);
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.deployment, props, { tokenAllowed: { api: { reason: "reads Leases" } } })).toEqual([]);
        expect(await resourceViolations(serviceAccountTokenNotMounted, T.deployment, props, { tokenAllowed: { api: { reason: "" } } })).toHaveLength(1);
    });
});
