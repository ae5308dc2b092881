// Connection budget: PostgreSQL refuses connections past max_connections, and a refused pool is an
// outage of that service. The sum of every client's pool, at the most pods a rollout can run at
// once, must fit below max_connections minus the superuser reserve and an admin margin.
import { StackValidationPolicy } from "@pulumi/policy";
import { parseImage } from "./images";
import { appOf, configOf, containersOf, Obj, T, WorkloadView, workloadLabel, workloadsOf } from "./util";

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
    "supabase/postgres-meta": { default: 1, note: "pg pool fixed at max 1" },
    "supabase/studio": { default: 0, note: "reaches the database through postgres-meta" },
    "kong": { default: 0, note: "DB-less gateway" },
    "darthsim/imgproxy": { default: 0, note: "no database" },
    "supabase/postgres": { default: 1, note: "used as a client (pg_dump, psql): one session" },
};

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

/** Most pods a workload runs at once: replicas plus the rollout surge. */
export function peakPods(w: WorkloadView): number {
    const spec: Obj = w.props.spec ?? {};
    if (w.type === T.deployment) {
        if (spec.strategy?.type === "Recreate") return w.replicas;
        const surge = spec.strategy?.rollingUpdate?.maxSurge ?? "25%";
        const pct = /^([0-9]+)%$/.exec(String(surge));
        return w.replicas + (pct ? Math.ceil((Number(pct[1]) * w.replicas) / 100) : Number(surge));
    }
    if (w.type === T.cronJob) {
        const parallelism = spec.jobTemplate?.spec?.parallelism ?? 1;
        // The default policy (Allow) lets a late run overlap the next one.
        return parallelism * (spec.concurrencyPolicy === "Forbid" || spec.concurrencyPolicy === "Replace" ? 1 : 2);
    }
    if (w.type === T.job) return spec.parallelism ?? 1;
    return w.replicas;
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
            superuserReserved: { type: "integer", minimum: 0, default: 3 },
            adminMargin: { type: "integer", minimum: 0, default: 10, description: "pulumi postgresql provider, psql sessions, pg_dump" },
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
        const available = maxConnections - reserved - config.adminMargin;

        const usage: ClientUsage[] = [];
        for (const w of workloads.filter((x) => x !== server && x.namespace === server.namespace)) {
            for (const { container, init } of containersOf(w.pod)) {
                if (init || typeof container.image !== "string") continue;
                const spec = DATABASE_POOLS[repositoryOf(container.image)];
                const env = new Map(((container.env ?? []) as Obj[]).map((e) => [e.name as string, e]));
                if (!spec) {
                    const dbEnv = [...env.keys()].find((k) => DATABASE_ENV.test(k));
                    if (dbEnv) report(`${workloadLabel(w)}: container ${container.name} (${container.image}) connects to a database (${dbEnv}) but its pool size is unknown; add its image to DATABASE_POOLS`, w.urn);
                    continue;
                }
                let pool: number | "unbounded" = spec.default;
                if (spec.env && env.has(spec.env)) {
                    const raw = env.get(spec.env)!.value;
                    const n = Number(raw);
                    if (typeof raw !== "string" || !/^[0-9]+$/.test(raw)) {
                        report(`${workloadLabel(w)}: ${spec.env} must be a literal integer so the budget can be checked`, w.urn);
                        continue;
                    }
                    pool = n === 0 && spec.default === "unbounded" ? "unbounded" : n;
                }
                if (pool === "unbounded") {
                    report(`${workloadLabel(w)}: container ${container.name} has an unbounded pool; set ${spec.env} (${spec.note})`, w.urn);
                    continue;
                }
                const perPod = pool + (spec.extra ?? 0);
                if (perPod > 0) usage.push({ workload: workloadLabel(w), container: container.name, perPod, pods: peakPods(w) });
            }
        }
        const total = usage.reduce((n, u) => n + u.perPod * u.pods, 0);
        if (total > available) {
            const parts = usage.map((u) => `${u.workload}/${u.container} ${u.perPod}×${u.pods}`).join(", ");
            report(`${workloadLabel(server)}: clients may open ${total} connections (${parts}) but max_connections ${maxConnections} − ${reserved} reserved − ${config.adminMargin} admin margin leaves ${available}`, server.urn);
        }
    },
};
