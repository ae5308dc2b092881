// Every problem with the pooler's settings at once, each naming the key, its value and the fix.
// Pure: the program's rules (components/program-rules.ts) call it with the parsed values and the
// budget of the other services, and report each problem as one line. Each key's own grammar (whole
// numbers, CIDRs, addresses) is config/schema.ts's; this checks the keys against each other.
import { PoolMode, PoolSizes, poolerConnectionsPerPod } from "./facts";

export interface PoolerSettings {
    enabled: boolean;
    /** The setting as written (auto, true, false): only an explicit true can be refused for want of a database layer. */
    setting: "auto" | "true" | "false";
    /** The database layer runs (dbAdminEndpoint is not none): it makes the app login roles. */
    databaseLayer: boolean;
    replicas: number;
    sizes: Record<PoolMode, PoolSizes>;
    /** cluster: a ClusterIP Service only; loadbalancer: also a LoadBalancer limited to sourceRanges. */
    endpoint: "cluster" | "loadbalancer";
    loadBalancerIp: string;
    sourceRanges: string[];
}

/** The budget without the pooler: what the other clients hold at rollout peak, and what max_connections leaves. */
export interface BudgetWithoutPooler {
    othersTotal: number;
    available: number;
    maxConnections: number;
}

export interface PoolerProblem {
    key: string;
    value: unknown;
    fix: string;
}

/** Config key of one process's size, e.g. poolerTransactionMaxDbConnections. */
export const sizeKey = (mode: PoolMode, size: keyof PoolSizes) =>
    `pooler${mode === "transaction" ? "Transaction" : "Session"}${size[0].toUpperCase()}${size.slice(1)}`;

export function poolerProblems(s: PoolerSettings, budget: BudgetWithoutPooler): PoolerProblem[] {
    const problems: PoolerProblem[] = [];
    const add = (key: string, value: unknown, fix: string) => problems.push({ key, value, fix });

    if (s.endpoint !== "loadbalancer") {
        if (s.sourceRanges.length > 0) add("poolerSourceRanges", s.sourceRanges, "only applies to a LoadBalancer: set poolerEndpoint to loadbalancer, or remove poolerSourceRanges");
        if (s.loadBalancerIp) add("poolerLoadBalancerIp", s.loadBalancerIp, "only applies to a LoadBalancer: set poolerEndpoint to loadbalancer, or remove poolerLoadBalancerIp");
    }
    if (s.setting === "true" && !s.databaseLayer) {
        add("pooler", s.setting, "the pooler serves the apps' login roles, which the database layer makes; set dbAdminEndpoint to tunnel, cluster, port-forward or loadbalancer, or set pooler to false");
    }
    if (!s.enabled) {
        if (s.endpoint === "loadbalancer") add("poolerEndpoint", s.endpoint, "the pooler is off: set pooler to true, or poolerEndpoint to cluster");
        return problems;
    }
    if (s.endpoint === "loadbalancer") {
        if (!s.loadBalancerIp) add("poolerLoadBalancerIp", "", "is required when poolerEndpoint is loadbalancer: a free address MetalLB may announce, e.g. 10.89.97.216");
        if (s.sourceRanges.length === 0) {
            add("poolerSourceRanges", [], "a pooler LoadBalancer exposes every app role's login; list the CIDRs of the app hosts allowed to reach it, e.g. [\"192.168.10.0/24\"]");
        }
    }
    // Whole numbers of at least 1 are the keys' own rule; a value that failed it never reaches here.
    let countable = Number.isInteger(s.replicas) && s.replicas >= 1;
    for (const mode of ["transaction", "session"] as const) {
        const z = s.sizes[mode];
        for (const size of ["defaultPoolSize", "maxDbConnections", "maxClientConn"] as const) {
            if (Number.isInteger(z[size]) && z[size] >= 1) continue;
            add(sizeKey(mode, size), z[size], "must be a whole number of at least 1");
            countable = false;
        }
        if (z.defaultPoolSize > z.maxDbConnections) {
            add(sizeKey(mode, "defaultPoolSize"), z.defaultPoolSize,
                `one app's pool cannot exceed the process's cap ${sizeKey(mode, "maxDbConnections")}=${z.maxDbConnections}; lower it to at most ${z.maxDbConnections}`);
        }
        if (z.maxClientConn < z.maxDbConnections) {
            add(sizeKey(mode, "maxClientConn"), z.maxClientConn,
                `fewer clients than server connections leaves the pool unused; raise it to at least ${z.maxDbConnections}`);
        }
    }
    // The budget is checked whenever the numbers it needs are sound, beside any other problem.
    if (!countable) return problems;
    const perPod = poolerConnectionsPerPod(s.sizes);
    const pooler = perPod * (s.replicas + 1);
    if (budget.othersTotal + pooler > budget.available) {
        const room = budget.available - budget.othersTotal;
        const fitsPerPod = Math.floor(room / (s.replicas + 1));
        add(sizeKey("transaction", "maxDbConnections"), s.sizes.transaction.maxDbConnections,
            `the pooler may hold ${perPod} PostgreSQL connections per pod (transaction ${s.sizes.transaction.maxDbConnections} + session ${s.sizes.session.maxDbConnections}) × ${s.replicas + 1} pods at rollout = ${pooler}, `
            + `but the other services leave ${room} of max_connections ${budget.maxConnections}; `
            + `raise postgresMaxConnections to at least ${budget.maxConnections + budget.othersTotal + pooler - budget.available}`
            + (fitsPerPod >= 2 ? `, or lower ${sizeKey("transaction", "maxDbConnections")} + ${sizeKey("session", "maxDbConnections")} to ${fitsPerPod} in all` : ""));
    }
    return problems;
}
