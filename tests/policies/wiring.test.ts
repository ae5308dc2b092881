import { describe, expect, it } from "vitest";
import { probePortsExist, selectorMatchesTemplate, serviceSelectsPods, statefulSetHeadlessService } from "../../policies/rules/wiring";
import { broken, brokenStack, deployment, passingStack, resourceViolations, stackViolations, T } from "../support/policy";

const c0 = (p: any) => p.spec.template.spec.containers[0];

describe("statefulset-headless-service", () => {
    it("passes a headless governing Service", async () => {
        expect(await stackViolations(statefulSetHeadlessService, passingStack())).toEqual([]);
    });
    it("rejects a missing serviceName", async () => {
        expect(await stackViolations(statefulSetHeadlessService, brokenStack(passingStack(), "postgres", (p) => delete p.spec.serviceName)))
            .toEqual(["StatefulSet supabase/postgres: spec.serviceName is not set"]);
    });
    it("rejects a governing Service with a cluster IP", async () => {
        expect(await stackViolations(statefulSetHeadlessService, brokenStack(passingStack(), "postgres-headless", (p) => delete p.spec.clusterIP)))
            .toEqual(["StatefulSet supabase/postgres: Service postgres-headless is not headless (clusterIP: None)"]);
    });
    it("rejects a name that is no Service", async () => {
        expect(await stackViolations(statefulSetHeadlessService, brokenStack(passingStack(), "postgres", (p) => (p.spec.serviceName = "pg"))))
            .toEqual(["StatefulSet supabase/postgres: serviceName pg is not a Service of this stack in supabase"]);
    });
});

describe("service-selects-pods", () => {
    it("passes Services that select pods by named ports", async () => {
        expect(await stackViolations(serviceSelectsPods, passingStack())).toEqual([]);
    });
    it("rejects a selector typo", async () => {
        expect(await stackViolations(serviceSelectsPods, brokenStack(passingStack(), "api-svc", (p) => (p.spec.selector["app.kubernetes.io/name"] = "apii"))))
            .toEqual(['Service supabase/api: selector {"app.kubernetes.io/name":"apii","app.kubernetes.io/instance":"api"} matches no pod of the stack']);
    });
    it("rejects a targetPort name the pods do not have", async () => {
        expect(await stackViolations(serviceSelectsPods, brokenStack(passingStack(), "api-svc", (p) => (p.spec.ports[0].targetPort = "web"))))
            .toEqual(["Service supabase/api: targetPort web is not a port of Deployment supabase/api"]);
    });
    it("rejects a Service in another namespace than its pods", async () => {
        expect(await stackViolations(serviceSelectsPods, brokenStack(passingStack(), "api-svc", (p) => (p.metadata.namespace = "other")))).toHaveLength(1);
    });
});

describe("probe-ports-exist", () => {
    it("passes named and numbered probe ports the container declares", async () => {
        expect(await resourceViolations(probePortsExist, T.deployment, deployment())).toEqual([]);
        expect(await resourceViolations(probePortsExist, T.deployment, broken(deployment(), (p) => (c0(p).livenessProbe = { tcpSocket: { port: 8080 } })))).toEqual([]);
    });
    it("rejects a probe on an undeclared port", async () => {
        expect(await resourceViolations(probePortsExist, T.deployment, broken(deployment(), (p) => (c0(p).readinessProbe.httpGet.port = "admin"))))
            .toEqual(["Deployment supabase/api: container api readinessProbe targets port admin, which the container does not declare"]);
        expect(await resourceViolations(probePortsExist, T.deployment, broken(deployment(), (p) => (c0(p).livenessProbe = { tcpSocket: { port: 9000 } })))).toHaveLength(1);
    });
});

describe("selector-matches-template", () => {
    it("passes and rejects a mismatch", async () => {
        expect(await resourceViolations(selectorMatchesTemplate, T.deployment, deployment())).toEqual([]);
        expect(await resourceViolations(selectorMatchesTemplate, T.deployment, broken(deployment(), (p) => (p.spec.template.metadata.labels["app.kubernetes.io/instance"] = "x"))))
            .toEqual(["Deployment supabase/api: selector does not match the pod template labels"]);
    });
});
