// The database has one instance, so its durability is Longhorn's replication: the StorageClass of
// every database volume must replicate (≥ 2, never strict-local), keep the volume when the claim
// goes (Retain) and allow online expansion.
import { StackValidationPolicy } from "@pulumi/policy";
import { appOf, configOf, label, Obj, resourcesOfType, T, workloadsOf } from "./util";

export interface DatabaseVolumeConfig {
    /** Apps whose StatefulSet holds the database. */
    databaseApps: string[];
    minReplicas: number;
    /** StorageClasses managed outside this stack that an operator vouches for, with the reason. */
    trustedStorageClasses: Record<string, { reason: string }>;
}

export const LONGHORN_PROVISIONER = "driver.longhorn.io";

/** Problems of one StorageClass as the home of a database with `instances` pods. */
export function storageClassProblems(sc: Obj, instances: number, minReplicas: number): string[] {
    const problems: string[] = [];
    const params: Record<string, string> = sc.parameters ?? {};
    if (sc.provisioner !== LONGHORN_PROVISIONER) problems.push(`provisioner is ${sc.provisioner ?? "unset"}, not ${LONGHORN_PROVISIONER}`);
    // Longhorn's own default is 3 when the parameter is absent.
    const replicas = Number(params.numberOfReplicas ?? "3");
    if (!(replicas >= minReplicas)) problems.push(`numberOfReplicas is ${params.numberOfReplicas}, needs ≥ ${minReplicas}`);
    if (sc.reclaimPolicy !== "Retain") problems.push(`reclaimPolicy is ${sc.reclaimPolicy ?? "Delete (default)"}, needs Retain`);
    if (sc.allowVolumeExpansion !== true) problems.push("allowVolumeExpansion must be true");
    if (instances <= 1 && params.dataLocality === "strict-local") {
        problems.push("dataLocality strict-local pins the only database copy to one node; use best-effort");
    }
    return problems;
}

export const databaseVolumeLonghorn: StackValidationPolicy = {
    name: "database-volume-longhorn",
    description: "The database StatefulSet's volumes use a Longhorn StorageClass with ≥ 2 replicas, reclaimPolicy Retain, allowVolumeExpansion, and not strict-local while there is one instance.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            databaseApps: { type: "array", items: { type: "string" }, default: ["postgres"] },
            minReplicas: { type: "integer", minimum: 2, default: 2 },
            trustedStorageClasses: { type: "object", default: {} },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<DatabaseVolumeConfig>(databaseVolumeLonghorn, args);
        const databases = workloadsOf(args.resources).filter((w) => w.type === T.statefulSet && config.databaseApps.includes(appOf(w)));
        if (databases.length === 0) return args.notApplicable("no database StatefulSet in the stack");
        const classes = new Map(resourcesOfType(args.resources, T.storageClass).map((r) => [r.props.metadata?.name ?? r.name, r.props]));
        for (const db of databases) {
            const where = label("StatefulSet", db.namespace, db.name);
            const templates = (db.props.spec?.volumeClaimTemplates ?? []) as Obj[];
            if (templates.length === 0) report(`${where}: the database has no volumeClaimTemplates (its data would not survive a restart)`, db.urn);
            for (const t of templates) {
                const claim = t.metadata?.name ?? "?";
                const scName: string | undefined = t.spec?.storageClassName;
                if (!scName) {
                    report(`${where}: claim ${claim} names no storageClassName (the cluster default is unchecked)`, db.urn);
                    continue;
                }
                const sc = classes.get(scName);
                if (!sc) {
                    const trusted = config.trustedStorageClasses?.[scName];
                    if (!trusted?.reason?.trim()) {
                        report(`${where}: claim ${claim} uses StorageClass ${scName}, which this stack does not manage; create it (createStorageClass) or list it in trustedStorageClasses with a reason`, db.urn);
                    }
                    continue;
                }
                for (const problem of storageClassProblems(sc, db.replicas, config.minReplicas)) {
                    report(`${where}: claim ${claim} → StorageClass ${scName}: ${problem}`, db.urn);
                }
            }
        }
    },
};
