// What every service repeats: ServiceAccount, pod template (security context, checksum
// annotation, probes, resources), Deployment or StatefulSet, and its Service.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { Release, RELEASE_ANNOTATION } from "../releases";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type ServicePort = k8s.types.input.core.v1.ServicePort;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type PersistentVolumeClaim = k8s.types.input.core.v1.PersistentVolumeClaim;

export const MANAGED_BY = "supabase-platform";

/** Labels every object of a workload carries; the first two are its selector. */
export function workloadLabels(name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "supabase",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    };
}

export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
}

/** Restricted-profile container security context; a workload may only widen it with a written reason. */
export function restrictedContainerSecurity(runAsUser: number, runAsGroup = runAsUser): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Plain (non-secret) environment variables from a name → value map, in insertion order. */
export function plainEnv(vars: Record<string, pulumi.Input<string>>): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

/**
 * A digest of what a pod consumes (Secret or config contents). Keyed so a checksum of
 * low-entropy secrets reveals nothing; unsecret because it is only a fingerprint.
 */
export function checksumOf(key: pulumi.Input<string>, parts: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.unsecret(
        pulumi.all([key, ...parts]).apply(([k, ...values]) =>
            crypto.createHmac("sha256", k).update(JSON.stringify(values)).digest("hex"),
        ),
    );
}

export interface WorkloadArgs {
    namespace: pulumi.Input<string>;
    /** The release the workload is rendered for; the policy pack holds its images to it. */
    release: Release;
    /** Name of the workload, its Service (the in-cluster DNS name) and its ServiceAccount. */
    name: string;
    /** Value of the app.kubernetes.io/component label, e.g. "gateway" or "database". */
    component: string;
    /** Deployment (default) or a StatefulSet with volume claim templates and a headless Service. */
    kind?: "Deployment" | "StatefulSet";
    replicas: number;
    containers: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    /** StatefulSet only: claims created per pod. */
    volumeClaimTemplates?: PersistentVolumeClaim[];
    /** Pod-level security context; defaults to non-root with seccomp RuntimeDefault. */
    podSecurityContext?: PodSecurityContext;
    /** Ports of the ClusterIP Service; an empty list creates no Service. */
    servicePorts: ServicePort[];
    /** Fingerprints of everything the pod consumes; a change rolls the pods. */
    checksums?: pulumi.Input<string>[];
    /** Extra pod-template annotations. */
    podAnnotations?: Record<string, pulumi.Input<string>>;
    terminationGracePeriodSeconds?: number;
    /** Mount a ServiceAccount token (off unless the workload calls the Kubernetes API). */
    automountServiceAccountToken?: boolean;
    /** Deployment update strategy; Recreate for pods holding a ReadWriteOnce volume. */
    strategy?: "RollingUpdate" | "Recreate";
    /**
     * PodDisruptionBudget: "auto" (default) adds `minAvailable: 1` when replicas ≥ 2, so a drain
     * always leaves one pod serving; a single replica gets none, since any budget on it would
     * block the drain. `false` opts out.
     */
    disruptionBudget?: "auto" | false;
}

/**
 * How every nightly CronJob runs: on UTC (not the controller's zone), a run missed by more than an
 * hour (controller down) skipped rather than stacked up, never two at once, three of each outcome
 * kept for inspection.
 */
export function nightlyCronSpec(schedule: string) {
    return {
        schedule,
        timeZone: "Etc/UTC",
        startingDeadlineSeconds: 3600,
        concurrencyPolicy: "Forbid",
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
    };
}

/** The budget "auto" gives a workload, or undefined when it should have none. */
export function disruptionBudgetSpec(replicas: number, selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec | undefined {
    if (replicas < 2) return undefined;
    // AlwaysAllow: a crash-looping pod is not "available" anyway and must never hold up a drain.
    return { minAvailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

/** A workload's objects; the pod template is exported for policy and tests. */
export class Workload {
    /** The workload's name: its pods' app.kubernetes.io/name label and its Service's name. */
    readonly name: string;
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    readonly deployment?: k8s.apps.v1.Deployment;
    readonly statefulSet?: k8s.apps.v1.StatefulSet;
    readonly service?: k8s.core.v1.Service;
    readonly headlessService?: k8s.core.v1.Service;
    readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;
    /** The resource that is ready when the pods are ready (Pulumi awaits rollout). */
    readonly ready: pulumi.Resource;

    constructor(args: WorkloadArgs, opts: pulumi.CustomResourceOptions) {
        this.name = args.name;
        const labels = workloadLabels(args.name, args.component);
        const selector = selectorLabels(args.name);
        const metadata = (name: string) => ({ name, namespace: args.namespace, labels });
        // On the workload object only: a pod-template annotation would roll every pod.
        const releaseAnnotations = { [RELEASE_ANNOTATION]: args.release };

        this.serviceAccount = new k8s.core.v1.ServiceAccount(`${args.name}-sa`, {
            metadata: metadata(args.name),
            automountServiceAccountToken: args.automountServiceAccountToken ?? false,
        }, opts);

        const annotations: Record<string, pulumi.Input<string>> = { ...(args.podAnnotations ?? {}) };
        if (args.checksums && args.checksums.length > 0) {
            annotations["checksum/config"] = pulumi.all(args.checksums).apply((sums) =>
                crypto.createHash("sha256").update(sums.join("\n")).digest("hex"),
            );
        }

        const template: k8s.types.input.core.v1.PodTemplateSpec = {
            metadata: { labels, annotations },
            spec: {
                serviceAccountName: this.serviceAccount.metadata.name,
                automountServiceAccountToken: args.automountServiceAccountToken ?? false,
                enableServiceLinks: false,
                securityContext: args.podSecurityContext ?? { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 30,
                initContainers: args.initContainers,
                containers: args.containers,
                volumes: args.volumes,
            },
        };

        if (args.kind === "StatefulSet") {
            this.headlessService = new k8s.core.v1.Service(`${args.name}-headless`, {
                metadata: metadata(`${args.name}-headless`),
                spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: args.servicePorts },
            }, opts);
            this.statefulSet = new k8s.apps.v1.StatefulSet(args.name, {
                metadata: { ...metadata(args.name), annotations: releaseAnnotations },
                spec: {
                    serviceName: this.headlessService.metadata.name,
                    replicas: args.replicas,
                    podManagementPolicy: "OrderedReady",
                    updateStrategy: { type: "RollingUpdate" },
                    selector: { matchLabels: selector },
                    template,
                    volumeClaimTemplates: args.volumeClaimTemplates,
                },
            }, opts);
        } else {
            this.deployment = new k8s.apps.v1.Deployment(args.name, {
                metadata: { ...metadata(args.name), annotations: releaseAnnotations },
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: selector },
                    strategy: args.strategy === "Recreate"
                        ? { type: "Recreate" }
                        : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template,
                },
            }, opts);
        }

        if (args.servicePorts.length > 0) {
            this.service = new k8s.core.v1.Service(args.name, {
                metadata: metadata(args.name),
                spec: { type: "ClusterIP", selector, ports: args.servicePorts },
            }, opts);
        }
        const budget = args.disruptionBudget === false ? undefined : disruptionBudgetSpec(args.replicas, selector);
        if (budget) {
            this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${args.name}-pdb`, {
                metadata: metadata(args.name),
                spec: budget,
            }, opts);
        }
        this.ready = (this.statefulSet ?? this.deployment)!;
    }
}
