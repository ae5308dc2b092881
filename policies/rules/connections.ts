// Connection budget: PostgreSQL refuses connections past max_connections, and a refused pool is an
// outage of that service. The sum of every client's pool, at the most pods a rollout can run at
// once, must fit below max_connections minus the superuser reserve and an admin margin.
import { StackValidationPolicy } from "@pulumi/policy";
import { budgetConnections, DEFAULT_ADMIN_MARGIN, DEFAULT_SUPERUSER_RESERVED, peakPodCount, podConnections } from "../../components/connection-budget";
import { POOLER_PATHS } from "../../components/services/pooler/facts";
import { parseImage } from "./images";
import { appOf, configOf, containersOf, Obj, resourcesOfType, T, WorkloadView, workloadLabel, workloadsOf } from "./util";

export interface PoolSpec {
    /** Env var that sets the pool size; absent when the image's pool is fixed. */
    env?: string;
    /** Pool size when the env var is unset; "unbounded" means the image has no limit then. */
    default: number | "unbounded";
    /** Connections held outside the pool (listeners, migration clients). */
    extra?: number;
    note: string;
}

/**
 * Pool size per image repository (registry stripped). Values from the images' own defaults; the
 * platform sets every env var explicitly so a release changing a default cannot break the budget.
 */
export const DATABASE_POOLS: Record<string, PoolSpec> = {
    "postgrest/postgrest": { env: "PGRST_DB_POOL", default: 10, extra: 1, note: "pool + the LISTEN connection for schema-cache reloads" },
    "supabase/gotrue": { env: "GOTRUE_DB_MAX_POOL_SIZE", default: "unbounded", note: "0 or unset means no limit" },
    "supabase/auth": { env: "GOTRUE_DB_MAX_POOL_SIZE", default: "unbounded", note: "0 or unset means no limit" },
    "supabase/storage-api": { env: "DATABASE_MAX_CONNECTIONS", default: 20, extra: 1, note: "pool + the migration client" },
    // A pool of max 1 per request, ended after it (supabase/postgres-meta@v0.68.0 src/server/routes/query.ts:23-25,
    // @v0.98.0 :25-31): one connection per request in flight, with no bound of its own; 10 reserved per pod.
    "supabase/postgres-meta": { default: 10, note: "one pool of max 1 per request in flight; no bound of its own, 10 reserved" },
    "supabase/studio": { default: 0, note: "reaches the database through postgres-meta" },
    "kong": { default: 0, note: "DB-less gateway" },
    "kong/kong": { default: 0, note: "DB-less gateway" },
    "darthsim/imgproxy": { default: 0, note: "no database" },
    "supabase/postgres": { default: 1, note: "used as a client (pg_dump, psql): one session" },
    // The PITR base-backup CronJob (config `pitr`) runs wal-g backup-push in the database pod through kubectl exec.
    "kubectl": { default: 1, note: "kubectl exec of wal-g backup-push into the database pod (PITR base backup): one session" },
    "supabase/realtime": {
        env: "DB_POOL_SIZE", default: 5, extra: 14,
        note: "metadata pool + the tenant's connections per application name (supabase/realtime@v2.129.8 lib/realtime/database.ex:344-357)",
    },
};

/** Images whose pool is their pgbouncer.ini's, mounted from a ConfigMap (components/services/pooler). */
export const PGBOUNCER_REPOSITORIES = ["edoburu/pgbouncer"];

/**
 * Server connections one PgBouncer process may open, from the ini its pod mounts at the path the
 * image reads: per [databases] entry its own max_db_connections, else the [pgbouncer] section's.
 * A string when it cannot be known (no mounted ini, or a database without a cap).
 */
export function pgbouncerConnections(container: Obj, pod: Obj, namespace: string, configMaps: Obj[]): number | string {
    const mount = ((container.volumeMounts ?? []) as Obj[]).find((m) => m.mountPath === POOLER_PATHS.ini);
    const volume = mount && ((pod.volumes ?? []) as Obj[]).find((v) => v.name === mount.name);
    const source = volume?.configMap;
    if (!mount || !source || !mount.subPath) return `mounts no pgbouncer.ini from a ConfigMap at ${POOLER_PATHS.ini}, so its server connections are unknown`;
    const map = configMaps.find((c) => c.metadata?.name === source.name && (c.metadata?.namespace ?? namespace) === namespace);
    const ini = map?.data?.[mount.subPath];
    if (typeof ini !== "string") return `mounts ConfigMap ${source.name} key ${mount.subPath}, which the stack does not hold`;
    let section = "";
    let globalCap: number | undefined;
    const entryCaps: (number | undefined)[] = [];
    for (const raw of ini.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith(";") || line.startsWith("#")) continue;
        const header = /^\[(.+)\]$/.exec(line);
        if (header) { section = header[1]; continue; }
        const [key, ...rest] = line.split("=");
        const value = rest.join("=").trim();
        if (section === "pgbouncer" && key.trim() === "max_db_connections") globalCap = Number(value);
        if (section === "databases") {
            const own = /(?:^|\s)max_db_connections=([0-9]+)/.exec(value);
            entryCaps.push(own ? Number(own[1]) : undefined);
        }
    }
    const caps = entryCaps.map((c) => c ?? globalCap);
    if (caps.some((c) => !c)) return "has a database without max_db_connections (PgBouncer's default 0 means no limit); set it";
    return (caps as number[]).reduce((n, c) => n + c, 0);
}

/** Env names that point a container at a database; an image outside the table with one is unknown. */
const DATABASE_ENV = /^(DATABASE_URL|DB_URL|DB_URI|DB_HOST|PGHOST|POSTGRES_HOST|[A-Z0-9_]*_DB_(URL|URI|HOST))$/;

export function repositoryOf(image: string): string {
    const repo = parseImage(image).repository;
    const parts = repo.split("/");
    if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) parts.shift();
    if (parts[0] === "library" && parts.length === 2) parts.shift();
    return parts.join("/");
}

/** `-c name=value` or `name=value` in a container's command and args. */
export function serverSetting(container: Obj, name: string): number | undefined {
    const words: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(String);
    for (const w of words) {
        const m = new RegExp(`^(?:-c)?${name}=([0-9]+)$`).exec(w.trim());
        if (m) return Number(m[1]);
    }
    return undefined;
}

/** Most pods a workload runs at once: replicas plus the rollout surge (connection-budget.ts). */
export function peakPods(w: WorkloadView): number {
    const spec: Obj = w.props.spec ?? {};
    if (w.type === T.deployment) {
        return peakPodCount({ kind: "Deployment", replicas: w.replicas, strategy: spec.strategy?.type, maxSurge: spec.strategy?.rollingUpdate?.maxSurge });
    }
    if (w.type === T.cronJob) {
        return peakPodCount({ kind: "CronJob", parallelism: spec.jobTemplate?.spec?.parallelism, concurrencyPolicy: spec.concurrencyPolicy });
    }
    if (w.type === T.job) return peakPodCount({ kind: "Job", parallelism: spec.parallelism });
    return peakPodCount({ kind: "Other", replicas: w.replicas });
}

export interface ConnectionConfig {
    databaseApps: string[];
    /** superuser_reserved_connections when the server's args do not set it. */
    superuserReserved: number;
    /** Slots kept free for `pulumi up` (postgresql provider), psql and backups. */
    adminMargin: number;
}

export interface ClientUsage {
    workload: string;
    container: string;
    perPod: number;
    pods: number;
}

export const connectionBudget: StackValidationPolicy = {
    name: "connection-budget",
    description: "The sum of every service's database pool (× pods at rollout peak) stays within max_connections minus superuser_reserved_connections and an admin margin.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            databaseApps: { type: "array", items: { type: "string" }, default: ["postgres"] },
            superuserReserved: { type: "integer", minimum: 0, default: DEFAULT_SUPERUSER_RESERVED },
            adminMargin: { type: "integer", minimum: 0, default: DEFAULT_ADMIN_MARGIN, description: "pulumi postgresql provider, psql sessions, pg_dump" },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<ConnectionConfig>(connectionBudget, args);
        const workloads = workloadsOf(args.resources);
        const server = workloads.find((w) => w.type === T.statefulSet && config.databaseApps.includes(appOf(w)));
        if (!server) return args.notApplicable("no database StatefulSet in the stack");
        const serverContainer = containersOf(server.pod).find((c) => !c.init && serverSetting(c.container, "max_connections") !== undefined)?.container
            ?? containersOf(server.pod).find((c) => !c.init)?.container ?? {};
        const maxConnections = serverSetting(serverContainer, "max_connections") ?? 100;
        const reserved = serverSetting(serverContainer, "superuser_reserved_connections") ?? config.superuserReserved;

        const usage: ClientUsage[] = [];
        const configMaps = resourcesOfType(args.resources, T.configMap).map((r) => r.props as Obj);
        for (const w of workloads.filter((x) => x !== server && x.namespace === server.namespace)) {
            const main: ClientUsage[] = [];
            const inits: ClientUsage[] = [];
            for (const { container, init } of containersOf(w.pod)) {
                if (typeof container.image !== "string") continue;
                // Init containers are counted when their pool is known; the pod rules judge them otherwise.
                const problem = (message: string) => { if (!init) report(message, w.urn); };
                if (PGBOUNCER_REPOSITORIES.includes(repositoryOf(container.image))) {
                    const held = pgbouncerConnections(container, w.pod, w.namespace, configMaps);
                    if (typeof held === "string") problem(`${workloadLabel(w)}: container ${container.name} (${container.image}) ${held}`);
                    else (init ? inits : main).push({ workload: workloadLabel(w), container: container.name, perPod: held, pods: peakPods(w) });
                    continue;
                }
                const spec = DATABASE_POOLS[repositoryOf(container.image)];
                const env = new Map(((container.env ?? []) as Obj[]).map((e) => [e.name as string, e]));
                if (!spec) {
                    const dbEnv = [...env.keys()].find((k) => DATABASE_ENV.test(k));
                    if (dbEnv) problem(`${workloadLabel(w)}: container ${container.name} (${container.image}) connects to a database (${dbEnv}) but its pool size is unknown; add its image to DATABASE_POOLS`);
                    continue;
                }
                let pool: number | "unbounded" = spec.default;
                if (spec.env && env.has(spec.env)) {
                    const raw = env.get(spec.env)!.value;
                    const n = Number(raw);
                    if (typeof raw !== "string" || !/^[0-9]+$/.test(raw)) {
                        problem(`${workloadLabel(w)}: ${spec.env} must be a literal integer so the budget can be checked`);
                        continue;
                    }
                    pool = n === 0 && spec.default === "unbounded" ? "unbounded" : n;
                }
                if (pool === "unbounded") {
                    problem(`${workloadLabel(w)}: container ${container.name} has an unbounded pool; set ${spec.env} (${spec.note})`);
                    continue;
                }
                const perPod = pool + (spec.extra ?? 0);
                if (perPod > 0) (init ? inits : main).push({ workload: workloadLabel(w), container: container.name, perPod, pods: peakPods(w) });
            }
            // Init containers run one at a time before the others: a pod holds the larger of the two.
            const mainSum = main.reduce((n, u) => n + u.perPod, 0);
            const largestInit = inits.reduce<ClientUsage | undefined>((a, u) => (!a || u.perPod > a.perPod ? u : a), undefined);
            if (largestInit && podConnections(inits.map((u) => u.perPod), main.map((u) => u.perPod)) > mainSum) usage.push(largestInit);
            else usage.push(...main);
        }
        const budget = budgetConnections({
            maxConnections, superuserReserved: reserved, adminMargin: config.adminMargin,
            clients: usage.map((u) => ({ label: `${u.workload}/${u.container}`, perPod: u.perPod, pods: u.pods })),
        });
        if (!budget.fits) report(`${workloadLabel(server)}: clients may open ${budget.explanation}`, server.urn);
    },
};
