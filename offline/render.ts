// `npm run render [-- --stack prod]`: runs the real program under the mock engine and writes
// out/<stack>/ — one YAML file per Kubernetes object, secret values redacted — then prints a
// summary. No cluster, Pulumi CLI or provider plugin is contacted.
import "./source-maps-off"; // first: see there
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "../config";
import { ProgramRun, runProgram } from "./engine";
import { kubernetesObjects, containersOf, Manifest, redact } from "./manifests";
import { REPORTS } from "./reports";
import { PROJECT_ROOT } from "./stack-config";

export interface RenderResult {
    run: ProgramRun;
    outDir: string;
    /** Manifest files written under outDir. */
    files: string[];
    /** Summary lines of the extra reports (see offline/reports). */
    reportLines: string[];
    /** True when a report found a mandatory failure. */
    failed: boolean;
}

function fileNameOf(manifest: Manifest): string {
    const ns = manifest.metadata.namespace ?? "cluster";
    return `${ns}_${manifest.kind.toLowerCase()}_${manifest.metadata.name}.yaml`;
}

/** Which top-level component (child of the platform) a resource belongs to. */
function componentOf(run: ProgramRun, urn: string): string {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    let current = byUrn.get(urn);
    while (current) {
        const parent = byUrn.get(current.parent);
        if (!parent || parent.type === "supabase:platform:SupabasePlatform") return current.type.split(":").pop() ?? current.type;
        current = parent;
    }
    return "(stack)";
}

export async function render(stack: string, outRoot = path.join(PROJECT_ROOT, "out"), overrides: Record<string, unknown> = {}): Promise<RenderResult> {
    const run = await runProgram({ stack, overrides, load: () => import("../index") });
    const outDir = path.join(outRoot, stack);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const files: string[] = [];
    for (const { manifest } of kubernetesObjects(run.resources)) {
        const file = fileNameOf(manifest);
        fs.writeFileSync(path.join(outDir, file), YAML.stringify(redact(manifest), { lineWidth: 0 }));
        files.push(file);
    }
    const reportLines = REPORTS.flatMap((report) => report.write(run, outDir));
    const failed = REPORTS.some((report) => report.failed?.(run) ?? false);
    return { run, outDir, files, reportLines, failed };
}

export function summary(result: RenderResult): string {
    const { run } = result;
    const objects = kubernetesObjects(run.resources);
    const perComponent = new Map<string, number>();
    for (const { resource } of objects) {
        const component = componentOf(run, resource.urn);
        perComponent.set(component, (perComponent.get(component) ?? 0) + 1);
    }
    const images = [...new Set(objects.flatMap(({ manifest }) => containersOf(manifest).map((c) => c.image as string)))].sort();
    const loadBalancers = objects
        .filter(({ manifest }) => manifest.kind === "Service" && manifest.spec?.type === "LoadBalancer")
        .map(({ manifest }) => `${manifest.metadata.name} → ${manifest.metadata.annotations?.["metallb.io/loadBalancerIPs"]}:${(manifest.spec.ports ?? []).map((p: any) => p.port).join(",")}`);
    const lines = [
        `Rendered stack "${run.stack}" offline: ${objects.length} Kubernetes objects in ${path.relative(process.cwd(), result.outDir) || result.outDir}/`,
        "No cluster was contacted: the program ran under Pulumi's mock engine; secret values are redacted.",
        "",
        "Objects per component:",
        ...[...perComponent.entries()].map(([c, n]) => `  ${c.padEnd(24)} ${n}`),
        "Images:",
        ...images.map((i) => `  ${i}`),
        "LoadBalancer IPs:",
        ...(loadBalancers.length ? loadBalancers.map((l) => `  ${l}`) : ["  (none)"]),
        "Stack outputs:",
        ...Object.entries(run.outputs).map(([k, o]) => `  ${k.padEnd(16)} ${o.secret ? "[secret]" : JSON.stringify(o.value)}`),
        ...result.reportLines,
    ];
    return lines.join("\n");
}

/** `--stack NAME` (default dev) and repeatable `--config key=value` overrides (JSON or text). */
export function parseArgs(argv: string[]): { stack: string; overrides: Record<string, unknown> } {
    let stack = "dev";
    const overrides: Record<string, unknown> = {};
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        if (flag !== "--stack" && flag !== "--config") {
            throw new Error(`unknown argument ${argv[i]}; usage: npm run render -- [--stack dev] [--config key=value]`);
        }
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        if (flag === "--stack") stack = value;
        else if (flag === "--config") {
            const [key, raw] = value.split(/=(.*)/s, 2);
            if (raw === undefined) throw new Error(`--config expects key=value, got ${value}`);
            try {
                overrides[key] = JSON.parse(raw);
            } catch {
                overrides[key] = raw;
            }
        }
    }
    return { stack, overrides };
}

if (require.main === module) {
    // Source maps are already off here (./source-maps-off).
    Promise.resolve()
        .then(() => {
            const { stack, overrides } = parseArgs(process.argv.slice(2));
            return render(stack, undefined, overrides);
        })
        .then((result) => {
            console.log(summary(result));
            if (result.failed) process.exitCode = 1;
        })
        .catch((err: unknown) => {
            if (err instanceof ConfigError) console.error(err.message);
            else console.error(err instanceof Error ? err.stack ?? err.message : err);
            process.exitCode = 1;
        });
}
