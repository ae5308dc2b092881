// Policy tests in the pulumi-policy-aws style: build the args the policy engine would pass (the
// shared builders of policies/evaluate.ts: notApplicable throws, isType/asType compare
// __pulumiType, stackTags is a Map, schema defaults merged under the supplied config), run one
// rule, collect its messages. Fixtures are passing objects; each test breaks exactly one thing.
import { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    policyConfig, policyResources, resourceValidationArgs, runResourceValidation, runStackValidation, stackValidationArgs,
} from "../../policies/evaluate";
import { T } from "../../policies/rules/util";

export { T };
export type Props = Record<string, any>;

export interface Fixture {
    type: string;
    name: string;
    props: Props;
}

export function configFor(policy: Policy, config: Record<string, unknown> = {}): Record<string, unknown> {
    return policyConfig(policy, config);
}

/** Messages of a resource rule; throws if the rule declared itself not applicable. */
export async function resourceViolations(policy: ResourceValidationPolicy, type: string, props: Props, config: Record<string, unknown> = {}): Promise<string[]> {
    const result = await runResourceValidation(policy, resourceValidationArgs({ type, props, config: configFor(policy, config) }));
    if (result === undefined) throw new Error(`${policy.name} is not applicable to ${type}`);
    return result;
}

/** True when a resource rule calls notApplicable for this resource. */
export async function isNotApplicable(policy: ResourceValidationPolicy, type: string, props: Props): Promise<boolean> {
    return (await runResourceValidation(policy, resourceValidationArgs({ type, props, config: configFor(policy) }))) === undefined;
}

/** Messages of a stack rule over fixtures; throws if the rule declared itself not applicable. */
export async function stackViolations(policy: StackValidationPolicy, fixtures: Fixture[], config: Record<string, unknown> = {}): Promise<string[]> {
    const found = await runStackValidation(policy, stackValidationArgs(policyResources(fixtures), configFor(policy, config)));
    if (found === undefined) throw new Error(`${policy.name} is not applicable to these resources`);
    return found.map((v) => v.message);
}

export async function stackNotApplicable(policy: StackValidationPolicy, fixtures: Fixture[]): Promise<boolean> {
    return (await runStackValidation(policy, stackValidationArgs(policyResources(fixtures), configFor(policy)))) === undefined;
}

export const clone = <V>(v: V): V => structuredClone(v);

/** A copy of `props` changed by `edit`: how a test breaks exactly one thing. */
export function broken<V>(props: V, edit: (p: any) => void): V {
    const copy = clone(props);
    edit(copy);
    return copy;
}

/** A copy of a fixture list with one resource (by name) edited. */
export function brokenStack(fixtures: Fixture[], name: string, edit: (p: any) => void): Fixture[] {
    if (fixtures.filter((f) => f.name === name).length !== 1) throw new Error(`expected exactly one fixture ${name}`);
    return fixtures.map((f) => (f.name === name ? { ...f, props: broken(f.props, edit) } : clone(f)));
}

export const NS = "supabase";
const labelsOf = (app: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app });

/** A restricted, probed, resourced container. */
export function container(name = "app", port = 8080): Props {
    return {
        name,
        image: `example/${name}:1.2.3`,
        ports: [{ name: "http", containerPort: port }],
        env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "API_SECRET", valueFrom: { secretKeyRef: { name: `${name}-secrets`, key: "API_SECRET" } } },
        ],
        readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
        livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 20 },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
        securityContext: {
            runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

export function deployment(app = "api", replicas = 2, port = 8080): Props {
    return {
        metadata: { name: app, namespace: NS, labels: labelsOf(app) },
        spec: {
            replicas,
            selector: { matchLabels: labelsOf(app) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: labelsOf(app) },
                spec: {
                    serviceAccountName: app,
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [container(app, port)],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}

export function service(app: string, port: number, extra: Props = {}): Props {
    return {
        metadata: { name: app, namespace: NS, labels: labelsOf(app), ...(extra.metadata ?? {}) },
        spec: { type: "ClusterIP", selector: labelsOf(app), ports: [{ name: "http", port, targetPort: "http" }], ...(extra.spec ?? {}) },
    };
}

export function serviceAccount(app: string): Props {
    return { metadata: { name: app, namespace: NS }, automountServiceAccountToken: false };
}

export function pdb(app: string): Props {
    return { metadata: { name: app, namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: labelsOf(app) }, unhealthyPodEvictionPolicy: "AlwaysAllow" } };
}

export function databaseStatefulSet(maxConnections = 100): Props {
    const c = container("postgres", 5432);
    c.image = "supabase/postgres:15.1.1.78";
    c.ports = [{ name: "postgres", containerPort: 5432 }];
    c.args = ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf", "-c", `max_connections=${maxConnections}`];
    c.readinessProbe = { exec: { command: ["pg_isready", "-h", "localhost"] } };
    c.livenessProbe = { exec: { command: ["pg_isready", "-h", "/var/run/postgresql"] } };
    c.env = [{ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "postgres-secrets", key: "POSTGRES_PASSWORD" } } }];
    return {
        metadata: { name: "postgres", namespace: NS, labels: labelsOf("postgres") },
        spec: {
            replicas: 1,
            serviceName: "postgres-headless",
            selector: { matchLabels: labelsOf("postgres") },
            template: {
                metadata: { labels: labelsOf("postgres") },
                spec: {
                    serviceAccountName: "postgres",
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [c],
                },
            },
            volumeClaimTemplates: [{
                metadata: { name: "postgres-data" },
                spec: { accessModes: ["ReadWriteOnce"], storageClassName: "longhorn-db", resources: { requests: { storage: "20Gi" } } },
            }],
        },
    };
}

export function storageClass(): Props {
    return {
        metadata: { name: "longhorn-db" },
        provisioner: "driver.longhorn.io",
        parameters: { numberOfReplicas: "2", dataLocality: "best-effort" },
        reclaimPolicy: "Retain",
        allowVolumeExpansion: true,
    };
}

export function defaultDeny(): Props {
    return { metadata: { name: "default-deny", namespace: NS }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

export function allow(app: string, fromApp: string, port: number): Props {
    return {
        metadata: { name: `allow-${app}`, namespace: NS },
        spec: {
            podSelector: { matchLabels: labelsOf(app) },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: labelsOf(fromApp) } }], ports: [{ protocol: "TCP", port }] }],
            egress: [],
        },
    };
}

/** A small platform that passes every stack rule: an API behind a Service, and its database. */
export function passingStack(): Fixture[] {
    const headless = service("postgres", 5432);
    headless.metadata.name = "postgres-headless";
    headless.spec.clusterIP = "None";
    headless.spec.ports = [{ name: "postgres", port: 5432, targetPort: "postgres" }];
    const db = service("postgres", 5432);
    db.spec.ports = [{ name: "postgres", port: 5432, targetPort: "postgres" }];
    return [
        { type: T.deployment, name: "api", props: deployment("api", 2) },
        { type: T.service, name: "api-svc", props: service("api", 80) },
        { type: T.serviceAccount, name: "api-sa", props: serviceAccount("api") },
        { type: T.pdb, name: "api-pdb", props: pdb("api") },
        { type: T.statefulSet, name: "postgres", props: databaseStatefulSet() },
        { type: T.service, name: "postgres-headless", props: headless },
        { type: T.service, name: "postgres-svc", props: db },
        { type: T.serviceAccount, name: "postgres-sa", props: serviceAccount("postgres") },
        { type: T.storageClass, name: "longhorn-db", props: storageClass() },
        { type: T.networkPolicy, name: "default-deny", props: defaultDeny() },
        { type: T.networkPolicy, name: "allow-postgres", props: allow("postgres", "api", 5432) },
    ];
}
