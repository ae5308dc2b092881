// Exposure: only the gateway gets a LoadBalancer IP (plus the opt-in database admin endpoint, which
// must be source-restricted), IPs are requested the current MetalLB way, no NodePorts, and the
// unauthenticated internals (Studio, postgres-meta) are never reachable around Kong.
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { appOf, configOf, label, Obj, requireType, resourcesOfType, selectedByMap, T, WorkloadView, workloadsOf } from "./util";

const serviceLabel = (props: Obj, fallback: string) => label("Service", props.metadata?.namespace ?? "default", props.metadata?.name ?? fallback);

/** Apps a Service routes to: its selected workloads, else the name label of its selector. */
function targetApps(svc: PolicyResource, workloads: WorkloadView[]): string[] {
    const ns = svc.props.metadata?.namespace ?? "default";
    const selector: Record<string, string> | undefined = svc.props.spec?.selector;
    const selected = selectedByMap(workloads, ns, selector);
    if (selected.length) return [...new Set(selected.map(appOf))];
    const named = selector?.["app.kubernetes.io/name"] ?? selector?.app;
    return named ? [named] : [];
}

/** True for a CIDR that admits every address. */
export function isOpenCidr(cidr: string): boolean {
    const [, bits] = cidr.trim().split("/");
    return bits === undefined ? false : Number(bits) === 0;
}

export interface LoadBalancerConfig {
    /** Apps (app.kubernetes.io/name) of the gateway: the only public LoadBalancer targets. */
    gatewayApps: string[];
    /** Apps that may have a LoadBalancer only with loadBalancerSourceRanges that are not open. */
    restrictedApps: string[];
}

export const loadBalancerAllowlist: StackValidationPolicy = {
    name: "load-balancer-allowlist",
    description: "Only Services that front the Kong gateway are LoadBalancers; the opt-in database admin endpoint may be one only with loadBalancerSourceRanges that are not open to everyone.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            gatewayApps: { type: "array", items: { type: "string" }, default: ["kong"] },
            restrictedApps: { type: "array", items: { type: "string" }, default: ["postgres"] },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<LoadBalancerConfig>(loadBalancerAllowlist, args);
        const workloads = workloadsOf(args.resources);
        for (const svc of resourcesOfType(args.resources, T.service)) {
            if (svc.props.spec?.type !== "LoadBalancer") continue;
            const where = serviceLabel(svc.props, svc.name);
            const apps = targetApps(svc, workloads);
            if (apps.length === 0) {
                report(`${where}: LoadBalancer selects no known workload; only ${config.gatewayApps.join(", ")} may be exposed`, svc.urn);
            } else if (apps.every((a) => config.gatewayApps.includes(a))) {
                continue;
            } else if (apps.every((a) => config.restrictedApps.includes(a))) {
                const ranges: string[] = svc.props.spec?.loadBalancerSourceRanges ?? [];
                if (ranges.length === 0) report(`${where}: the admin LoadBalancer for ${apps.join(", ")} must set loadBalancerSourceRanges`, svc.urn);
                for (const r of ranges.filter(isOpenCidr)) report(`${where}: loadBalancerSourceRanges ${r} is open to everyone`, svc.urn);
            } else {
                report(`${where}: LoadBalancer exposes ${apps.join(", ")}; only ${config.gatewayApps.join(", ")} (and source-restricted ${config.restrictedApps.join(", ")}) may be LoadBalancers`, svc.urn);
            }
        }
    },
};

export const metallbIpRequest: ResourceValidationPolicy = {
    name: "metallb-ip-request",
    description: "A LoadBalancer Service asks MetalLB for its IP with the metallb.io/loadBalancerIPs (or metallb.io/address-pool) annotation, not spec.loadBalancerIP nor the deprecated metallb.universe.tf/* keys.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const props = requireType(args, T.service);
        if (props.spec?.type !== "LoadBalancer") return args.notApplicable("not a LoadBalancer Service");
        const where = serviceLabel(props, args.name);
        const annotations: Record<string, string> = props.metadata?.annotations ?? {};
        if (props.spec?.loadBalancerIP) report(`${where}: spec.loadBalancerIP is deprecated; use the metallb.io/loadBalancerIPs annotation`);
        for (const key of Object.keys(annotations).filter((k) => k.startsWith("metallb.universe.tf/"))) {
            report(`${where}: annotation ${key} is deprecated; use metallb.io/${key.slice("metallb.universe.tf/".length)}`);
        }
        if (!annotations["metallb.io/loadBalancerIPs"] && !annotations["metallb.io/address-pool"]) {
            report(`${where}: requests no IP; set metallb.io/loadBalancerIPs`);
        }
    },
};

export const noNodePort: ResourceValidationPolicy = {
    name: "no-node-port",
    description: "No Service is a NodePort or pins a nodePort: every node would expose it.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const props = requireType(args, T.service);
        const where = serviceLabel(props, args.name);
        if (props.spec?.type === "NodePort") report(`${where}: type NodePort exposes the Service on every node`);
        for (const p of (props.spec?.ports ?? []) as Obj[]) {
            if (p.nodePort) report(`${where}: port ${p.name ?? p.port} pins nodePort ${p.nodePort}`);
        }
    },
};

export const loadBalancerNodePorts: ResourceValidationPolicy = {
    name: "load-balancer-node-ports",
    description: "LoadBalancer Services set allocateLoadBalancerNodePorts: false; MetalLB L2 does not need node ports, which would expose the Service on every node.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        const props = requireType(args, T.service);
        if (props.spec?.type !== "LoadBalancer") return args.notApplicable("not a LoadBalancer Service");
        if (props.spec?.allocateLoadBalancerNodePorts !== false) {
            report(`${serviceLabel(props, args.name)}: set allocateLoadBalancerNodePorts: false`);
        }
    },
};

export interface InternalConfig {
    /** Apps with no authentication of their own: ClusterIP only, reached through Kong. */
    internalApps: string[];
}

export const internalServicesNotExposed: StackValidationPolicy = {
    name: "internal-services-not-exposed",
    description: "Studio and postgres-meta are never exposed directly: no LoadBalancer, NodePort, externalIPs or Ingress backend reaches their pods.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { internalApps: { type: "array", items: { type: "string" }, default: ["studio", "meta"] } },
    },
    validateStack: (args, report) => {
        const { internalApps } = configOf<InternalConfig>(internalServicesNotExposed, args);
        const workloads = workloadsOf(args.resources);
        const internalServices = new Map<string, string[]>();
        for (const svc of resourcesOfType(args.resources, T.service)) {
            const apps = targetApps(svc, workloads).filter((a) => internalApps.includes(a));
            if (apps.length === 0) continue;
            const ns = svc.props.metadata?.namespace ?? "default";
            internalServices.set(`${ns}/${svc.props.metadata?.name ?? svc.name}`, apps);
            const where = serviceLabel(svc.props, svc.name);
            const type = svc.props.spec?.type ?? "ClusterIP";
            if (type !== "ClusterIP") report(`${where}: ${type} exposes ${apps.join(", ")} directly; keep it ClusterIP behind Kong`, svc.urn);
            if ((svc.props.spec?.externalIPs ?? []).length) report(`${where}: externalIPs expose ${apps.join(", ")} directly`, svc.urn);
        }
        for (const ing of resourcesOfType(args.resources, T.ingress)) {
            const ns = ing.props.metadata?.namespace ?? "default";
            const backends: Obj[] = [
                ing.props.spec?.defaultBackend,
                ...((ing.props.spec?.rules ?? []) as Obj[]).flatMap((r) => ((r.http?.paths ?? []) as Obj[]).map((p) => p.backend)),
            ].filter(Boolean);
            for (const b of backends) {
                const apps = internalServices.get(`${ns}/${b.service?.name}`);
                if (apps) report(`${label("Ingress", ns, ing.props.metadata?.name ?? ing.name)}: routes to ${b.service.name} (${apps.join(", ")}) around Kong`, ing.urn);
            }
        }
    },
};
