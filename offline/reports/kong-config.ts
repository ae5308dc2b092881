// out/<stack>/kong.yml: the gateway's declarative config as Kong will read it, with every key,
// user name and password redacted. The render fails when the config disagrees with the stack
// (keys other than the exported ones, or KONG_PLUGINS not matching the plugins used).
import * as fs from "fs";
import * as path from "path";
import { KongDeclarativeConfig, kongPlugins, parseKongYaml, redactKongConfig, routeTable, toKongYaml } from "../../components/services/kong/declarative-config";
import { SERVICES } from "../../components/endpoints";
import { ProgramRun } from "../engine";
import { kubernetesObjects, Manifest } from "../manifests";
import type { Report } from "./report";
import { KONG_CONFIG_FILE, KONG_CONFIG_SECRET } from "../../components/services/kong/facts";

const find = (run: ProgramRun, kind: string, name: string): Manifest | undefined =>
    kubernetesObjects(run.resources).map((o) => o.manifest).find((m) => m.kind === kind && m.metadata.name === name);

export function kongConfigOf(run: ProgramRun): KongDeclarativeConfig | undefined {
    const text = find(run, "Secret", KONG_CONFIG_SECRET)?.stringData?.[KONG_CONFIG_FILE];
    return typeof text === "string" ? parseKongYaml(text) : undefined;
}

/** Disagreements between kong.yml, the Kong pod and the stack outputs (empty when consistent). */
export function kongConfigProblems(run: ProgramRun): string[] {
    const config = kongConfigOf(run);
    if (!config) return [];
    const problems: string[] = [];
    const keyOf = (user: string) => config.consumers.find((c) => c.username === user)?.keyauth_credentials?.map((k) => k.key) ?? [];
    // Exactly the exported keys: the legacy JWT, and in release v0.8.2 the opaque key beside it.
    const exported = (...names: string[]) => names.map((n) => run.outputs[n]?.value).filter((v) => v !== undefined);
    if (JSON.stringify(keyOf("anon")) !== JSON.stringify(exported("anonKey", "publishableKey"))) problems.push("consumer anon does not hold exactly the exported anonKey (and publishableKey)");
    if (JSON.stringify(keyOf("service_role")) !== JSON.stringify(exported("serviceRoleKey", "secretKey"))) problems.push("consumer service_role does not hold exactly the exported serviceRoleKey (and secretKey)");
    const container = find(run, "Deployment", SERVICES.kong.name)?.spec?.template?.spec?.containers?.[0];
    const plugins = container?.env?.find((e: any) => e.name === "KONG_PLUGINS")?.value;
    if (plugins !== kongPlugins(config).join(",")) problems.push(`KONG_PLUGINS=${plugins} differs from the plugins kong.yml uses (${kongPlugins(config).join(",")})`);
    return problems;
}

export const kongConfigReport: Report = {
    write(run, outDir) {
        const config = kongConfigOf(run);
        if (!config) return ["Kong config: no kong-config Secret declared"];
        const header = "# Rendered offline from the kong-config Secret; keys, user names and passwords are redacted.\n";
        fs.writeFileSync(path.join(outDir, "kong.yml"), header + toKongYaml(redactKongConfig(config)));
        const rows = routeTable(config).map((r) =>
            `  ${r.path.padEnd(20)} → ${r.upstream.padEnd(42)} ${r.access}${r.groups.length ? ` [${r.groups.join(", ")}]` : ""}`);
        const problems = kongConfigProblems(run).map((p) => `  FAIL ${p}`);
        return [`Kong routes (kong.yml, plugins ${kongPlugins(config).join(",")}):`, ...rows, ...problems];
    },
    failed: (run) => kongConfigProblems(run).length > 0,
};
