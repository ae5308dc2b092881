// The PITR base backup: a CronJob that runs, beside the server in postgres-0, wal-g backup-push
// (the rendered BASE_BACKUP_SCRIPT) and then the retention (RETENTION_SCRIPT). It reaches the pod
// through the Kubernetes API (`kubectl exec`), so its ServiceAccount holds a token, and its Role
// allows exactly get and exec on postgres-0: nothing else in the namespace. The base backup opens
// one database session (counted in the connection budget: components/configured-budget.ts).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../k8s";
import { PitrConfig } from "../../../config";
import { nightlyCronSpec, restrictedContainerSecurity, workloadLabels } from "../../workload";
import { DATABASE_POD, execEnv, execScriptArgs } from "./pitr/exec";
import { pitrSettingsOf } from "./pitr/program";
import { retentionEnv } from "./pitr/render";
import { PitrServerParts } from "./pitr/workload";

/** app.kubernetes.io/name of the CronJob's pods (network policies, the pack's token allowance). */
/** app.kubernetes.io/name of the CronJob's pods; network-policies.ts declares it (components below import it from there). */
import { PITR_BACKUP_APP } from "../../network-policies";
export { PITR_BACKUP_APP };
const KUBECTL_UID = 65532;

export interface PitrBaseBackupArgs {
    pitr: PitrConfig;
    namespace: pulumi.Input<string>;
    /** The namespace's name as config spells it (kubectl's --namespace). */
    namespaceName: string;
    /** What the server runs (the wal-g and its PATH directory). */
    server: PitrServerParts;
}

export class PitrBaseBackup extends pulumi.ComponentResource {
    readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: PitrBaseBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:PitrBaseBackup", name, {}, opts);
        const { pitr } = args;
        const labels = workloadLabels(PITR_BACKUP_APP, "backup");
        const meta = { name: PITR_BACKUP_APP, namespace: args.namespace, labels };

        const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta }, { parent: this });
        // kubectl exec reads the pod (get) and opens the exec stream (create; get for the WebSocket upgrade of kubectl ≥ 1.30).
        const role = new k8s.rbac.v1.Role(`${name}-role`, {
            metadata: meta,
            rules: [
                { apiGroups: [""], resources: ["pods"], resourceNames: [DATABASE_POD], verbs: ["get"] },
                { apiGroups: [""], resources: ["pods/exec"], resourceNames: [DATABASE_POD], verbs: ["create", "get"] },
            ],
        }, { parent: this });
        new k8s.rbac.v1.RoleBinding(`${name}-binding`, {
            metadata: meta,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
        }, { parent: this });

        const retention = Object.fromEntries(retentionEnv(pitrSettingsOf(pitr)).map((e) => [e.name, e.value]));
        const step = (stepName: string, args_: string[]): k8s.types.input.core.v1.Container => ({
            name: stepName,
            image: pitr.kubectlImage,
            args: args_,
            env: [{ name: "HOME", value: "/tmp" }],
            resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            securityContext: restrictedContainerSecurity(KUBECTL_UID),
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        });

        this.cronJob = new k8s.batch.v1.CronJob(name, {
            metadata: meta,
            spec: {
                ...nightlyCronSpec(pitr.baseBackupSchedule),
                jobTemplate: {
                    metadata: { labels },
                    spec: {
                        backoffLimit: 1,
                        activeDeadlineSeconds: 12 * 3600,
                        template: {
                            metadata: { labels },
                            spec: {
                                serviceAccountName: account.metadata.name,
                                // The one workload that calls the API: kubectl exec (policies: tokenAllowed).
                                automountServiceAccountToken: true,
                                enableServiceLinks: false,
                                restartPolicy: "Never",
                                securityContext: { runAsNonRoot: true, runAsUser: KUBECTL_UID, runAsGroup: KUBECTL_UID, seccompProfile: { type: "RuntimeDefault" } },
                                // The retention runs only after a base backup succeeded.
                                initContainers: [step("base-backup", execScriptArgs(args.namespaceName, "base-backup", execEnv(), args.server.walg.pathDir))],
                                containers: [step("retention", execScriptArgs(args.namespaceName, "retention", execEnv(retention), args.server.walg.pathDir))],
                                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                            },
                        },
                    },
                },
            },
        }, { parent: this });
        this.registerOutputs({ cronJob: this.cronJob.metadata.name });
    }
}
