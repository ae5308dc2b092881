import { describe, expect, it } from "vitest";
import { namespacePodSecurity, podSecurityRestricted, readOnlyRootFilesystem } from "../../policies/rules/pod-security";
import { broken, databaseStatefulSet, deployment, isNotApplicable, resourceViolations, T } from "../support/policy";

const c0 = (p: any) => p.spec.template.spec.containers[0];
const sc = (p: any) => c0(p).securityContext;

describe("pod-security-restricted", () => {
    it("passes a restricted Deployment and ignores non-workloads", async () => {
        expect(await resourceViolations(podSecurityRestricted, T.deployment, deployment())).toEqual([]);
        expect(await isNotApplicable(podSecurityRestricted, T.configMap, { data: {} })).toBe(true);
    });

    const cases: [string, (p: any) => void, RegExp][] = [
        ["privilege escalation left unset", (p) => delete sc(p).allowPrivilegeEscalation, /allowPrivilegeEscalation: false \[allowPrivilegeEscalation\]/],
        ["running as root", (p) => { delete sc(p).runAsNonRoot; delete p.spec.template.spec.securityContext.runAsNonRoot; }, /\[runAsNonRoot\]/],
        ["runAsUser 0", (p) => (sc(p).runAsUser = 0), /runAsUser is 0 \[runAsUser\]/],
        ["capabilities not dropped", (p) => (sc(p).capabilities = {}), /drop ALL.*\[capabilities\]/],
        ["an added capability", (p) => (sc(p).capabilities.add = ["CHOWN"]), /adds CHOWN.*\[capabilities\]/],
        ["NET_RAW added", (p) => (sc(p).capabilities.add = ["NET_RAW"]), /not even baseline/],
        ["seccomp Unconfined", (p) => (sc(p).seccompProfile = { type: "Unconfined" }), /\[seccompProfile\]/],
        ["host network", (p) => (p.spec.template.spec.hostNetwork = true), /hostNetwork is true \[hostNamespaces\]/],
        ["host PID", (p) => (p.spec.template.spec.hostPID = true), /hostPID is true/],
        ["a hostPath volume", (p) => p.spec.template.spec.volumes.push({ name: "h", hostPath: { path: "/" } }), /\[hostPathVolumes\]/],
        ["an nfs volume", (p) => p.spec.template.spec.volumes.push({ name: "n", nfs: { server: "x", path: "/" } }), /type nfs.*\[restrictedVolumes\]/],
        ["a host port", (p) => (c0(p).ports[0].hostPort = 8080), /hostPort 8080 \[hostPorts\]/],
        ["a privileged container", (p) => (sc(p).privileged = true), /is privileged \[privileged\]/],
        ["an unsafe sysctl", (p) => (p.spec.template.spec.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]), /\[sysctls\]/],
        ["an init container without the context", (p) => (p.spec.template.spec.initContainers = [{ name: "init", image: "x:1" }]), /container init must set allowPrivilegeEscalation/],
    ];
    for (const [what, edit, expected] of cases) {
        it(`rejects ${what}`, async () => {
            const messages = await resourceViolations(podSecurityRestricted, T.deployment, broken(deployment(), edit));
            expect(messages.some((m) => expected.test(m)), messages.join("\n")).toBe(true);
        });
    }

    it("accepts a container without seccomp when the pod sets it", async () => {
        const props = broken(deployment(), (p) => delete sc(p).seccompProfile);
        expect(await resourceViolations(podSecurityRestricted, T.deployment, props)).toEqual([]);
    });

    it("honours the documented database exemption by default, and only for its capabilities", async () => {
        const db = broken(databaseStatefulSet(), (p) => {
            delete p.spec.template.spec.securityContext.runAsNonRoot;
            sc(p).runAsNonRoot = undefined;
            delete sc(p).runAsUser;
            sc(p).capabilities = { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] };
        });
        expect(await resourceViolations(podSecurityRestricted, T.statefulSet, db)).toEqual([]);
        const more = broken(db, (p) => sc(p).capabilities.add.push("KILL"));
        expect(await resourceViolations(podSecurityRestricted, T.statefulSet, more)).toEqual([
            "StatefulSet supabase/postgres: container postgres adds KILL (restricted allows only NET_BIND_SERVICE) [capabilities]",
        ]);
        // The same pod under another name gets no exemption.
        const renamed = broken(db, (p) => (p.metadata.name = "other-db"));
        expect((await resourceViolations(podSecurityRestricted, T.statefulSet, renamed)).length).toBeGreaterThan(0);
    });

    it("refuses an exemption without a reason", async () => {
        const props = broken(deployment(), (p) => delete sc(p).runAsNonRoot && delete p.spec.template.spec.securityContext.runAsNonRoot);
        const messages = await resourceViolations(podSecurityRestricted, T.deployment, props, { exemptions: { api: { controls: ["runAsNonRoot"], reason: " " } } });
        expect(messages).toContain("Deployment supabase/api: the PSS exemption in policy config has no reason, so it is not honoured");
        expect(messages.some((m) => m.endsWith("[runAsNonRoot]"))).toBe(true);
    });

    it("checks CronJob pod templates", async () => {
        const template = deployment().spec.template;
        const cron = { metadata: { name: "job", namespace: "supabase" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } } };
        expect(await resourceViolations(podSecurityRestricted, T.cronJob, cron)).toEqual([]);
        const bad = broken(cron, (p) => (p.spec.jobTemplate.spec.template.spec.hostIPC = true));
        expect(await resourceViolations(podSecurityRestricted, T.cronJob, bad)).toEqual(["CronJob supabase/job: hostIPC is true [hostNamespaces]"]);
    });
});

describe("namespace-pod-security", () => {
    const ns = () => ({
        metadata: {
            name: "supabase",
            labels: {
                "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.30",
                "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "v1.30",
                "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.30",
            },
        },
    });
    it("passes baseline enforce (documented) with restricted audit/warn", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, ns())).toEqual([]);
    });
    it("rejects a missing enforce label", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, broken(ns(), (p) => delete p.metadata.labels["pod-security.kubernetes.io/enforce"])))
            .toEqual(["Namespace supabase: pod-security.kubernetes.io/enforce is unset, must be baseline or restricted"]);
    });
    it("rejects privileged enforce", async () => {
        const messages = await resourceViolations(namespacePodSecurity, T.namespace, broken(ns(), (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")));
        expect(messages).toHaveLength(1);
    });
    it("rejects warn below restricted", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, broken(ns(), (p) => (p.metadata.labels["pod-security.kubernetes.io/warn"] = "baseline"))))
            .toEqual(["Namespace supabase: pod-security.kubernetes.io/warn must be restricted"]);
    });
    it("rejects an unpinned version", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, broken(ns(), (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce-version"] = "latest"))))
            .toEqual(["Namespace supabase: pod-security.kubernetes.io/enforce-version must pin a Kubernetes minor (v1.NN), is latest"]);
    });
    it("requires restricted enforce when config asks for it", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, ns(), { minimumEnforce: "restricted" })).toHaveLength(1);
    });
    it("skips the documented system namespaces", async () => {
        expect(await resourceViolations(namespacePodSecurity, T.namespace, { metadata: { name: "metallb-system", labels: {} } })).toEqual([]);
    });
});

describe("read-only-root-filesystem", () => {
    it("passes a read-only container", async () => {
        expect(await resourceViolations(readOnlyRootFilesystem, T.deployment, deployment())).toEqual([]);
    });
    it("rejects a writable root", async () => {
        expect(await resourceViolations(readOnlyRootFilesystem, T.deployment, broken(deployment(), (p) => (sc(p).readOnlyRootFilesystem = false))))
            .toEqual(["Deployment supabase/api: container api must set readOnlyRootFilesystem: true (mount an emptyDir where it writes)"]);
    });
    it("waives the database by default", async () => {
        expect(await resourceViolations(readOnlyRootFilesystem, T.statefulSet, broken(databaseStatefulSet(), (p) => delete sc(p).readOnlyRootFilesystem))).toEqual([]);
    });
});
