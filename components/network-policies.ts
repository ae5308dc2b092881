// NetworkPolicies: a default deny (ingress and egress) for the namespace, then one policy per app
// allowing exactly the connections the platform is wired for. The table below is that wiring: who
// calls whom on which container port, what must reach the outside, and what the outside may reach.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { SERVICES } from "./endpoints";
import { MANAGED_BY, selectorLabels } from "./workload";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** The pods of the logical dump CronJob (components/backup.ts). */
export const BACKUP_APP = "postgres-backup";

/** The pods of the PITR base-backup CronJob (components/services/postgres/pitr-base-backup.ts). */
export const PITR_BACKUP_APP = "postgres-pitr-base-backup";

/** One allowed in-namespace connection: pods of `from` may open `port` on pods of `to`. */
export interface Flow {
    from: string;
    to: string;
    port: number;
}

/** Traffic crossing the cluster edge (or the namespace) for one app. */
export interface ExternalRule {
    app: string;
    ports: number[];
    /** CIDRs of the peers; everyone when absent (and no `labelledPodsIn`). */
    cidrs?: string[];
    /** Instead of CIDRs: pods carrying DB_ADMIN_LABEL in these namespaces. */
    labelledPodsIn?: string[];
    /** Instead of CIDRs: pods carrying this label in any namespace. */
    podsLabelled?: Record<string, string>;
}

/**
 * Label of the pods allowed to administer the database in `cluster` mode: the runner of
 * `pulumi up` (whose postgresql provider connects directly) and an operator's psql pod.
 */
export const DB_ADMIN_LABEL = { "supabase-platform/db-admin": "true" };

/** Label of the pods (in any namespace) that may reach the pooler: an app repo's workloads. */
export const POOLER_CLIENT_LABEL = { "supabase-platform/pooler-client": "true" };

export interface PlatformWiring {
    flows: Flow[];
    ingress: ExternalRule[];
    egress: ExternalRule[];
}

const port = (name: keyof typeof SERVICES) => SERVICES[name].port;

function urlPort(url: string, fallback = 443): number {
    try {
        const u = new URL(url);
        return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : fallback;
    } catch {
        return fallback;
    }
}

/** The connections the platform makes, derived from the same config the components read. */
export function platformWiring(config: PlatformConfig): PlatformWiring {
    const db = { to: SERVICES.postgres.name, port: port("postgres") };
    const flows: Flow[] = [
        // Kong's routes (services/kong/declarative-config.ts): every upstream it proxies to.
        ...(["gotrue", "rest", "storage", "meta", "studio"] as const).map((to) => ({ from: "kong", to, port: port(to) })),
        // Realtime only when deployed: Kong → realtime → PostgreSQL.
        ...(config.realtime.enabled ? [{ from: "kong", to: SERVICES.realtime.name, port: port("realtime") }, { from: SERVICES.realtime.name, ...db }] : []),
        // Studio's server side: STUDIO_PG_META_URL and SUPABASE_URL (the gateway).
        { from: "studio", to: "meta", port: port("meta") },
        { from: "studio", to: "kong", port: port("kong") },
        // Database clients: the services (and their wait-for-db init containers) and the dumps.
        ...["gotrue", "rest", "storage", "meta", BACKUP_APP].map((from) => ({ from, ...db })),
    ];
    const ingress: ExternalRule[] = [
        // Both LoadBalancers (API and dashboard) land on Kong's http/https listeners.
        { app: "kong", ports: [port("kong"), SERVICES.kong.httpsPort] },
    ];
    // tunnel and port-forward add no ingress: a port-forward (kubelet/CRI) enters the pod's own
    // network namespace and connects to its loopback, which NetworkPolicies do not filter. What
    // guards that path is RBAC (`create` on pods/portforward), not the network.
    if (config.dbAdmin.mode === "loadbalancer") {
        // externalTrafficPolicy Local keeps the client address, so the ranges hold here too.
        ingress.push({ app: SERVICES.postgres.name, ports: [port("postgres")], cidrs: config.dbAdmin.sourceRanges });
    } else if (config.dbAdmin.mode === "cluster") {
        // `pulumi up` from inside the cluster: only labelled pods of the named namespaces.
        const namespaces = [config.namespace, ...config.dbAdmin.clientNamespaces.filter((n) => n !== config.namespace)];
        ingress.push({ app: SERVICES.postgres.name, ports: [port("postgres")], labelledPodsIn: namespaces });
    }
    if (config.pooler) {
        // The pooler: app pods that carry the client label (any namespace) and, with a LoadBalancer,
        // the configured source ranges, on both ports; it reaches only the database (and DNS).
        const poolerPorts = [port("pooler"), SERVICES.pooler.sessionPort];
        flows.push({ from: SERVICES.pooler.name, ...db });
        ingress.push({ app: SERVICES.pooler.name, ports: poolerPorts, podsLabelled: POOLER_CLIENT_LABEL });
        if (config.pooler.endpoint.mode === "loadbalancer") ingress.push({ app: SERVICES.pooler.name, ports: poolerPorts, cidrs: config.pooler.endpoint.sourceRanges });
    }
    const egress: ExternalRule[] = [];
    const gotruePorts = [
        ...(config.auth.smtp ? [config.auth.smtp.port] : []),
        ...(config.auth.oauth.length > 0 ? [443] : []),
    ];
    if (gotruePorts.length) egress.push({ app: "gotrue", ports: [...new Set(gotruePorts)] });
    if (config.storageApi.s3) egress.push({ app: "storage", ports: [urlPort(config.storageApi.s3.endpoint)] });
    if (config.backup.s3) egress.push({ app: BACKUP_APP, ports: [urlPort(config.backup.s3.endpoint)] });
    // PITR: the server's archive_command (wal-g wal-push) writes to the S3 target; the base-backup
    // CronJob's kubectl reaches the Kubernetes API (the kubernetes Service's 443, the API server's
    // 6443 after the Service's DNAT; its address is the cluster's, not known here).
    if (config.pitr?.s3) egress.push({ app: SERVICES.postgres.name, ports: [urlPort(config.pitr.s3.endpoint)] });
    if (config.pitr) egress.push({ app: PITR_BACKUP_APP, ports: [443, 6443] });
    return { flows, ingress, egress };
}

export interface NetworkPoliciesArgs {
    /** The validated stack config (see config.ts); the wiring is derived from it. */
    config: PlatformConfig;
    /** Namespace of every platform pod. */
    namespace: pulumi.Input<string>;
    /** Apps (app.kubernetes.io/name) deployed; flows to or from anything else are left out. */
    apps: string[];
}

const tcp = (p: number): NetworkPolicyPort => ({ protocol: "TCP", port: p });
const appPeer = (app: string): NetworkPolicyPeer => ({ podSelector: { matchLabels: selectorLabels(app) } });
const cidrPeers = (cidrs?: string[]): NetworkPolicyPeer[] => (cidrs ?? ["0.0.0.0/0"]).map((cidr) => ({ ipBlock: { cidr } }));
const labelledPods = (namespaces: string[]): NetworkPolicyPeer[] => [{
    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: namespaces }] },
    podSelector: { matchLabels: DB_ADMIN_LABEL },
}];
const labelledAnywhere = (label: Record<string, string>): NetworkPolicyPeer[] => [{ namespaceSelector: {}, podSelector: { matchLabels: label } }];
const externalPeers = (rule: ExternalRule): NetworkPolicyPeer[] =>
    rule.podsLabelled ? labelledAnywhere(rule.podsLabelled) : rule.labelledPodsIn ? labelledPods(rule.labelledPodsIn) : cidrPeers(rule.cidrs);
/** Cluster DNS, in kube-system, as every pod resolves `<service>.<namespace>.svc`. */
const DNS_EGRESS = {
    to: [{
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    }],
    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
};

export class NetworkPolicies extends pulumi.ComponentResource {
    readonly defaultDeny: k8s.networking.v1.NetworkPolicy;
    readonly allows: Record<string, k8s.networking.v1.NetworkPolicy> = {};

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:NetworkPolicies", name, {}, opts);
        const labels = { "app.kubernetes.io/part-of": "supabase", "app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/component": "network" };
        const present = new Set(args.apps);
        const wiring = platformWiring(args.config);
        const flows = wiring.flows.filter((f) => present.has(f.from) && present.has(f.to));

        this.defaultDeny = new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, {
            metadata: { name: "default-deny", namespace: args.namespace, labels },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }, { parent: this });

        for (const app of args.apps) {
            const ingress = [
                ...flows.filter((f) => f.to === app).map((f) => ({ from: [appPeer(f.from)], ports: [tcp(f.port)] })),
                ...wiring.ingress.filter((r) => r.app === app).map((r) => ({ from: externalPeers(r), ports: r.ports.map(tcp) })),
            ];
            const egress = [
                DNS_EGRESS,
                ...flows.filter((f) => f.from === app).map((f) => ({ to: [appPeer(f.to)], ports: [tcp(f.port)] })),
                ...wiring.egress.filter((r) => r.app === app).map((r) => ({ to: externalPeers(r), ports: r.ports.map(tcp) })),
            ];
            this.allows[app] = new k8s.networking.v1.NetworkPolicy(`${name}-${app}`, {
                metadata: { name: `allow-${app}`, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: selectorLabels(app) },
                    policyTypes: ["Ingress", "Egress"],
                    ingress,
                    egress,
                },
            }, { parent: this });
        }
        this.registerOutputs({});
    }
}
