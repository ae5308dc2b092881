// Who talks to whom, read from what the program declares: LoadBalancer Services and their MetalLB
// IPs, in-cluster addresses (`<svc>.<ns>.svc`) in env values, commands, the Secrets and
// ConfigMaps a pod reads, and the routes of a mounted Kong declarative config. Nothing here names
// a service: remove the env var or route that implies an edge and the edge is gone.
import * as YAML from "yaml";
import { containersOf, Manifest, podSpecOf } from "./manifests";

export interface ArchNode {
    id: string;
    kind: "clients" | "loadbalancer" | "workload";
    /** Display name (workload or Service name). */
    name: string;
    /** Ports, IPs and the Services in front of it. */
    detail: string;
    /** External IPs (LoadBalancers). */
    ips?: string[];
}

export interface ArchEdge {
    from: string;
    to: string;
    /** Target ports (container ports for workloads, Service ports for LoadBalancers). */
    ports: number[];
    /** Kong route paths, when the edge is a gateway route. */
    paths: string[];
    /** Where the program declares it, e.g. "env SUPABASE_URL" or "kong.yml route /pg/". */
    evidence: string[];
}

export interface Architecture {
    nodes: ArchNode[];
    edges: ArchEdge[];
    /** In-cluster addresses that no declared Service answers (a broken reference). */
    unresolved: { from: string; host: string; evidence: string }[];
}

export const CLIENTS = "clients";
const METALLB_IPS = "metallb.io/loadBalancerIPs";
const SVC_HOST = /\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?\b(?::(\d{1,5}))?/g;

interface Workload {
    manifest: Manifest;
    id: string;
    namespace: string;
    labels: Record<string, string>;
    /** Container port by name, for named targetPorts. */
    namedPorts: Record<string, number>;
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];
const nodeId = (prefix: string, namespace: string, name: string) => `${prefix}_${namespace}_${name}`.replace(/[^A-Za-z0-9_]/g, "_");

function decode(secretOrMap: Manifest): Record<string, string> {
    const out: Record<string, string> = { ...(secretOrMap.stringData ?? {}) };
    for (const [k, v] of Object.entries<string>(secretOrMap.data ?? {})) {
        if (out[k] === undefined) out[k] = secretOrMap.kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
    }
    return out;
}

/** Every piece of text a workload's pods read, labelled with where it comes from. */
function textsOf(workload: Workload, objects: Manifest[]): { evidence: string; text: string }[] {
    const find = (kind: string, name: string) =>
        objects.find((m) => m.kind === kind && m.metadata.name === name && (m.metadata.namespace ?? workload.namespace) === workload.namespace);
    const contentOf = (kind: string, name: string, key?: string): Record<string, string> => {
        const obj = find(kind, name);
        if (!obj) return {};
        const all = decode(obj);
        return key === undefined ? all : key in all ? { [key]: all[key] } : {};
    };
    const texts: { evidence: string; text: string }[] = [];
    const pod = podSpecOf(workload.manifest) ?? {};
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v: any) => [v.name, v]));
    for (const c of containersOf(workload.manifest)) {
        const cmd = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
        if (cmd) texts.push({ evidence: `${c.name} command`, text: cmd });
        for (const e of c.env ?? []) {
            if (typeof e.value === "string") texts.push({ evidence: `env ${e.name}`, text: e.value });
            const secretRef = e.valueFrom?.secretKeyRef;
            const mapRef = e.valueFrom?.configMapKeyRef;
            if (secretRef) for (const text of Object.values(contentOf("Secret", secretRef.name, secretRef.key))) texts.push({ evidence: `env ${e.name} (Secret ${secretRef.name})`, text });
            if (mapRef) for (const text of Object.values(contentOf("ConfigMap", mapRef.name, mapRef.key))) texts.push({ evidence: `env ${e.name} (ConfigMap ${mapRef.name})`, text });
        }
        for (const from of c.envFrom ?? []) {
            const [kind, name] = from.secretRef ? ["Secret", from.secretRef.name] : ["ConfigMap", from.configMapRef?.name];
            for (const [key, text] of Object.entries(contentOf(kind, name))) texts.push({ evidence: `envFrom ${kind} ${name} ${key}`, text });
        }
        for (const mount of c.volumeMounts ?? []) {
            const volume = volumes[mount.name];
            const source = volume?.secret ? { kind: "Secret", name: volume.secret.secretName, items: volume.secret.items }
                : volume?.configMap ? { kind: "ConfigMap", name: volume.configMap.name, items: volume.configMap.items } : undefined;
            if (!source) continue;
            // With `items`, only the listed keys become files (at their own paths).
            const files: Record<string, string> = source.items
                ? Object.fromEntries(source.items.map((i: any) => [i.key, i.path]))
                : Object.fromEntries(Object.keys(contentOf(source.kind, source.name)).map((k) => [k, k]));
            for (const [key, text] of Object.entries(contentOf(source.kind, source.name))) {
                if (files[key] !== undefined) texts.push({ evidence: `file ${mount.mountPath}/${files[key]} (${source.kind} ${source.name})`, text });
            }
        }
    }
    return texts;
}

/** Kong's routes in a declarative config, as url → paths; undefined when the text is not one. */
function kongRoutes(text: string): { url: string; service: string; paths: string[] }[] | undefined {
    if (!text.includes("_format_version")) return undefined;
    let parsed: any;
    try {
        parsed = YAML.parse(text);
    } catch {
        return undefined;
    }
    if (!parsed || !Array.isArray(parsed.services)) return undefined;
    return parsed.services
        // A route that always answers itself (request-termination) never reaches its upstream.
        .filter((s: any) => !(s.plugins ?? []).some((p: any) => p.name === "request-termination"))
        .map((s: any) => ({ url: String(s.url ?? ""), service: String(s.name), paths: (s.routes ?? []).flatMap((r: any) => r.paths ?? []) }));
}

export function architectureOf(objects: Manifest[]): Architecture {
    const workloads: Workload[] = objects
        .filter((m) => WORKLOAD_KINDS.includes(m.kind))
        .map((manifest) => {
            const namespace = manifest.metadata.namespace ?? "default";
            const namedPorts: Record<string, number> = {};
            for (const c of containersOf(manifest)) for (const p of c.ports ?? []) if (p.name) namedPorts[p.name] = p.containerPort;
            const template = manifest.kind === "CronJob" ? manifest.spec?.jobTemplate?.spec?.template : manifest.spec?.template;
            return { manifest, id: nodeId("w", namespace, manifest.metadata.name), namespace, labels: template?.metadata?.labels ?? {}, namedPorts };
        });
    const services = objects.filter((m) => m.kind === "Service");
    const backing = (svc: Manifest): Workload | undefined => {
        const selector: Record<string, string> = svc.spec?.selector ?? {};
        if (Object.keys(selector).length === 0) return undefined;
        return workloads.find((w) => w.namespace === (svc.metadata.namespace ?? "default")
            && Object.entries(selector).every(([k, v]) => w.labels[k] === v));
    };
    const targetPort = (w: Workload, p: any): number => {
        const t = p.targetPort ?? p.port;
        return typeof t === "number" ? t : w.namedPorts[t] ?? Number(t);
    };

    const nodes = new Map<string, ArchNode>();
    const edges = new Map<string, ArchEdge>();
    const unresolved: Architecture["unresolved"] = [];
    const addEdge = (from: string, to: string, port: number | undefined, evidence: string, paths: string[] = []) => {
        if (from === to) return;
        const key = `${from}->${to}`;
        const edge = edges.get(key) ?? { from, to, ports: [], paths: [], evidence: [] };
        if (port !== undefined && !Number.isNaN(port) && !edge.ports.includes(port)) edge.ports.push(port);
        for (const p of paths) if (!edge.paths.includes(p)) edge.paths.push(p);
        if (!edge.evidence.includes(evidence)) edge.evidence.push(evidence);
        edges.set(key, edge);
    };

    for (const w of workloads) {
        const fronts = services.filter((s) => backing(s) === w && s.spec?.type !== "LoadBalancer");
        const detail = fronts.map((s) => `${s.metadata.name} :${(s.spec.ports ?? []).map((p: any) => p.port).join(", :")}`).join("; ");
        nodes.set(w.id, { id: w.id, kind: "workload", name: w.manifest.metadata.name, detail: `${w.manifest.kind}${detail ? ` · ${detail}` : ""}` });
    }

    for (const lb of services.filter((s) => s.spec?.type === "LoadBalancer")) {
        const namespace = lb.metadata.namespace ?? "default";
        const id = nodeId("lb", namespace, lb.metadata.name);
        const ips = String(lb.metadata.annotations?.[METALLB_IPS] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
        const ports: any[] = lb.spec.ports ?? [];
        const where = ips.length ? ips.join(", ") : "(IP assigned by MetalLB)";
        nodes.set(id, { id, kind: "loadbalancer", name: lb.metadata.name, detail: `${where} :${ports.map((p) => p.port).join(", :")}`, ips });
        for (const p of ports) addEdge(CLIENTS, id, p.port, `LoadBalancer ${lb.metadata.name} ${ips.map((ip) => `${ip}:${p.port}`).join(", ") || p.port}`);
        const target = backing(lb);
        if (target) for (const p of ports) addEdge(id, target.id, targetPort(target, p), `selector of ${lb.metadata.name} (${p.port}→${p.targetPort ?? p.port})`);
    }
    if ([...edges.values()].some((e) => e.from === CLIENTS)) {
        nodes.set(CLIENTS, { id: CLIENTS, kind: "clients", name: "Browser / apps", detail: "outside the cluster" });
    }

    const resolveHost = (name: string, namespace: string, port: number | undefined) => {
        const svc = services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? "default") === namespace);
        const target = svc && backing(svc);
        if (!svc || !target) return undefined;
        const svcPort = (svc.spec.ports ?? []).find((p: any) => port === undefined || p.port === port) ?? (port === undefined ? svc.spec.ports?.[0] : undefined);
        return { target, port: svcPort ? targetPort(target, svcPort) : port };
    };
    for (const w of workloads) {
        for (const { evidence, text } of textsOf(w, objects)) {
            const routes = kongRoutes(text);
            const candidates = routes
                ? routes.map((r) => ({ text: r.url, paths: r.paths, evidence: `${evidence} routes` }))
                : [{ text, paths: [] as string[], evidence }];
            for (const candidate of candidates) {
                for (const m of candidate.text.matchAll(SVC_HOST)) {
                    const port = m[3] ? Number(m[3]) : undefined;
                    const hit = resolveHost(m[1], m[2], port);
                    if (hit) addEdge(w.id, hit.target.id, hit.port, candidate.evidence, candidate.paths);
                    else unresolved.push({ from: w.id, host: m[0], evidence: candidate.evidence });
                }
            }
        }
    }
    for (const e of edges.values()) {
        e.ports.sort((a, b) => a - b);
        e.paths.sort();
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], unresolved };
}

/** Finds an edge by node names (workload or LoadBalancer Service names, or "clients"). */
export function edgeBetween(arch: Architecture, from: string, to: string): ArchEdge | undefined {
    const idOf = (name: string) => name === CLIENTS ? CLIENTS : arch.nodes.find((n) => n.name === name)?.id;
    return arch.edges.find((e) => e.from === idOf(from) && e.to === idOf(to));
}

const quote = (s: string) => s.replace(/"/g, "#quot;");

export function toMermaid(arch: Architecture): string {
    const shape = (n: ArchNode) => {
        const label = quote(`<b>${n.name}</b><br/>${n.detail}`);
        return n.kind === "clients" ? `(["${label}"])` : n.kind === "loadbalancer" ? `{{"${label}"}}` : `["${label}"]`;
    };
    const byName = new Map(arch.nodes.map((n) => [n.id, n]));
    const lines = ["flowchart LR"];
    for (const n of arch.nodes) lines.push(`    ${n.id}${shape(n)}`);
    for (const e of arch.edges) {
        const target = byName.get(e.to);
        const ports = e.ports.map((p) => `:${p}`).join(" ");
        const paths = e.paths.length ? ` ${e.paths.join(" ")}` : "";
        const label = target?.ips?.length
            ? target.ips.flatMap((ip) => e.ports.map((p) => `${ip}:${p}`)).join(", ")
            : `${ports}${paths}`;
        lines.push(`    ${e.from} -->|"${quote(label.trim())}"| ${e.to}`);
    }
    return lines.join("\n");
}

export function architectureMarkdown(arch: Architecture, stack: string): string {
    const name = (id: string) => arch.nodes.find((n) => n.id === id)?.name ?? id;
    const rows = arch.edges.map((e) =>
        `| ${name(e.from)} | ${name(e.to)} | ${e.ports.join(", ")} | ${e.paths.join(" ") || "—"} | ${e.evidence.join("; ").replace(/\|/g, "\\|")} |`);
    const broken = arch.unresolved.map((u) => `- ${name(u.from)} → \`${u.host}\` (${u.evidence}): no declared Service answers it`);
    return [
        `# Architecture of stack \`${stack}\``,
        "",
        "Generated by `npm run render` from the objects the program declares (LoadBalancer Services, in-cluster",
        "addresses in env values, commands, referenced Secrets/ConfigMaps, and Kong's mounted routes).",
        "",
        "```mermaid",
        toMermaid(arch),
        "```",
        "",
        "| from | to | port | routes | declared by |",
        "|---|---|---|---|---|",
        ...rows,
        "",
        ...(broken.length ? ["Unresolved references:", "", ...broken, ""] : []),
    ].join("\n");
}
