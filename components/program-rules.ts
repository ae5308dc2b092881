// The rules across config keys that need service facts: the connection budget (each service's pool
// and rollout shape) and the app definitions (components/database/apps). Config cannot see those
// (it sits below the components), so the program hands these rules to loadConfig, which reports
// them together with config's own problems, before any resource is registered.
import {
    ConfigKey, ConfigSource, CrossRule, loadConfig, maxConnectionsOf, PlatformConfig, poolerDeployed, pulumiConfigSource, replicasKey,
    SCALABLE_SERVICES,
} from "../config";
import { canonicalIp } from "../config/rules";
import { configuredBudget } from "./configured-budget";
import { poolerProblems } from "./services/pooler/validate";
import { appDefinitionProblems } from "./database/apps";
import { pitrConfigProblems } from "./services/postgres/pitr/program";

const POOLER_KEYS = [
    "pooler", "dbAdminEndpoint", "poolerReplicas", "poolerEndpoint", "poolerLoadBalancerIp", "poolerSourceRanges",
    "poolerTransactionDefaultPoolSize", "poolerTransactionMaxDbConnections", "poolerTransactionMaxClientConn",
    "poolerSessionDefaultPoolSize", "poolerSessionMaxDbConnections", "poolerSessionMaxClientConn",
] as const satisfies readonly ConfigKey[];

/** The pooler's settings against each other and against what the other services leave of the budget. */
const POOLER_RULES: CrossRule[] = [
    {
        name: "the pooler's settings agree and its pools fit max_connections",
        keys: [...POOLER_KEYS, "postgresMaxConnections", "storageBackend", "release", "realtime", ...SCALABLE_SERVICES.map(replicasKey)],
        check: (v, report) => {
            const others = configuredBudget(v, { withoutPooler: true });
            const problems = poolerProblems({
                enabled: poolerDeployed(v),
                setting: v.pooler,
                databaseLayer: v.dbAdminEndpoint !== "none",
                replicas: v.poolerReplicas,
                endpoint: v.poolerEndpoint,
                loadBalancerIp: v.poolerLoadBalancerIp,
                sourceRanges: v.poolerSourceRanges,
                sizes: {
                    transaction: { defaultPoolSize: v.poolerTransactionDefaultPoolSize, maxDbConnections: v.poolerTransactionMaxDbConnections, maxClientConn: v.poolerTransactionMaxClientConn },
                    session: { defaultPoolSize: v.poolerSessionDefaultPoolSize, maxDbConnections: v.poolerSessionMaxDbConnections, maxClientConn: v.poolerSessionMaxClientConn },
                },
            }, { othersTotal: others.total, available: others.available, maxConnections: maxConnectionsOf(v) });
            // When the others alone break the budget, the rule above says so; the pooler's line would repeat it.
            for (const p of problems) if (others.fits || !p.fix.startsWith("the pooler may hold")) report(p.key as ConfigKey, p.value, p.fix);
        },
    },
    {
        name: "the pooler's LoadBalancer has its own IP",
        keys: ["poolerEndpoint", "poolerLoadBalancerIp", "kongLoadBalancerIp", "studioLoadBalancerIp", "dbAdminEndpoint", "dbAdminLoadBalancerIp"],
        check: (v, report) => {
            if (v.poolerEndpoint !== "loadbalancer" || !v.poolerLoadBalancerIp) return;
            const taken: [ConfigKey, string][] = [["kongLoadBalancerIp", v.kongLoadBalancerIp], ["studioLoadBalancerIp", v.studioLoadBalancerIp]];
            if (v.dbAdminEndpoint === "loadbalancer" && v.dbAdminLoadBalancerIp) taken.push(["dbAdminLoadBalancerIp", v.dbAdminLoadBalancerIp]);
            for (const [key, ip] of taken) {
                if (canonicalIp(ip) === canonicalIp(v.poolerLoadBalancerIp)) report("poolerLoadBalancerIp", v.poolerLoadBalancerIp, `duplicates ${key}; every LoadBalancer needs its own IP`);
            }
        },
    },
];

export const PROGRAM_RULES: readonly CrossRule[] = [
    {
        name: "the services' pools fit max_connections",
        keys: ["postgresMaxConnections", "storageBackend", "release", "realtime", "pitr", ...SCALABLE_SERVICES.map(replicasKey), ...POOLER_KEYS],
        check: (v, report) => {
            // Every client, the pooler included; when the pooler is what tips it over, its own rule
            // (below) also names the pooler's keys.
            const budget = configuredBudget(v);
            if (!budget.fits) {
                report("postgresMaxConnections", v.postgresMaxConnections,
                    `the services may open ${budget.explanation}; raise postgresMaxConnections to at least ${maxConnectionsOf(v) + budget.total - budget.available} or lower the replicas`);
            }
        },
    },
    ...POOLER_RULES,
    {
        name: "a MetalLB pool the program creates has addresses to hold",
        keys: ["createMetallbPool", "exposure", "dbAdminEndpoint", "pooler", "poolerEndpoint", "release"],
        check: (v, report) => {
            if (!v.createMetallbPool || v.exposure !== "ingress") return;
            if (v.dbAdminEndpoint === "loadbalancer" || (poolerDeployed(v) && v.poolerEndpoint === "loadbalancer")) return;
            report("createMetallbPool", true, "with exposure ingress the gateway has no LoadBalancer, so the pool would hold addresses nothing claims; set createMetallbPool false (the ingress controller has its own address)");
        },
    },
    {
        name: "app definitions are sound",
        keys: ["apps"],
        check: (v, report) => {
            for (const problem of appDefinitionProblems(v.apps)) report("apps", undefined, `${problem} (fix the app's file in components/database/apps/)`);
        },
    },
    {
        name: "point-in-time recovery settings are sound and a wal-g is there to run them",
        keys: [
            "pitr", "pitrTarget", "pitrS3Bucket", "pitrS3Prefix", "pitrS3Endpoint", "pitrS3Region", "pitrArchiveTimeoutSeconds",
            "pitrBaseBackupSchedule", "pitrRetainFullBackups", "pitrWindowDays", "pitrWalgImage", "release", "postgresImage",
        ],
        check: (v, report) => {
            for (const problem of pitrConfigProblems(v)) report(problem.key, problem.value, problem.fix);
        },
    },
];

/** The stack's config, checked by config's rules and the program's: what index.ts builds from. */
export function loadPlatformConfig(source: ConfigSource = pulumiConfigSource()): PlatformConfig {
    return loadConfig(source, PROGRAM_RULES);
}
