// Shared vocabulary of the rules: Kubernetes type tokens, pod specs of every workload kind, label
// selectors and policy config with schema defaults. Self-contained: the pack is installed on its
// own (policies/package.json), so nothing here may import the program's modules.
import { Policy, PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";

export const T = {
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    pod: "kubernetes:core/v1:Pod",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
} as const;

/** Every type that creates pods, with where its pod template lives. */
export const WORKLOAD_TYPES: readonly string[] = [T.pod, T.deployment, T.statefulSet, T.daemonSet, T.replicaSet, T.job, T.cronJob];

export type Labels = Record<string, string>;
export type Obj = Record<string, any>;

export interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Container extends Obj {
    name: string;
    image?: string;
}

export interface ContainerRef {
    container: Container;
    init: boolean;
}

/** A pod-creating resource in a uniform shape. */
export interface WorkloadView {
    type: string;
    kind: string;
    name: string;
    namespace: string;
    urn: string;
    /** Pods it runs at steady state (1 for Pods, Jobs and CronJobs; 0 for DaemonSets: unknown). */
    replicas: number;
    podLabels: Labels;
    pod: Obj;
    selector?: LabelSelector;
    props: Obj;
}

export function kindOf(type: string): string {
    return type.split(":").pop() ?? type;
}

export function podSpecOf(type: string, props: Obj): Obj | undefined {
    if (type === T.pod) return props.spec;
    if (type === T.cronJob) return props.spec?.jobTemplate?.spec?.template?.spec;
    return props.spec?.template?.spec;
}

export function podLabelsOf(type: string, props: Obj): Labels {
    if (type === T.pod) return props.metadata?.labels ?? {};
    if (type === T.cronJob) return props.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
    return props.spec?.template?.metadata?.labels ?? {};
}

export function containersOf(pod: Obj | undefined): ContainerRef[] {
    if (!pod) return [];
    return [
        ...((pod.initContainers ?? []) as Container[]).map((container) => ({ container, init: true })),
        ...((pod.containers ?? []) as Container[]).map((container) => ({ container, init: false })),
        ...((pod.ephemeralContainers ?? []) as Container[]).map((container) => ({ container, init: true })),
    ];
}

export function namespaceOf(props: Obj): string {
    return props.metadata?.namespace ?? "default";
}

export function nameOf(props: Obj, fallback: string): string {
    return props.metadata?.name ?? fallback;
}

export function workloadView(type: string, props: Obj, urn: string, fallbackName: string): WorkloadView | undefined {
    if (!WORKLOAD_TYPES.includes(type)) return undefined;
    const pod = podSpecOf(type, props);
    if (!pod) return undefined;
    const replicas = type === T.deployment || type === T.statefulSet || type === T.replicaSet
        ? (props.spec?.replicas ?? 1)
        : type === T.daemonSet ? 0 : 1;
    return {
        type,
        kind: kindOf(type),
        name: nameOf(props, fallbackName),
        namespace: namespaceOf(props),
        urn,
        replicas,
        podLabels: podLabelsOf(type, props),
        pod,
        selector: type === T.pod || type === T.cronJob || type === T.job ? undefined : props.spec?.selector,
        props,
    };
}

export function workloadsOf(resources: PolicyResource[]): WorkloadView[] {
    return resources
        .map((r) => workloadView(r.type, r.props, r.urn, r.name))
        .filter((w): w is WorkloadView => w !== undefined);
}

/** The app name a workload's pods carry (the label every platform object sets), else its name. */
export function appOf(w: WorkloadView): string {
    return w.podLabels["app.kubernetes.io/name"] ?? w.name;
}

/** Kubernetes label-selector semantics; an empty selector selects everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
    if (!selector) return false;
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) return false;
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
    return !!selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Workloads of a namespace whose pods a Service-style map selector picks. */
export function selectedByMap(workloads: WorkloadView[], namespace: string, selector: Labels | undefined): WorkloadView[] {
    if (!selector || Object.keys(selector).length === 0) return [];
    return workloads.filter((w) => w.namespace === namespace && selectorMatches({ matchLabels: selector }, w.podLabels));
}

export function resourcesOfType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}

/**
 * The policy's config with the schema defaults filled in. The CLI does this itself; doing it here
 * too keeps a rule correct when called in-process with partial config.
 */
export function configOf<C>(policy: Policy, args: ResourceValidationArgs | StackValidationArgs): C {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => (schema as Obj).default !== undefined)
            .map(([key, schema]) => [key, (schema as Obj).default]),
    );
    return { ...defaults, ...(args.getConfig<Obj>() ?? {}) } as C;
}

/** Calls notApplicable unless the resource is a pod-creating kind; returns its view. */
export function requireWorkload(args: ResourceValidationArgs): WorkloadView {
    const view = workloadView(args.type, args.props, args.urn, args.name);
    if (!view) args.notApplicable(`Policy only applies to pod-creating resources (${WORKLOAD_TYPES.map(kindOf).join(", ")})`);
    return view!;
}

export function requireType(args: ResourceValidationArgs, type: string): Obj {
    if (args.type !== type) args.notApplicable(`Policy only applies to resources of type '${type}'`);
    return args.props;
}

/** `Kind namespace/name`, how messages name an object. */
export function label(kind: string, namespace: string | undefined, name: string): string {
    return namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
}

export function workloadLabel(w: WorkloadView): string {
    return label(w.kind, w.namespace, w.name);
}

/** Text values of a Secret (stringData, and data decoded from base64) or a ConfigMap. */
export function textEntries(type: string, props: Obj): [string, string][] {
    const entries: [string, string][] = [];
    for (const [k, v] of Object.entries((props.stringData ?? {}) as Obj)) {
        if (typeof v === "string") entries.push([k, v]);
    }
    for (const [k, v] of Object.entries((props.data ?? {}) as Obj)) {
        if (typeof v !== "string") continue;
        entries.push([k, type === T.secret ? Buffer.from(v, "base64").toString("utf8") : v]);
    }
    for (const [k, v] of Object.entries((props.binaryData ?? {}) as Obj)) {
        if (typeof v === "string") entries.push([k, Buffer.from(v, "base64").toString("utf8")]);
    }
    return entries;
}

/** A documented waiver: policy config entries must say why, or they are not honoured. */
export interface Waiver {
    reason: string;
}

export function hasReason(w: Waiver | undefined): w is Waiver {
    return !!w && typeof w.reason === "string" && w.reason.trim().length > 0;
}
