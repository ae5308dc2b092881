// Requests make scheduling honest; a memory limit keeps one leaking pod from starving the node
// (the database included). CPU limits are deliberately not required: they throttle without need.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, requireWorkload, workloadLabel } from "./util";

const isSet = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== "";

export const resourceRequests: ResourceValidationPolicy = {
    name: "resource-requests",
    description: "Every container (init containers included) requests CPU and memory.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            for (const resource of ["cpu", "memory"]) {
                if (!isSet(container.resources?.requests?.[resource])) {
                    report(`${workloadLabel(w)}: container ${container.name} has no ${resource} request`);
                }
            }
        }
    },
};

export const memoryLimits: ResourceValidationPolicy = {
    name: "memory-limits",
    description: "Every container (init containers included) has a memory limit.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            if (!isSet(container.resources?.limits?.memory)) {
                report(`${workloadLabel(w)}: container ${container.name} has no memory limit`);
            }
        }
    },
};
