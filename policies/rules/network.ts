// Network isolation: a default-deny NetworkPolicy (ingress and egress) in every namespace that runs
// pods, so only the explicit allows carry traffic; no allow opens a non-public pod to everyone.
import { StackValidationPolicy } from "@pulumi/policy";
import { appOf, configOf, isEmptySelector, label, LabelSelector, Obj, resourcesOfType, selectorMatches, T, workloadLabel, workloadsOf } from "./util";

const policyTypesOf = (np: Obj): string[] => {
    const declared: string[] | undefined = np.spec?.policyTypes;
    if (declared && declared.length) return declared;
    // The API server's default: Ingress always, Egress when egress rules are present.
    return np.spec?.egress ? ["Ingress", "Egress"] : ["Ingress"];
};

/** A policy selecting every pod and allowing nothing in either direction. */
export function isDefaultDeny(np: Obj): boolean {
    const types = policyTypesOf(np);
    return isEmptySelector(np.spec?.podSelector ?? {}) && types.includes("Ingress") && types.includes("Egress")
        && (np.spec?.ingress ?? []).length === 0 && (np.spec?.egress ?? []).length === 0;
}

const OPEN_PEER = (peer: Obj) => !!peer.ipBlock && /\/0$/.test(String(peer.ipBlock.cidr ?? "")) && (peer.ipBlock.except ?? []).length === 0;

export interface NetworkConfig {
    /** Apps that take traffic from anywhere (the gateway behind its LoadBalancer). */
    publicApps: string[];
}

export const networkPolicyCoverage: StackValidationPolicy = {
    name: "network-policy-coverage",
    description: "Every namespace with pods has a default-deny NetworkPolicy for ingress and egress; every pod is selected by policies covering both; only public apps accept ingress from anywhere.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { publicApps: { type: "array", items: { type: "string" }, default: ["kong"] } } },
    validateStack: (args, report) => {
        const { publicApps } = configOf<NetworkConfig>(networkPolicyCoverage, args);
        const workloads = workloadsOf(args.resources);
        if (workloads.length === 0) return args.notApplicable("no pods in the stack");
        const policies = resourcesOfType(args.resources, T.networkPolicy).map((r) => ({ r, ns: r.props.metadata?.namespace ?? "default", np: r.props }));
        for (const ns of [...new Set(workloads.map((w) => w.namespace))]) {
            if (!policies.some((p) => p.ns === ns && isDefaultDeny(p.np))) {
                report(`Namespace ${ns}: no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)`);
            }
        }
        for (const w of workloads) {
            const selecting = policies.filter((p) => p.ns === w.namespace && selectorMatches((p.np.spec?.podSelector ?? {}) as LabelSelector, w.podLabels));
            for (const direction of ["Ingress", "Egress"]) {
                if (!selecting.some((p) => policyTypesOf(p.np).includes(direction))) {
                    report(`${workloadLabel(w)}: no NetworkPolicy covers its ${direction.toLowerCase()}`, w.urn);
                }
            }
            if (publicApps.includes(appOf(w))) continue;
            for (const p of selecting) {
                for (const rule of (p.np.spec?.ingress ?? []) as Obj[]) {
                    const from = (rule.from ?? []) as Obj[];
                    if (from.length === 0 || from.some(OPEN_PEER)) {
                        report(`${workloadLabel(w)}: ${label("NetworkPolicy", p.ns, p.np.metadata?.name ?? p.r.name)} admits ingress from anywhere; name the peers`, w.urn);
                    }
                }
            }
        }
    },
};

export const networkPolicyTargetsPods: StackValidationPolicy = {
    name: "network-policy-targets-pods",
    description: "Every NetworkPolicy with a pod selector selects at least one pod of the stack (a dangling policy usually means a label typo).",
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const workloads = workloadsOf(args.resources);
        for (const r of resourcesOfType(args.resources, T.networkPolicy)) {
            const selector = (r.props.spec?.podSelector ?? {}) as LabelSelector;
            if (isEmptySelector(selector)) continue;
            const ns = r.props.metadata?.namespace ?? "default";
            if (!workloads.some((w) => w.namespace === ns && selectorMatches(selector, w.podLabels))) {
                report(`${label("NetworkPolicy", ns, r.props.metadata?.name ?? r.name)}: selects no pod`, r.urn);
            }
        }
    },
};
