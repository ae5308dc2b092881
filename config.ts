// Stack config → one typed, validated PlatformConfig. Nothing else in the program reads config.
//
// The schema is config/schema.ts (every key, its rules, the rules across keys); the rules for each
// kind of value are config/rules.ts; how problems are printed is config/errors.ts; the typed shape
// the components read is config/platform.ts. Pulumi.yaml's `config:` block and the README's config
// reference are generated from the schema (npm run config:sync; a test keeps them equal).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, problemLine, unknownKeyFix } from "./config/errors";
import { ConfigKeySpec, KEY_SPECS } from "./config/keys";
import { PlatformConfig, toPlatformConfig } from "./config/platform";
import { ConfigKey, CrossRule, KEYS, stackSchema } from "./config/schema";

export { ConfigError } from "./config/errors";
export type { ConfigKeySpec, ConfigKeyType } from "./config/keys";
export type { AppConfig, BackupConfig, OAuthProviderConfig, PitrConfig, PlatformConfig, PoolerConfig } from "./config/platform";
export { realtimeDeployed } from "./config/platform";
export { DEFAULT_MAX_CONNECTIONS, maxConnectionsOf, poolerDeployed } from "./config/platform";
export { DERIVED_PORT_COUNT, DERIVED_PORT_MIN, tunnelPort } from "./config/tunnel-port";
export { imageTag, isCidr, isIPv4, RESERVED_SCHEMAS, SYSTEM_NAMESPACES } from "./config/rules";
export {
    CROSS_RULES, IMAGE_NAMES, imageKey, KEYS, OAUTH_PROVIDERS, oauthClientIdKey, oauthSecretKey, PROJECT_NAME, replicasKey,
    SCALABLE_SERVICES, stackSchema,
} from "./config/schema";
export type { ConfigKey, CrossRule, ImageName, OAuthProvider, ScalableService, StackValues } from "./config/schema";

/** Every declared key's type, default, description and secrecy, in declaration order. */
export const CONFIG_KEYS: Record<ConfigKey, ConfigKeySpec> = Object.fromEntries(
    Object.entries(KEYS).map(([key, schema]) => [key, KEY_SPECS.get(schema)!]),
) as Record<ConfigKey, ConfigKeySpec>;

/** Raw access to the stack's config, so parsing can be tested without the Pulumi runtime. */
export interface ConfigSource {
    project: string;
    stack: string;
    /** Plain value of `<project>:<key>`, or undefined when unset. */
    get(key: string): string | undefined;
    /** Every key set under the project namespace (without the prefix). */
    keys(): string[];
}

export function pulumiConfigSource(): ConfigSource {
    const project = pulumi.getProject();
    const cfg = new pulumi.Config(project);
    return {
        project,
        stack: pulumi.getStack(),
        get: (key) => cfg.get(key),
        keys: () =>
            Object.keys(pulumi.runtime.allConfig())
                .filter((k) => k.startsWith(`${project}:`))
                .map((k) => k.slice(project.length + 1)),
    };
}

/** Each zod issue as `<project>:<key> = <value>: <fix>`; secrets are never printed. */
function problemsOf(error: z.ZodError, raw: Record<string, string | undefined>, project: string): string[] {
    const declared = Object.keys(KEYS);
    return error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => problemLine(project, key, raw[key], false, unknownKeyFix(key, declared)));
        }
        const key = String(issue.path[0] ?? "");
        const spec = CONFIG_KEYS[key as ConfigKey];
        return [problemLine(project, key, (issue as { input?: unknown }).input, spec?.secret === true, issue.message)];
    });
}

/**
 * Reads and validates the whole stack config, with the program's rules across keys beside config's
 * own (the program passes PROGRAM_RULES: components/program-rules.ts). Throws one ConfigError
 * listing every problem.
 */
export function loadConfig(source: ConfigSource, programRules: readonly CrossRule[]): PlatformConfig {
    const raw: Record<string, string | undefined> = {};
    for (const key of Object.keys(KEYS)) raw[key] = source.get(key);
    for (const key of source.keys()) raw[key] = source.get(key);
    const parsed = stackSchema(programRules).safeParse(raw, { reportInput: true });
    if (!parsed.success) throw new ConfigError(problemsOf(parsed.error, raw, source.project));
    return toPlatformConfig(parsed.data, source.project, source.stack);
}
