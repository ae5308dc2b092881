// Turns recorded resources into Kubernetes manifests: what `pulumi up` would send to the API
// server, with secret values redacted for files a reviewer reads.
import { RecordedResource } from "./engine";

export interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [key: string]: any;
}

export const REDACTED = "<redacted>";

/** Kubernetes objects among the recorded resources (custom resources included), in registration order. */
export function kubernetesObjects(resources: RecordedResource[]): { resource: RecordedResource; manifest: Manifest }[] {
    return resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers"))
        .map((resource) => {
            const state = resource.state;
            const [, groupVersion, kind] = /^kubernetes:([^:]+):(.+)$/.exec(resource.type) ?? [];
            const apiVersion = state.apiVersion ?? (groupVersion.startsWith("core/") ? groupVersion.slice(5) : groupVersion);
            const manifest = { ...stripStatus(state), apiVersion, kind: state.kind ?? kind } as Manifest;
            return { resource, manifest };
        });
}

function stripStatus(state: Record<string, any>): Record<string, any> {
    const { status: _status, ...rest } = state;
    return rest;
}

/** A copy with every Secret value replaced, for writing to disk. */
export function redact(manifest: Manifest): Manifest {
    if (manifest.kind !== "Secret") return manifest;
    const hide = (values?: Record<string, string>) =>
        values && Object.fromEntries(Object.keys(values).map((k) => [k, REDACTED]));
    return { ...manifest, data: hide(manifest.data), stringData: hide(manifest.stringData) };
}

/** Containers and init containers of a workload manifest (Deployment, StatefulSet, CronJob…). */
export function podSpecOf(manifest: Manifest): Record<string, any> | undefined {
    if (manifest.kind === "CronJob") return manifest.spec?.jobTemplate?.spec?.template?.spec;
    return manifest.spec?.template?.spec;
}

export function containersOf(manifest: Manifest): Record<string, any>[] {
    const pod = podSpecOf(manifest);
    return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}
