// What the engine tier reads back from the sandbox's API server after a deployment.
import * as k8s from "@kubernetes/client-node";

export function kubeClients(kubeconfig: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    return { kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), objects: k8s.KubernetesObjectApi.makeApiClient(kc) };
}

/** Workloads of a namespace whose pods are not all Ready, as "Kind/name ready/wanted". */
export async function unreadyWorkloads(kubeconfig: string, namespace: string): Promise<string[]> {
    const { apps } = kubeClients(kubeconfig);
    const out: string[] = [];
    for (const d of (await apps.listNamespacedDeployment({ namespace })).items) {
        if ((d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 1)) out.push(`Deployment/${d.metadata!.name} ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas}`);
    }
    for (const s of (await apps.listNamespacedStatefulSet({ namespace })).items) {
        if ((s.status?.readyReplicas ?? 0) < (s.spec?.replicas ?? 1)) out.push(`StatefulSet/${s.metadata!.name} ${s.status?.readyReplicas ?? 0}/${s.spec?.replicas}`);
    }
    return out;
}

/** Names of the workloads of a namespace ("Kind/name"). */
export async function workloadNames(kubeconfig: string, namespace: string): Promise<string[]> {
    const { apps } = kubeClients(kubeconfig);
    const deployments = (await apps.listNamespacedDeployment({ namespace })).items.map((d) => `Deployment/${d.metadata!.name}`);
    const sets = (await apps.listNamespacedStatefulSet({ namespace })).items.map((s) => `StatefulSet/${s.metadata!.name}`);
    return [...deployments, ...sets].sort();
}

/** Every namespaced object the stack's label marks, in a namespace (what destroy must remove). */
export async function managedObjects(kubeconfig: string, namespace: string): Promise<string[]> {
    const { core, apps } = kubeClients(kubeconfig);
    const exists = await core.readNamespace({ name: namespace }).then((ns) => ns.status?.phase !== "Terminating", () => false);
    if (!exists) return [];
    const label = "app.kubernetes.io/managed-by=supabase-platform";
    const lists = await Promise.all([
        core.listNamespacedSecret({ namespace, labelSelector: label }).then((l) => l.items.map((o) => `Secret/${o.metadata!.name}`)),
        core.listNamespacedService({ namespace, labelSelector: label }).then((l) => l.items.map((o) => `Service/${o.metadata!.name}`)),
        core.listNamespacedConfigMap({ namespace, labelSelector: label }).then((l) => l.items.map((o) => `ConfigMap/${o.metadata!.name}`)),
        apps.listNamespacedDeployment({ namespace, labelSelector: label }).then((l) => l.items.map((o) => `Deployment/${o.metadata!.name}`)),
        apps.listNamespacedStatefulSet({ namespace, labelSelector: label }).then((l) => l.items.map((o) => `StatefulSet/${o.metadata!.name}`)),
    ]);
    return lists.flat().sort();
}

/** PersistentVolumeClaims of a namespace (StatefulSet claims outlive their StatefulSet by design). */
export async function claims(kubeconfig: string, namespace: string): Promise<string[]> {
    const { core } = kubeClients(kubeconfig);
    return (await core.listNamespacedPersistentVolumeClaim({ namespace })).items.map((c) => c.metadata!.name!).sort();
}
