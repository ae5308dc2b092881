// Holds one rendered container against the contract of the image it runs. Pure: manifests and
// contracts in, findings out, so a test can inject a defect and watch it fail.
import { ImageContract, PathFact, PortFact, SourceRef } from "../components/contracts/types";

export type CheckKind = "env-unread" | "env-required" | "probe" | "shadow" | "writable" | "user";

export interface Finding {
    workload: string;
    container: string;
    check: CheckKind;
    /** The variable, path, probe or user the finding is about. */
    subject: string;
    message: string;
    source?: SourceRef;
}

type Container = Record<string, any>;
type PodSpec = Record<string, any>;

export function formatSource(s: SourceRef): string {
    return `${s.repo}@${s.tag}:${s.path}${s.line ? `:${s.line}` : ""}`;
}

export function formatFinding(f: Finding): string {
    const where = f.source ? ` [${formatSource(f.source)}]` : "";
    return `${f.workload}/${f.container}: ${f.check} ${f.subject}: ${f.message}${where}`;
}

/** Literal env values by name; a secretKeyRef/fieldRef counts as set with an unknown value. */
function envOf(container: Container): Map<string, string | undefined> {
    return new Map((container.env ?? []).map((e: any) => [e.name, e.value as string | undefined]));
}

const normalize = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);
/** True when `outer` is `inner` or one of its parent directories. */
export function coversPath(outer: string, inner: string): boolean {
    const [o, i] = [normalize(outer), normalize(inner)];
    return o === i || o === "/" || i.startsWith(`${o}/`);
}

/** Ports in a listen value: "0.0.0.0:8000, 0.0.0.0:8443 ssl" → [8000, 8443]; "3001" → [3001]; "off" → []. */
export function portsInValue(value: string): number[] {
    if (/^\d+$/.test(value.trim())) return [Number(value)];
    return [...value.matchAll(/:(\d+)\b/g)].map((m) => Number(m[1]));
}

/** The ports the process will listen on, with env-moved ports read from the container's env. */
export function servedPorts(contract: ImageContract, container: Container): Set<number> {
    const env = envOf(container);
    const served = new Set<number>();
    const byEnv = new Map<string, PortFact[]>();
    for (const fact of contract.ports) {
        if (fact.env && env.has(fact.env)) byEnv.set(fact.env, [...(byEnv.get(fact.env) ?? []), fact]);
        else if (!fact.offUnlessEnvSet) served.add(fact.port);
    }
    for (const name of byEnv.keys()) {
        const value = env.get(name);
        if (value !== undefined) portsInValue(value).forEach((p) => served.add(p));
    }
    return served;
}

/** A path moved by env takes the env value (a secret-sourced value cannot be read: keep the default). */
function effectivePath(fact: PathFact, env: Map<string, string | undefined>): string {
    return (fact.env && env.get(fact.env)) || fact.path;
}

function resolvePort(container: Container, port: number | string): number | undefined {
    if (typeof port === "number") return port;
    if (/^\d+$/.test(port)) return Number(port);
    return (container.ports ?? []).find((p: any) => p.name === port)?.containerPort;
}

export function checkContainer(workload: string, container: Container, pod: PodSpec, contract: ImageContract): Finding[] {
    const findings: Finding[] = [];
    const add = (check: CheckKind, subject: string, message: string, source?: SourceRef) =>
        findings.push({ workload, container: container.name, check, subject, message, source });
    const env = envOf(container);
    const image = `${contract.image}:${contract.tag}`;

    // 1. Every variable set is one this version reads: by exact name, alias or declared prefix.
    const known = new Set(contract.env.reads.flatMap((r) => [r.name, ...(r.aliases ?? [])]));
    for (const name of env.keys()) {
        if (known.has(name) || (contract.env.prefixes ?? []).some((p) => name.startsWith(p.prefix))) continue;
        add("env-unread", name, `${image} does not read ${name} (typo or dead variable)`);
    }
    // 2. Every required variable is set, under its name or an alias.
    for (const read of contract.env.reads.filter((r) => r.required)) {
        if ([read.name, ...(read.aliases ?? [])].some((n) => env.has(n))) continue;
        add("env-required", read.name, `${image} requires ${read.name}${read.note ? ` (${read.note})` : ""}`, read.source);
    }
    // 3. Probes hit endpoints that exist, on ports the process serves.
    const served = servedPorts(contract, container);
    const healthPaths = new Set(contract.health.map((h) => h.path));
    for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = container[kind];
        const target = probe?.httpGet ?? probe?.tcpSocket;
        if (!target) continue;
        const port = resolvePort(container, target.port);
        if (port === undefined || !served.has(port)) {
            add("probe", `${kind} port ${target.port}`, `${image} serves no port ${port ?? target.port} here (serves ${[...served].join(", ") || "none"})`);
        }
        const path = probe.httpGet ? String(probe.httpGet.path ?? "/").split("?")[0] : undefined;
        if (path !== undefined && !healthPaths.has(path)) {
            add("probe", `${kind} GET ${path}`, `${image} has no health endpoint ${path} (has ${[...healthPaths].join(", ")})`);
        }
    }
    // 4. No mount hides shipped content: on it, above it, or inside a shipped directory.
    for (const mount of container.volumeMounts ?? []) {
        for (const shipped of contract.shippedPaths) {
            const over = coversPath(mount.mountPath, shipped.path);
            const inside = !over && coversPath(shipped.path, mount.mountPath) && !shipped.mountsInsideAllowed;
            if (!over && !inside) continue;
            const how = over ? "hides" : "is mounted inside";
            add("shadow", mount.mountPath, `volume ${mount.name} ${how} ${shipped.path}, which ${image} ships${shipped.note ? ` (${shipped.note})` : ""}`, shipped.source);
        }
    }
    // 5. Under a read-only root, every path the process writes is on a writable mount.
    if (container.securityContext?.readOnlyRootFilesystem === true) {
        const writable = (container.volumeMounts ?? []).filter((m: any) => !m.readOnly);
        for (const fact of contract.writablePaths) {
            const path = effectivePath(fact, env);
            if (writable.some((m: any) => coversPath(m.mountPath, path))) continue;
            add("writable", path, `${image} writes ${path}${fact.env ? ` (${fact.env})` : ""} but no writable volume covers it under readOnlyRootFilesystem`, fact.source);
        }
    }
    // 6. The user the container runs as is the image's own.
    const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    const { user } = contract;
    if (user.uidUnstated) {
        add("user", `runAsUser ${runAsUser ?? "(image default)"}`, `${image}'s source names user ${user.name} but fixes no UID, so the match cannot be verified`, user.source);
    } else if (runAsUser !== undefined && runAsUser !== (user.uid ?? 0)) {
        add("user", `runAsUser ${runAsUser}`, `${image} runs as ${user.name ?? "UID"} ${user.uid ?? "0 (root)"}`, user.source);
    }
    return findings;
}

export interface WorkloadContainer {
    workload: string;
    container: Container;
    pod: PodSpec;
}

export interface ContractReport {
    findings: Finding[];
    /** "<workload>/<container> (<image>)" for containers whose image has no contract. */
    uncovered: string[];
    /** Containers whose `command` replaces the image's entrypoint: only shadowing is checked. */
    entrypointReplaced: string[];
}

/**
 * Checks every container. One that sets `command` does not run the image's entrypoint, so the
 * entrypoint's env, probes, writes and user do not apply to it; its mounts can still hide the
 * image's files, which the tools it runs need.
 */
export function checkContainers(containers: WorkloadContainer[], lookup: (image: string) => ImageContract | undefined): ContractReport {
    const report: ContractReport = { findings: [], uncovered: [], entrypointReplaced: [] };
    for (const { workload, container, pod } of containers) {
        const label = `${workload}/${container.name} (${container.image})`;
        const contract = lookup(container.image);
        if (!contract) {
            report.uncovered.push(label);
            continue;
        }
        const all = checkContainer(workload, container, pod, contract);
        if (container.command) {
            report.entrypointReplaced.push(label);
            report.findings.push(...all.filter((f) => f.check === "shadow"));
        } else {
            report.findings.push(...all);
        }
    }
    return report;
}
