// The controllers a bare-metal cluster runs that the sandbox has no real copy of, reduced to what
// the program observes of them:
// - MetalLB: a LoadBalancer Service gets `status.loadBalancer.ingress` with the IP it asked for
//   (the `metallb.universe.tf/loadBalancerIPs` annotation or `spec.loadBalancerIP`). Nothing is
//   announced: the IP is only written into the status, never bound on this machine.
// - Longhorn: a Pending claim of a StorageClass provisioned by driver.longhorn.io gets a hostPath
//   PersistentVolume bound to it (kube-controller-manager's PV controller completes the binding).
// Runs as `tsx sandbox/standins.ts <kubeconfig>`, polling once a second until killed.
import * as k8s from "@kubernetes/client-node";
import { LONGHORN_PROVISIONER } from "./fixtures";

const METALLB_IPS = "metallb.universe.tf/loadBalancerIPs";
const METALLB_IPS_NEW = "metallb.io/loadBalancerIPs";

/** The IPs a LoadBalancer Service asks MetalLB for, or [] when it names none. */
export function requestedIps(svc: k8s.V1Service): string[] {
    const annotations = svc.metadata?.annotations ?? {};
    const listed = annotations[METALLB_IPS_NEW] ?? annotations[METALLB_IPS];
    if (listed) return listed.split(",").map((ip) => ip.trim()).filter(Boolean);
    return svc.spec?.loadBalancerIP ? [svc.spec.loadBalancerIP] : [];
}

export function needsIngress(svc: k8s.V1Service): boolean {
    return svc.spec?.type === "LoadBalancer" && !(svc.status?.loadBalancer?.ingress?.length);
}

/** The hostPath PV the Longhorn stand-in binds to a claim. */
export function volumeFor(pvc: k8s.V1PersistentVolumeClaim, root: string): k8s.V1PersistentVolume {
    const ns = pvc.metadata!.namespace!;
    const name = pvc.metadata!.name!;
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `sandbox-${ns}-${name}`.slice(0, 253), labels: { "sandbox.supabase-platform/standin": "longhorn" } },
        spec: {
            capacity: { storage: pvc.spec?.resources?.requests?.storage ?? "1Gi" },
            accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
            storageClassName: pvc.spec?.storageClassName,
            persistentVolumeReclaimPolicy: "Delete",
            hostPath: { path: `${root}/${ns}/${name}`, type: "DirectoryOrCreate" },
            claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: ns, name, uid: pvc.metadata!.uid },
        },
    };
}

async function reconcile(core: k8s.CoreV1Api, storage: k8s.StorageV1Api, root: string): Promise<void> {
    for (const svc of (await core.listServiceForAllNamespaces()).items.filter(needsIngress)) {
        const ips = requestedIps(svc);
        if (ips.length === 0) continue; // MetalLB would pick from a pool; the program always names its IP.
        svc.status = { ...svc.status, loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: "VIP" })) } };
        await core.replaceNamespacedServiceStatus({ name: svc.metadata!.name!, namespace: svc.metadata!.namespace!, body: svc });
    }
    const classes = new Map((await storage.listStorageClass()).items.map((sc) => [sc.metadata!.name!, sc.provisioner]));
    const volumes = new Set((await core.listPersistentVolume()).items.map((pv) => pv.metadata!.name!));
    for (const pvc of (await core.listPersistentVolumeClaimForAllNamespaces()).items) {
        if (pvc.status?.phase !== "Pending" || pvc.spec?.volumeName) continue;
        if (classes.get(pvc.spec?.storageClassName ?? "") !== LONGHORN_PROVISIONER) continue;
        const pv = volumeFor(pvc, root);
        if (!volumes.has(pv.metadata!.name!)) await core.createPersistentVolume({ body: pv });
    }
}

async function main(kubeconfig: string, root: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const storage = kc.makeApiClient(k8s.StorageV1Api);
    console.log(`stand-ins: MetalLB status and Longhorn volumes for ${kc.getCurrentCluster()?.server}`);
    for (;;) {
        try {
            await reconcile(core, storage, root);
        } catch (err) {
            console.error(`stand-ins: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

if (require.main === module) {
    const [kubeconfig, root] = process.argv.slice(2);
    if (!kubeconfig || !root) {
        console.error("usage: tsx sandbox/standins.ts <kubeconfig> <volume-root>");
        process.exit(2);
    }
    void main(kubeconfig, root);
}
