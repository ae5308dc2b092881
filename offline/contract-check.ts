// Holds one rendered container against the contract of the image it runs. Pure: manifests and
// contracts in, findings out, so a test can inject a defect and watch it fail.
//
// Two outcomes besides a pass. A finding is a mismatch. An "unverified" entry is a check the
// contract cannot decide because its source could not be read (an `unknowns` entry marked `env`
// or `user`): it is reported for a reader to see, neither passed nor failed.
//
// The user rule. An image whose build sets no USER runs as root. Running it as a non-root UID is
// a deliberate hardening, not a mismatch, but only if the process can still write what it writes:
// the image's own directories are root's, so every written path must be on a volume that UID can
// write (an emptyDir, or any volume under a pod fsGroup). A root image under a non-root UID with
// a written path elsewhere is a user finding, read-only root or not.
import { ImageContract, PathFact, PortFact, SourceRef } from "../components/services/contract-types";

export type CheckKind = "env-unread" | "env-required" | "probe" | "shadow" | "writable" | "user";

/** A check the contract could not decide: which, about what, and the contract's reason. */
export interface Unverified {
    workload: string;
    container: string;
    check: CheckKind;
    subject: string;
    why: string;
}

export interface ContainerCheck {
    findings: Finding[];
    unverified: Unverified[];
}

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

export function formatUnverified(u: Unverified): string {
    return `${u.workload}/${u.container}: ${u.check} ${u.subject}: ${u.why}`;
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

/** A written path as this container's env resolves it; `unset` names the variables it lacks. */
interface WrittenPath {
    fact: PathFact;
    path: string;
    unset: string[];
}

/**
 * "${A}/x" with A=/data → "/data/x". A variable that is unset, or set from a Secret (value not
 * readable here), is named in `unset`: the place the process writes to is then not known.
 */
export function expandPath(template: string, env: Map<string, string | undefined>): { path: string; unset: string[] } {
    const unset: string[] = [];
    const path = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
        const value = env.get(name);
        if (value === undefined || value === "") unset.push(name);
        return value || whole;
    });
    return { path, unset };
}

/** False only when the env (or the contract's default) turns off the feature that writes the path. */
function featureOn(fact: PathFact, contract: ImageContract, env: Map<string, string | undefined>): boolean {
    if (!fact.when) return true;
    const { env: name, equals } = fact.when;
    // A Secret-sourced switch cannot be read here: count the feature as on rather than skip it.
    if (env.has(name) && env.get(name) === undefined) return true;
    const value = env.has(name) ? env.get(name) : contract.env.reads.find((r) => r.name === name)?.default;
    return value === equals;
}

/** Written paths of the features this env turns on, moved by env (KONG_PREFIX) and expanded. */
function writtenPaths(contract: ImageContract, env: Map<string, string | undefined>): WrittenPath[] {
    return contract.writablePaths
        .filter((fact) => featureOn(fact, contract, env))
        .map((fact) => ({ fact, ...expandPath((fact.env && env.get(fact.env)) || fact.path, env) }));
}

/** Volumes the kubelet mounts read-only whatever the mount says. */
const ALWAYS_READ_ONLY = ["configMap", "secret", "downwardAPI", "projected"];

/** Mounts the process may write through; `byNonRoot` also asks that a non-root UID may write the volume. */
function writableMounts(container: Container, pod: PodSpec, byNonRoot: boolean): any[] {
    const volumes = new Map((pod.volumes ?? []).map((v: any) => [v.name, v]));
    return (container.volumeMounts ?? []).filter((m: any) => {
        const volume: any = volumes.get(m.name);
        if (m.readOnly || ALWAYS_READ_ONLY.some((k) => volume?.[k])) return false;
        // An emptyDir is world-writable; other volumes are root's unless fsGroup hands them over.
        return !byNonRoot || volume?.emptyDir !== undefined || pod.securityContext?.fsGroup !== undefined;
    });
}

function resolvePort(container: Container, port: number | string): number | undefined {
    if (typeof port === "number") return port;
    if (/^\d+$/.test(port)) return Number(port);
    return (container.ports ?? []).find((p: any) => p.name === port)?.containerPort;
}

export function checkContainer(workload: string, container: Container, pod: PodSpec, contract: ImageContract): ContainerCheck {
    const findings: Finding[] = [];
    const unverified: Unverified[] = [];
    const add = (check: CheckKind, subject: string, message: string, source?: SourceRef) =>
        findings.push({ workload, container: container.name, check, subject, message, source });
    const cannotTell = (check: CheckKind, subject: string, why: string) => unverified.push({ workload, container: container.name, check, subject, why });
    const env = envOf(container);
    const image = `${contract.image}:${contract.tag}`;

    // 1. Every variable set is one this version reads: by exact name, alias or declared prefix.
    // One the contract records as unconfirmable is neither: it goes to the unverified list.
    const known = new Set(contract.env.reads.flatMap((r) => [r.name, ...(r.aliases ?? [])]));
    for (const name of env.keys()) {
        if (known.has(name) || (contract.env.prefixes ?? []).some((p) => name.startsWith(p.prefix))) continue;
        const unknown = contract.unknowns.find((u) => u.env === name);
        if (unknown) cannotTell("env-unread", name, `whether ${image} reads it: ${unknown.why}`);
        else add("env-unread", name, `${image} does not read ${name} (typo or dead variable)`);
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
    // 5. Every written path is known (its variables set) and, under a read-only root, on a writable mount.
    const written = writtenPaths(contract, env);
    for (const w of written.filter((w) => w.unset.length > 0)) {
        add("writable", w.fact.path, `${image} writes ${w.fact.path} but ${w.unset.join(", ")} has no readable value here, so where it writes is unknown`, w.fact.source);
    }
    const resolved = written.filter((w) => w.unset.length === 0);
    if (container.securityContext?.readOnlyRootFilesystem === true) {
        const writable = writableMounts(container, pod, false);
        for (const { fact, path } of resolved) {
            if (writable.some((m: any) => coversPath(m.mountPath, path))) continue;
            add("writable", path, `${image} writes ${path}${fact.env ? ` (${fact.env})` : ""} but no writable volume covers it under readOnlyRootFilesystem`, fact.source);
        }
    }
    // 6. The user: the image's own, or (see the user rule at the top) a non-root UID over a root
    // image that can write everything the image writes. Unread users are only reported.
    const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const subject = `runAsUser ${runAsUser ?? "(image default)"}`;
    const { user } = contract;
    const rootImage = !user.unread && !user.uidUnstated && (user.uid ?? 0) === 0;
    if (user.unread) {
        // Nothing to hold it against; the reasons below say why.
    } else if (user.uidUnstated) {
        add("user", subject, `${image}'s source names user ${user.name} but fixes no UID, so the match cannot be verified`, user.source);
    } else if (rootImage && runAsUser === undefined && runAsNonRoot === true) {
        add("user", subject, `${image} runs as root and no runAsUser is set, so runAsNonRoot stops it from starting`, user.source);
    } else if (rootImage && runAsUser !== undefined && runAsUser !== 0) {
        const writable = writableMounts(container, pod, true);
        for (const { path } of resolved.filter((w) => !writable.some((m: any) => coversPath(m.mountPath, w.path)))) {
            add("user", subject, `${image} runs as root (no USER) and writes ${path}; UID ${runAsUser} cannot write it without a volume it may write (an emptyDir, or fsGroup)`, user.source);
        }
    } else if (runAsUser !== undefined && runAsUser !== (user.uid ?? 0)) {
        add("user", subject, `${image} runs as ${user.name ?? "UID"} ${user.uid ?? "0 (root)"}`, user.source);
    }
    for (const u of contract.unknowns.filter((u) => u.user)) cannotTell("user", subject, `${u.fact}: ${u.why}`);
    if (user.unread && !contract.unknowns.some((u) => u.user)) cannotTell("user", subject, `${image}'s user was not read at the source`);
    return { findings, unverified };
}

export interface WorkloadContainer {
    workload: string;
    container: Container;
    pod: PodSpec;
}

export interface ContractReport {
    findings: Finding[];
    /** Checks the contracts could not decide (see Unverified): printed, neither passed nor failed. */
    unverified: Unverified[];
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
    const report: ContractReport = { findings: [], unverified: [], uncovered: [], entrypointReplaced: [] };
    for (const { workload, container, pod } of containers) {
        const label = `${workload}/${container.name} (${container.image})`;
        const contract = lookup(container.image);
        if (!contract) {
            report.uncovered.push(label);
            continue;
        }
        const { findings, unverified } = checkContainer(workload, container, pod, contract);
        if (container.command) {
            report.entrypointReplaced.push(label);
            report.findings.push(...findings.filter((f) => f.check === "shadow"));
        } else {
            report.findings.push(...findings);
            report.unverified.push(...unverified);
        }
    }
    return report;
}
