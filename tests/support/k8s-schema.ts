// Validates manifests against the upstream Kubernetes OpenAPI schema (kubernetes-models 4.x).
// Custom resources of MetalLB, Longhorn and cert-manager have no upstream schema there; they are checked
// against the fields their CRDs require.
import { Manifest } from "../../offline/manifests";

const CUSTOM_RESOURCE_REQUIRED: Record<string, string[]> = {
    "metallb.io/v1beta1/IPAddressPool": ["spec.addresses"],
    "metallb.io/v1beta1/L2Advertisement": [],
    "longhorn.io/v1beta2/RecurringJob": ["spec.cron", "spec.task", "spec.retain", "spec.concurrency"],
    // cert-manager's CRD (deploy/crds at v1.21.1) requires both; the engine tier's cert-manager
    // scenario applies the real CRD and the real API server validates the whole object.
    "cert-manager.io/v1/Certificate": ["spec.secretName", "spec.issuerRef.name"],
};

function modelModule(apiVersion: string): Record<string, any> | undefined {
    const path = apiVersion.includes("/") ? apiVersion : `v1`;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(`kubernetes-models/${path}`);
    } catch {
        return undefined;
    }
}

/** Throws with every schema error of a manifest; returns "upstream" or "crd" for what checked it. */
export function validateManifest(manifest: Manifest): "upstream" | "crd" {
    const crdKey = `${manifest.apiVersion}/${manifest.kind}`;
    if (crdKey in CUSTOM_RESOURCE_REQUIRED) {
        const missing = CUSTOM_RESOURCE_REQUIRED[crdKey].filter((path) =>
            path.split(".").reduce<any>((v, k) => (v == null ? v : v[k]), manifest) === undefined);
        if (!manifest.metadata?.name || missing.length) {
            throw new Error(`${crdKey} ${manifest.metadata?.name}: missing ${missing.join(", ") || "metadata.name"}`);
        }
        return "crd";
    }
    const Model = modelModule(manifest.apiVersion)?.[manifest.kind];
    if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}: add it to kubernetes-models or CUSTOM_RESOURCE_REQUIRED`);
    new Model(manifest).validate();
    return "upstream";
}
