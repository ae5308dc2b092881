// What a bare-metal cluster has before this program runs, as the sandbox stands it in: one node
// (played by KWOK), the namespaces and CRDs of MetalLB and Longhorn, and Longhorn's default
// StorageClass. The stand-ins (standins.ts) then do what those controllers would do at runtime.
import * as k8s from "@kubernetes/client-node";

export const NODE_NAME = "sandbox-node";
export const LONGHORN_PROVISIONER = "driver.longhorn.io";

/** A CRD that accepts any spec and status: enough for the program to create its CRs (the real schemas are not reachable here). */
function stubCrd(group: string, version: string, kind: string, plural: string): k8s.KubernetesObject & Record<string, unknown> {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}`, labels: { "sandbox.supabase-platform/stub": "true" } },
        spec: {
            group,
            scope: "Namespaced",
            names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
            versions: [{
                name: version, served: true, storage: true,
                // Server-side apply needs the top-level fields declared; below them anything goes.
                // (client-node serializes by its model, so the extension takes the model's field name.)
                schema: {
                    openAPIV3Schema: {
                        type: "object",
                        properties: {
                            spec: { type: "object", x_kubernetes_preserve_unknown_fields: true },
                            status: { type: "object", x_kubernetes_preserve_unknown_fields: true },
                        },
                    },
                },
            }],
        },
    };
}

export function fixtureObjects(kubeletPort: number): (k8s.KubernetesObject & Record<string, unknown>)[] {
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "metallb-system" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "longhorn-system" } },
        stubCrd("metallb.io", "v1beta1", "IPAddressPool", "ipaddresspools"),
        stubCrd("metallb.io", "v1beta1", "L2Advertisement", "l2advertisements"),
        stubCrd("longhorn.io", "v1beta2", "RecurringJob", "recurringjobs"),
        {
            apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
            metadata: { name: "longhorn", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: LONGHORN_PROVISIONER, reclaimPolicy: "Delete", volumeBindingMode: "Immediate", allowVolumeExpansion: true,
        },
        {
            apiVersion: "v1", kind: "Node",
            metadata: {
                name: NODE_NAME,
                labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
                annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            },
            status: {
                allocatable: { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "1Ti" },
                capacity: { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "1Ti" },
                addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
                daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
            },
        },
    ];
}

/** Create each object unless it exists (start is idempotent), then give the node its address. */
export async function applyFixtures(kc: k8s.KubeConfig, kubeletPort: number): Promise<void> {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const obj of fixtureObjects(kubeletPort)) {
        try {
            await api.read(obj as k8s.KubernetesObject & { metadata: { name: string } });
        } catch {
            await api.create(obj);
        }
    }
    await setNodeAddress(kc.makeApiClient(k8s.CoreV1Api), kubeletPort);
}


/**
 * A create drops a Node's status, and the API server finds a node's kubelet (for port-forward)
 * by the InternalIP in that status: write it through the status subresource, retrying while KWOK's
 * own status patches race with ours.
 */
export async function setNodeAddress(core: k8s.CoreV1Api, kubeletPort: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
        const node = await core.readNode({ name: NODE_NAME });
        const addresses = node.status?.addresses ?? [];
        if (addresses.some((a) => a.type === "InternalIP" && a.address === "127.0.0.1") && addresses.some((a) => a.type === "Hostname")) return;
        // Both kinds: KWOK's node-initialize stage rewrites the whole list when either is missing.
        node.status = {
            ...node.status,
            addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: NODE_NAME }],
            daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
        };
        try {
            await core.replaceNodeStatus({ name: NODE_NAME, body: node });
            return;
        } catch (err) {
            if (attempt >= 10) throw new Error(`sandbox: could not set the address of node ${NODE_NAME}: ${(err as Error).message}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    }
}
