// `npm run render [-- --stack prod]`: runs the real program under the mock engine and writes
// out/<stack>/ — one YAML file per Kubernetes object, secret values redacted — then prints a
// summary. No cluster, Pulumi CLI or provider plugin is contacted.
import "./source-maps-off"; // first: see there
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS, ConfigError } from "../config";
import { RELEASE_NAMES, RELEASES, repositoryAndTag } from "../releases";
import { ProgramRun, runProgram } from "./engine";
import { kubernetesObjects, containersOf, Manifest, redact } from "./manifests";
import { REPORTS } from "./reports";
import { PROJECT_ROOT, StackFileError } from "./stack-config";

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

/** `repository:tag` of an image, registry host, `library/` and digest left out. */
function imageName(image: string): string {
    const { repository, tag } = repositoryAndTag(image);
    return tag ? `${repository}:${tag}` : repository;
}

/**
 * The images the program knows: every release's, and the defaults of image keys outside the
 * release table (backupUploaderImage). Another release's image, or a known one pinned by digest,
 * is a deliberate override; anything else is a tag no release was tested with, or a typo.
 */
export function knownImages(): Set<string> {
    const known = new Set<string>();
    for (const release of RELEASE_NAMES) for (const image of Object.values(RELEASES[release].images)) known.add(imageName(image));
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
        if (key.endsWith("Image") && typeof spec.default === "string" && spec.default !== "") known.add(imageName(spec.default));
    }
    return known;
}

/** Containers whose image no release pins and no default names: "<image> (<kind> <name>, container <c>)". */
export function unpinnedImages(run: ProgramRun): string[] {
    const known = knownImages();
    const found: string[] = [];
    for (const { manifest } of kubernetesObjects(run.resources)) {
        for (const container of containersOf(manifest)) {
            const image = String(container.image);
            if (!known.has(imageName(image))) found.push(`${image} (${manifest.kind} ${manifest.metadata.name}, container ${container.name})`);
        }
    }
    return [...new Set(found)].sort();
}

/** An output's value for the summary: secrets hidden, and an output the release does not have said so. */
function outputText(run: ProgramRun, value: unknown, secret: boolean): string {
    if (secret && value !== undefined) return "[secret]";
    if (value === undefined) return `(none: release ${String(run.outputs.release?.value)} has no such value)`;
    return JSON.stringify(value);
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
    const unpinned = unpinnedImages(run);
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
        ...(unpinned.length
            ? [`Images no release pins (${unpinned.length}): a tag never tested with the others, or a typo; check each against docs/releases.md:`, ...unpinned.map((i) => `  ${i}`)]
            : []),
        "LoadBalancer IPs:",
        ...(loadBalancers.length ? loadBalancers.map((l) => `  ${l}`) : ["  (none)"]),
        "Stack outputs:",
        ...Object.entries(run.outputs).map(([k, o]) => `  ${k.padEnd(16)} ${outputText(run, o.value, o.secret)}`),
        ...result.reportLines,
    ];
    return lines.join("\n");
}

/**
 * What a failed render prints. A mistake in the config or the stack name gets its message alone:
 * it says what to fix, and a stack trace would bury it. Anything else is a bug: its trace helps.
 */
export function failureText(err: unknown): string {
    // By name: a module loaded twice (tests reset the registry) has two classes of each.
    if (err instanceof Error && [ConfigError.name, StackFileError.name].includes(err.name)) return err.message;
    return err instanceof Error ? err.stack ?? err.message : String(err);
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
            console.error(failureText(err));
            process.exitCode = 1;
        });
}
