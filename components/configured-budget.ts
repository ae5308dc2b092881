// The connection budget from config alone: the clients the program will deploy, with the pool
// sizes their components set and the rollout shape their workloads use, fed to the same function
// the policy rule uses on the rendered workloads (components/connection-budget.ts).
import {
    BudgetClient, BudgetResult, budgetConnections, DEFAULT_ADMIN_MARGIN, DEFAULT_SUPERUSER_RESERVED, peakPodCount,
} from "./connection-budget";
import { maxConnectionsOf, poolerDeployed, realtimeDeployed } from "../config";
import { GOTRUE_DB_POOL_SIZE } from "./services/gotrue/facts";
import { META_DB_CONNECTIONS } from "./services/meta/facts";
import { poolerBudgetClient } from "./services/pooler/facts";
import { REALTIME_DB_POOL, REALTIME_TENANT_CONNECTIONS, realtimePeakPods } from "./services/realtime/facts";
import { POSTGREST_DB_POOL, POSTGREST_LISTENER } from "./services/rest/facts";
import { STORAGE_DB_POOL, STORAGE_MIGRATION_CONNECTIONS } from "./services/storage/facts";

export interface BudgetValues {
    postgresMaxConnections: number;
    storageBackend: "file" | "s3";
    gotrueReplicas: number;
    restReplicas: number;
    storageReplicas: number;
    metaReplicas: number;
    release: "seed" | "v0.8.2";
    realtime: "auto" | "true" | "false";
    realtimeReplicas: number;
    /** Point-in-time recovery on: its base-backup CronJob holds a session while wal-g backup-push runs. */
    pitr?: boolean;
    /** The pooler's settings; absent (as in a values object that predates the pooler) means no pooler. */
    pooler?: "auto" | "true" | "false";
    dbAdminEndpoint?: string;
    poolerReplicas?: number;
    poolerTransactionMaxDbConnections?: number;
    poolerSessionMaxDbConnections?: number;
}

/** The pooler's line, when the values deploy it. */
export function poolerClient(v: BudgetValues): BudgetClient | undefined {
    if (v.pooler === undefined || !poolerDeployed({ pooler: v.pooler, release: v.release, dbAdminEndpoint: v.dbAdminEndpoint ?? "tunnel" })) return undefined;
    return poolerBudgetClient(v.poolerReplicas ?? 1, {
        transaction: { maxDbConnections: v.poolerTransactionMaxDbConnections ?? 0 },
        session: { maxDbConnections: v.poolerSessionMaxDbConnections ?? 0 },
    });
}

/** The backup CronJob's pg_dump: one session, concurrencyPolicy Forbid (components/backup.ts). */
const BACKUP_SESSIONS = 1;

/** wal-g backup-push, run in the database pod by the PITR CronJob (concurrencyPolicy Forbid): one session. */
export const PITR_BASE_BACKUP_SESSIONS = 1;

/** Every Deployment rolls with maxSurge 1 (components/workload.ts) unless it must Recreate. */
const rolling = (replicas: number) => peakPodCount({ kind: "Deployment", replicas, strategy: "RollingUpdate", maxSurge: 1 });

/** Every client but the pooler (the pooler's own rule reports its share: program-rules.ts). */
export function configuredClientsWithoutPooler(v: BudgetValues): BudgetClient[] {
    return [
        { label: "gotrue", perPod: GOTRUE_DB_POOL_SIZE, pods: rolling(v.gotrueReplicas) },
        { label: "rest", perPod: POSTGREST_DB_POOL + POSTGREST_LISTENER, pods: rolling(v.restReplicas) },
        {
            label: "storage",
            perPod: STORAGE_DB_POOL + STORAGE_MIGRATION_CONNECTIONS,
            // The file backend's ReadWriteOnce volume makes storage Recreate (components/services/storage/index.ts).
            pods: v.storageBackend === "file" ? peakPodCount({ kind: "Deployment", replicas: v.storageReplicas, strategy: "Recreate" }) : rolling(v.storageReplicas),
        },
        // meta rolls with Recreate (components/services/meta/index.ts): its reservation is not doubled at rollout.
        { label: "meta", perPod: META_DB_CONNECTIONS, pods: peakPodCount({ kind: "Deployment", replicas: v.metaReplicas, strategy: "Recreate" }) },
        { label: "backup", perPod: BACKUP_SESSIONS, pods: peakPodCount({ kind: "CronJob", concurrencyPolicy: "Forbid" }) },
        ...(v.pitr ? [{ label: "pitr-base-backup", perPod: PITR_BASE_BACKUP_SESSIONS, pods: peakPodCount({ kind: "CronJob", concurrencyPolicy: "Forbid" }) }] : []),
        ...(realtimeDeployed(v.realtime, v.release) ? [{ label: "realtime", perPod: REALTIME_DB_POOL + REALTIME_TENANT_CONNECTIONS, pods: realtimePeakPods(v.realtimeReplicas) }] : []),
    ];
}

export function configuredClients(v: BudgetValues): BudgetClient[] {
    const pooler = poolerClient(v);
    return [...configuredClientsWithoutPooler(v), ...(pooler ? [pooler] : [])];
}

/** The budget of every client the values deploy; `withoutPooler` leaves the pooler's line out. */
export function configuredBudget(v: BudgetValues, options: { withoutPooler?: boolean } = {}): BudgetResult {
    return budgetConnections({
        maxConnections: maxConnectionsOf(v),
        superuserReserved: DEFAULT_SUPERUSER_RESERVED,
        adminMargin: DEFAULT_ADMIN_MARGIN,
        clients: options.withoutPooler ? configuredClientsWithoutPooler(v) : configuredClients(v),
    });
}
