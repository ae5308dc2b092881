// The rules across config keys that need service facts: the connection budget (each service's pool
// and rollout shape) and the app definitions (components/database/apps). Config cannot see those
// (it sits below the components), so the program hands these rules to loadConfig, which reports
// them together with config's own problems, before any resource is registered.
import { ConfigSource, CrossRule, loadConfig, PlatformConfig, pulumiConfigSource, replicasKey, SCALABLE_SERVICES } from "../config";
import { configuredBudget } from "./configured-budget";
import { appDefinitionProblems } from "./database/apps";

export const PROGRAM_RULES: readonly CrossRule[] = [
    {
        name: "the services' pools fit max_connections",
        keys: ["postgresMaxConnections", "storageBackend", "release", "realtime", ...SCALABLE_SERVICES.map(replicasKey)],
        check: (v, report) => {
            const budget = configuredBudget(v);
            if (!budget.fits) {
                report("postgresMaxConnections", v.postgresMaxConnections,
                    `the services may open ${budget.explanation}; raise postgresMaxConnections to at least ${v.postgresMaxConnections + budget.total - budget.available} or lower the replicas`);
            }
        },
    },
    {
        name: "app definitions are sound",
        keys: ["apps"],
        check: (v, report) => {
            for (const problem of appDefinitionProblems(v.apps)) report("apps", undefined, `${problem} (fix the app's file in components/database/apps/)`);
        },
    },
];

/** The stack's config, checked by config's rules and the program's: what index.ts builds from. */
export function loadPlatformConfig(source: ConfigSource = pulumiConfigSource()): PlatformConfig {
    return loadConfig(source, PROGRAM_RULES);
}
