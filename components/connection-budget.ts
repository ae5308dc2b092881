// The connection budget as plain arithmetic, shared by the policy rule (policies/rules/connections.ts,
// which reads the clients from the rendered workloads) and the program's config check
// (components/configured-budget.ts, which reads them from the stack config before anything is
// registered). A leaf: it imports nothing, so the pack may read it.

/** superuser_reserved_connections when the server's args do not set it (PostgreSQL's default). */
export const DEFAULT_SUPERUSER_RESERVED = 3;
/** Slots kept free for `pulumi up` (postgresql provider), psql sessions and pg_dump. */
export const DEFAULT_ADMIN_MARGIN = 10;

/** How a workload rolls out, which decides the most pods it runs at once. */
export type RolloutShape =
    | { kind: "Deployment"; replicas: number; strategy?: "Recreate" | "RollingUpdate"; maxSurge?: number | string }
    | { kind: "CronJob"; parallelism?: number; concurrencyPolicy?: string }
    | { kind: "Job"; parallelism?: number }
    | { kind: "Other"; replicas: number };

/** Most pods a workload runs at once: replicas plus the rollout surge (25% unless set, as in Kubernetes). */
export function peakPodCount(shape: RolloutShape): number {
    switch (shape.kind) {
        case "Deployment": {
            if (shape.strategy === "Recreate") return shape.replicas;
            const surge = shape.maxSurge ?? "25%";
            const pct = /^([0-9]+)%$/.exec(String(surge));
            return shape.replicas + (pct ? Math.ceil((Number(pct[1]) * shape.replicas) / 100) : Number(surge));
        }
        case "CronJob":
            // The default policy (Allow) lets a late run overlap the next one.
            return (shape.parallelism ?? 1) * (shape.concurrencyPolicy === "Forbid" || shape.concurrencyPolicy === "Replace" ? 1 : 2);
        case "Job":
            return shape.parallelism ?? 1;
        case "Other":
            return shape.replicas;
    }
}

/**
 * Connections one pod holds at most: init containers run one at a time and end before the other
 * containers start, so the largest init container or the sum of the others, whichever is more.
 */
export function podConnections(init: number[], main: number[]): number {
    return Math.max(main.reduce((n, c) => n + c, 0), ...init);
}

export interface BudgetClient {
    /** Who holds the connections, e.g. "Deployment supabase/rest/rest". */
    label: string;
    /** Connections one pod holds: its pool plus those outside the pool. */
    perPod: number;
    /** Pods at rollout peak (peakPodCount). */
    pods: number;
}

export interface BudgetInput {
    maxConnections: number;
    superuserReserved: number;
    adminMargin: number;
    clients: BudgetClient[];
}

export interface BudgetResult {
    total: number;
    available: number;
    fits: boolean;
    /** "<n> connections (<who> a×b, …) but max_connections m − r reserved − a admin margin leaves k". */
    explanation: string;
}

/** The sum of every client's connections at rollout peak against what max_connections leaves. */
export function budgetConnections(input: BudgetInput): BudgetResult {
    const clients = input.clients.filter((c) => c.perPod > 0 && c.pods > 0);
    const total = clients.reduce((n, c) => n + c.perPod * c.pods, 0);
    const available = input.maxConnections - input.superuserReserved - input.adminMargin;
    const parts = clients.map((c) => `${c.label} ${c.perPod}×${c.pods}`).join(", ");
    return {
        total,
        available,
        fits: total <= available,
        explanation: `${total} connections (${parts}) but max_connections ${input.maxConnections} − ${input.superuserReserved} reserved − ${input.adminMargin} admin margin leaves ${available}`,
    };
}
