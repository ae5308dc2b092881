import { describe, expect, it } from "vitest";
import { internalServicesNotExposed, loadBalancerAllowlist, loadBalancerNodePorts, metallbIpRequest, noNodePort } from "../../policies/rules/exposure";
import { broken, deployment, Fixture, isNotApplicable, passingStack, resourceViolations, service, stackViolations, T } from "../support/policy";

const lb = (app: string, port: number, extra: any = {}) => service(app, port, {
    metadata: { name: `${app}-lb`, annotations: { "metallb.io/loadBalancerIPs": "10.0.0.10" } },
    spec: { type: "LoadBalancer", allocateLoadBalancerNodePorts: false, ...extra },
});

function withGateway(): Fixture[] {
    return [
        ...passingStack(),
        { type: T.deployment, name: "kong", props: deployment("kong", 2, 8000) },
        { type: T.deployment, name: "studio", props: deployment("studio", 1, 3000) },
        { type: T.service, name: "kong-lb", props: lb("kong", 8000) },
    ];
}

describe("load-balancer-allowlist", () => {
    it("passes a LoadBalancer in front of Kong", async () => {
        expect(await stackViolations(loadBalancerAllowlist, withGateway())).toEqual([]);
    });
    it("rejects a LoadBalancer in front of another app", async () => {
        expect(await stackViolations(loadBalancerAllowlist, [...withGateway(), { type: T.service, name: "api-lb", props: lb("api", 80) }]))
            .toEqual(["Service supabase/api-lb: LoadBalancer exposes api; only kong (and source-restricted postgres) may be LoadBalancers"]);
    });
    it("rejects a selector broad enough to reach other pods too", async () => {
        const wide = broken(lb("kong", 8000), (p) => (p.spec.selector = { "app.kubernetes.io/part-of": "supabase" }));
        const stack = withGateway().map((f) => (f.type === T.deployment ? { ...f, props: broken(f.props, (p) => (p.spec.template.metadata.labels["app.kubernetes.io/part-of"] = "supabase")) } : f));
        const messages = await stackViolations(loadBalancerAllowlist, [...stack, { type: T.service, name: "wide", props: wide }]);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(/LoadBalancer exposes api, kong, studio;/);
    });
    it("passes the database admin endpoint only with closed source ranges", async () => {
        const admin = lb("postgres", 5432, { loadBalancerSourceRanges: ["192.168.10.0/24"] });
        expect(await stackViolations(loadBalancerAllowlist, [...withGateway(), { type: T.service, name: "admin", props: admin }])).toEqual([]);
        expect(await stackViolations(loadBalancerAllowlist, [...withGateway(), { type: T.service, name: "admin", props: broken(admin, (p) => delete p.spec.loadBalancerSourceRanges) }]))
            .toEqual(["Service supabase/postgres-lb: the admin LoadBalancer for postgres must set loadBalancerSourceRanges"]);
        expect(await stackViolations(loadBalancerAllowlist, [...withGateway(), { type: T.service, name: "admin", props: broken(admin, (p) => p.spec.loadBalancerSourceRanges.push("0.0.0.0/0")) }]))
            .toEqual(["Service supabase/postgres-lb: loadBalancerSourceRanges 0.0.0.0/0 is open to everyone"]);
    });
});

describe("metallb-ip-request", () => {
    it("passes the metallb.io annotation and skips ClusterIP Services", async () => {
        expect(await resourceViolations(metallbIpRequest, T.service, lb("kong", 8000))).toEqual([]);
        expect(await isNotApplicable(metallbIpRequest, T.service, service("api", 80))).toBe(true);
    });
    it("rejects spec.loadBalancerIP", async () => {
        expect(await resourceViolations(metallbIpRequest, T.service, broken(lb("kong", 8000), (p) => (p.spec.loadBalancerIP = "10.0.0.10"))))
            .toEqual(["Service supabase/kong-lb: spec.loadBalancerIP is deprecated; use the metallb.io/loadBalancerIPs annotation"]);
    });
    it("rejects the metallb.universe.tf prefix", async () => {
        const props = broken(lb("kong", 8000), (p) => (p.metadata.annotations = { "metallb.universe.tf/loadBalancerIPs": "10.0.0.10" }));
        expect(await resourceViolations(metallbIpRequest, T.service, props)).toEqual([
            "Service supabase/kong-lb: annotation metallb.universe.tf/loadBalancerIPs is deprecated; use metallb.io/loadBalancerIPs",
            "Service supabase/kong-lb: requests no IP; set metallb.io/loadBalancerIPs",
        ]);
    });
});

describe("no-node-port", () => {
    it("passes ClusterIP", async () => expect(await resourceViolations(noNodePort, T.service, service("api", 80))).toEqual([]));
    it("rejects NodePort", async () => {
        expect(await resourceViolations(noNodePort, T.service, broken(service("api", 80), (p) => (p.spec.type = "NodePort"))))
            .toEqual(["Service supabase/api: type NodePort exposes the Service on every node"]);
    });
    it("rejects a pinned nodePort", async () => {
        expect(await resourceViolations(noNodePort, T.service, broken(lb("kong", 8000), (p) => (p.spec.ports[0].nodePort = 30080)))).toEqual(["Service supabase/kong-lb: port http pins nodePort 30080"]);
    });
});

describe("load-balancer-node-ports (advisory)", () => {
    it("flags node-port allocation on a LoadBalancer", async () => {
        expect(loadBalancerNodePorts.enforcementLevel).toBe("advisory");
        expect(await resourceViolations(loadBalancerNodePorts, T.service, lb("kong", 8000))).toEqual([]);
        expect(await resourceViolations(loadBalancerNodePorts, T.service, broken(lb("kong", 8000), (p) => delete p.spec.allocateLoadBalancerNodePorts))).toHaveLength(1);
    });
});

describe("internal-services-not-exposed", () => {
    const studioSvc = (): Fixture => ({ type: T.service, name: "studio-svc", props: service("studio", 3000) });
    it("passes ClusterIP Studio", async () => {
        expect(await stackViolations(internalServicesNotExposed, [...withGateway(), studioSvc()])).toEqual([]);
    });
    it("rejects a NodePort onto Studio", async () => {
        const np = broken(service("studio", 3000), (p) => (p.spec.type = "NodePort"));
        expect(await stackViolations(internalServicesNotExposed, [...withGateway(), { type: T.service, name: "studio-svc", props: np }]))
            .toEqual(["Service supabase/studio: NodePort exposes studio directly; keep it ClusterIP behind Kong"]);
    });
    it("rejects a LoadBalancer onto meta", async () => {
        const stack = [...withGateway(), { type: T.deployment, name: "meta", props: deployment("meta", 1, 8080) }, { type: T.service, name: "meta-lb", props: lb("meta", 8080) }];
        expect(await stackViolations(internalServicesNotExposed, stack)).toEqual(["Service supabase/meta-lb: LoadBalancer exposes meta directly; keep it ClusterIP behind Kong"]);
    });
    it("rejects an Ingress backend pointing at Studio", async () => {
        const ingress = { metadata: { name: "studio", namespace: "supabase" }, spec: { rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "studio", port: { number: 3000 } } } }] } }] } };
        expect(await stackViolations(internalServicesNotExposed, [...withGateway(), studioSvc(), { type: T.ingress, name: "studio-ing", props: ingress }]))
            .toEqual(["Ingress supabase/studio: routes to studio (studio) around Kong"]);
    });
});
