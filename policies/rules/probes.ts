// Probes: a Service only sends traffic to ready pods, so every container behind a Service needs a
// readiness probe; a liveness probe identical to it would restart pods for what readiness is
// meant to ride out (e.g. the database being briefly away).
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { containersOf, Obj, requireWorkload, resourcesOfType, selectedByMap, T, workloadLabel, workloadsOf } from "./util";

export const readinessProbe: StackValidationPolicy = {
    name: "readiness-probe",
    description: "Every container of a pod selected by a Service has a readiness probe.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = workloadsOf(args.resources);
        const backed = new Set<string>();
        for (const svc of resourcesOfType(args.resources, T.service)) {
            const ns = svc.props.metadata?.namespace ?? "default";
            for (const w of selectedByMap(workloads, ns, svc.props.spec?.selector)) backed.add(w.urn);
        }
        for (const w of workloads.filter((x) => backed.has(x.urn))) {
            for (const { container, init } of containersOf(w.pod)) {
                if (!init && !container.readinessProbe) {
                    report(`${workloadLabel(w)}: container ${container.name} serves a Service but has no readinessProbe`, w.urn);
                }
            }
        }
    },
};

const canonical = (v: unknown): string => JSON.stringify(v, (_k, val) =>
    val && typeof val === "object" && !Array.isArray(val)
        ? Object.fromEntries(Object.entries(val as Obj).sort(([a], [b]) => a.localeCompare(b)))
        : val);

export const livenessDiffersFromReadiness: ResourceValidationPolicy = {
    name: "liveness-differs-from-readiness",
    description: "A container's liveness probe is not identical to its readiness probe.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            if (container.livenessProbe && container.readinessProbe && canonical(container.livenessProbe) === canonical(container.readinessProbe)) {
                report(`${workloadLabel(w)}: container ${container.name} uses the same probe for liveness and readiness`);
            }
        }
    },
};
