// Service accounts: one per workload (so RBAC granted to one never leaks to another) and no API
// token in pods that never call the Kubernetes API.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configOf, label, resourcesOfType, T, workloadLabel, workloadView, workloadsOf } from "./util";

export const dedicatedServiceAccount: StackValidationPolicy = {
    name: "dedicated-service-account",
    description: "Every workload runs as its own ServiceAccount, created by this stack in its namespace, never `default` and never shared.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = workloadsOf(args.resources);
        if (workloads.length === 0) return args.notApplicable("no pods in the stack");
        const accounts = new Set(resourcesOfType(args.resources, T.serviceAccount).map((r) => `${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name ?? r.name}`));
        const users = new Map<string, string[]>();
        for (const w of workloads) {
            const sa: string | undefined = w.pod.serviceAccountName ?? w.pod.serviceAccount;
            if (!sa || sa === "default") {
                report(`${workloadLabel(w)}: runs as the namespace's default ServiceAccount`, w.urn);
                continue;
            }
            const key = `${w.namespace}/${sa}`;
            if (!accounts.has(key)) report(`${workloadLabel(w)}: ServiceAccount ${sa} is not created by this stack in ${w.namespace}`, w.urn);
            users.set(key, [...(users.get(key) ?? []), workloadLabel(w)]);
        }
        for (const [key, names] of users) {
            if (names.length > 1) report(`ServiceAccount ${key} is shared by ${names.join(", ")}`);
        }
    },
};

export interface TokenConfig {
    /** Workloads (or ServiceAccounts) that call the Kubernetes API, with the reason. */
    tokenAllowed: Record<string, { reason: string }>;
}

/**
 * The platform's own workloads that call the API. The PITR base backup (config `pitr`) runs wal-g in
 * the database pod with kubectl exec; its Role allows only get and exec on postgres-0.
 */
export const PLATFORM_TOKEN_ALLOWED: TokenConfig["tokenAllowed"] = {
    "postgres-pitr-base-backup": { reason: "PITR base backup: kubectl exec of wal-g backup-push into postgres-0 (Role: get and exec on that pod only)" },
};

export const serviceAccountTokenNotMounted: ResourceValidationPolicy = {
    name: "service-account-token-not-mounted",
    description: "ServiceAccounts and pod specs set automountServiceAccountToken: false unless the workload is listed as needing the API.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { tokenAllowed: { type: "object", default: PLATFORM_TOKEN_ALLOWED } } },
    validateResource: (args, report) => {
        const { tokenAllowed } = configOf<TokenConfig>(serviceAccountTokenNotMounted, args);
        const allowed = (name: string) => !!tokenAllowed?.[name]?.reason?.trim();
        if (args.type === T.serviceAccount) {
            const name = args.props.metadata?.name ?? args.name;
            if (!allowed(name) && args.props.automountServiceAccountToken !== false) {
                report(`${label("ServiceAccount", args.props.metadata?.namespace, name)}: set automountServiceAccountToken: false`);
            }
            return;
        }
        const w = workloadView(args.type, args.props, args.urn, args.name);
        if (!w) return args.notApplicable("Policy only applies to ServiceAccounts and pod-creating resources");
        if (!allowed(w.name) && w.pod.automountServiceAccountToken !== false) {
            report(`${workloadLabel(w)}: set automountServiceAccountToken: false in the pod spec (the workload does not call the API)`);
        }
    },
};
