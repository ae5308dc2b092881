// Disruption budgets: replicated services keep one pod through a node drain, but no budget may
// block every eviction (a drain would hang forever), and unhealthy pods are always evictable.
import { StackValidationPolicy } from "@pulumi/policy";
import { label, LabelSelector, Obj, resourcesOfType, selectorMatches, T, workloadLabel, workloadsOf } from "./util";

/** Pods a budget keeps (minAvailable) out of `replicas`; percentages round up as Kubernetes does. */
export function keptPods(value: number | string, replicas: number): number {
    if (typeof value === "number") return value;
    const pct = /^([0-9]+)%$/.exec(value.trim());
    return pct ? Math.ceil((Number(pct[1]) * replicas) / 100) : Number(value);
}

/** Pods a budget lets go (maxUnavailable); percentages round up. */
export function evictablePods(value: number | string, replicas: number): number {
    return keptPods(value, replicas);
}

export const pdbAllowsDisruption: StackValidationPolicy = {
    name: "pdb-allows-disruption",
    description: "Every PodDisruptionBudget selects pods, lets at least one of them be evicted, and sets unhealthyPodEvictionPolicy: AlwaysAllow.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = workloadsOf(args.resources);
        for (const r of resourcesOfType(args.resources, T.pdb)) {
            const pdb: Obj = r.props;
            const ns = pdb.metadata?.namespace ?? "default";
            const where = label("PodDisruptionBudget", ns, pdb.metadata?.name ?? r.name);
            if (pdb.spec?.unhealthyPodEvictionPolicy !== "AlwaysAllow") {
                report(`${where}: set unhealthyPodEvictionPolicy: AlwaysAllow (a crash-looping pod must not block a drain)`, r.urn);
            }
            const selected = workloads.filter((w) => w.namespace === ns && selectorMatches(pdb.spec?.selector as LabelSelector, w.podLabels));
            const replicas = selected.reduce((n, w) => n + w.replicas, 0);
            if (selected.length === 0) {
                report(`${where}: selects no pod of the stack`, r.urn);
                continue;
            }
            const { minAvailable, maxUnavailable } = pdb.spec ?? {};
            if (minAvailable === undefined && maxUnavailable === undefined) {
                report(`${where}: sets neither minAvailable nor maxUnavailable`, r.urn);
            } else if (minAvailable !== undefined && keptPods(minAvailable, replicas) >= replicas) {
                report(`${where}: minAvailable ${minAvailable} of ${replicas} pod(s) blocks every eviction`, r.urn);
            } else if (maxUnavailable !== undefined && evictablePods(maxUnavailable, replicas) < 1) {
                report(`${where}: maxUnavailable ${maxUnavailable} blocks every eviction`, r.urn);
            }
        }
    },
};

export const pdbForReplicatedWorkloads: StackValidationPolicy = {
    name: "pdb-for-replicated-workloads",
    description: "Every Deployment or StatefulSet with 2 or more replicas is covered by a PodDisruptionBudget.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const pdbs = resourcesOfType(args.resources, T.pdb).map((r) => r.props);
        for (const w of workloadsOf(args.resources)) {
            if ((w.type !== T.deployment && w.type !== T.statefulSet) || w.replicas < 2) continue;
            const covered = pdbs.some((p) => (p.metadata?.namespace ?? "default") === w.namespace && selectorMatches(p.spec?.selector, w.podLabels));
            if (!covered) report(`${workloadLabel(w)}: ${w.replicas} replicas but no PodDisruptionBudget (minAvailable: 1)`, w.urn);
        }
    },
};
