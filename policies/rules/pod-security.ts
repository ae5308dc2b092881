// Pod Security Standards, *restricted* profile, checked per pod-creating resource the way the
// admission controller checks it (kubernetes/pod-security-admission policy/check_*.go), plus the
// namespace labels that make admission enforce it and a read-only root filesystem.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, containersOf, hasReason, Obj, requireType, requireWorkload, T, Waiver, workloadLabel } from "./util";

/** PSS control ids (the admission controller's check names) a waiver may name. */
export const PSS_CONTROLS = [
    "hostNamespaces", "privileged", "capabilities", "hostPathVolumes", "hostPorts", "hostProbesAndHostLifecycle",
    "appArmorProfile", "seLinuxOptions", "procMount", "seccompProfile", "sysctls", "windowsHostProcess",
    "restrictedVolumes", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser",
] as const;
export type PssControl = (typeof PSS_CONTROLS)[number];

export interface PssExemption extends Waiver {
    /** Controls the workload is exempt from entirely. */
    controls?: PssControl[];
    /** Capabilities it may add beyond NET_BIND_SERVICE; it must still drop ALL. */
    capabilities?: string[];
}

export interface PssConfig {
    /** Keyed by workload name (metadata.name of the Deployment/StatefulSet/...). */
    exemptions: Record<string, PssExemption>;
}

/**
 * The one documented exemption. supabase/postgres runs the docker-library entrypoint: it starts as
 * root, chowns the data and config volumes, then steps down to the postgres user with gosu. That
 * needs root at start (no runAsNonRoot) and exactly these capabilities; privilege escalation stays
 * off and everything else is restricted. Admission therefore enforces *baseline* on the namespace
 * (the capabilities are in the baseline list) and audits/warns at *restricted*.
 */
export const DATABASE_PSS_EXEMPTION: PssExemption = {
    controls: ["runAsNonRoot"],
    capabilities: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
    reason: "supabase/postgres entrypoint starts as root, takes ownership of its volumes and drops to postgres with gosu (components/services/postgres/index.ts)",
};

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const RESTRICTED_VOLUME_KEYS = new Set([
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "image",
]);
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t"]);
const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, "");

/** Every restricted-profile failure of one pod spec, each tagged with its control. */
export function pssFindings(pod: Obj, exemption?: PssExemption): { control: PssControl; message: string }[] {
    const out: { control: PssControl; message: string }[] = [];
    const add = (control: PssControl, message: string) => out.push({ control, message });
    const psc: Obj = pod.securityContext ?? {};

    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (pod[field] === true) add("hostNamespaces", `${field} is true`);
    }
    if (psc.windowsOptions?.hostProcess === true) add("windowsHostProcess", "pod is a Windows HostProcess pod");
    for (const v of (pod.volumes ?? []) as Obj[]) {
        if (v.hostPath) add("hostPathVolumes", `volume ${v.name} is a hostPath`);
        const kinds = Object.keys(v).filter((k) => k !== "name");
        const bad = kinds.filter((k) => !RESTRICTED_VOLUME_KEYS.has(k));
        if (bad.length) add("restrictedVolumes", `volume ${v.name} has type ${bad.join(", ")} (allowed: ${[...RESTRICTED_VOLUME_KEYS].join(", ")})`);
    }
    for (const s of (psc.sysctls ?? []) as Obj[]) {
        if (!SAFE_SYSCTLS.has(s.name)) add("sysctls", `sysctl ${s.name} is not in the safe set`);
    }
    const podSeccomp = psc.seccompProfile?.type;
    if (podSeccomp !== undefined && podSeccomp !== "RuntimeDefault" && podSeccomp !== "Localhost") {
        add("seccompProfile", `pod seccompProfile.type is ${podSeccomp}`);
    }
    if (psc.runAsUser === 0) add("runAsUser", "pod runAsUser is 0");
    const checkSelinux = (where: string, o: Obj | undefined) => {
        if (!o) return;
        if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) add("seLinuxOptions", `${where} seLinuxOptions.type ${o.type}`);
        if (o.user || o.role) add("seLinuxOptions", `${where} sets seLinuxOptions user/role`);
    };
    checkSelinux("pod", psc.seLinuxOptions);
    const checkAppArmor = (where: string, o: Obj | undefined) => {
        if (o && o.type !== "RuntimeDefault" && o.type !== "Localhost") add("appArmorProfile", `${where} appArmorProfile.type ${o.type}`);
    };
    checkAppArmor("pod", psc.appArmorProfile);

    const allowedCaps = new Set(["NET_BIND_SERVICE", ...(exemption?.capabilities ?? []).map(capName)]);
    for (const { container: c } of containersOf(pod)) {
        const sc: Obj = c.securityContext ?? {};
        const where = `container ${c.name}`;
        if (sc.privileged === true) add("privileged", `${where} is privileged`);
        if (sc.windowsOptions?.hostProcess === true) add("windowsHostProcess", `${where} is a HostProcess container`);
        if (sc.procMount !== undefined && sc.procMount !== "Default") add("procMount", `${where} procMount ${sc.procMount}`);
        checkSelinux(where, sc.seLinuxOptions);
        checkAppArmor(where, sc.appArmorProfile);
        for (const p of (c.ports ?? []) as Obj[]) {
            if (p.hostPort) add("hostPorts", `${where} uses hostPort ${p.hostPort}`);
        }
        for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
            const h = (c[probe] ?? {}) as Obj;
            if (h.httpGet?.host || h.tcpSocket?.host) add("hostProbesAndHostLifecycle", `${where} ${probe} sets a host`);
        }
        for (const hook of ["postStart", "preStop"]) {
            const h = (c.lifecycle?.[hook] ?? {}) as Obj;
            if (h.httpGet?.host || h.tcpSocket?.host) add("hostProbesAndHostLifecycle", `${where} ${hook} sets a host`);
        }
        if (sc.allowPrivilegeEscalation !== false) add("allowPrivilegeEscalation", `${where} must set allowPrivilegeEscalation: false`);
        const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
        if (nonRoot !== true) add("runAsNonRoot", `${where} must run with runAsNonRoot: true (container or pod)`);
        if (sc.runAsUser === 0) add("runAsUser", `${where} runAsUser is 0`);
        const seccomp = sc.seccompProfile?.type ?? podSeccomp;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            add("seccompProfile", `${where} needs seccompProfile RuntimeDefault or Localhost (container or pod), has ${seccomp ?? "none"}`);
        }
        const drop = ((sc.capabilities?.drop ?? []) as string[]).map(capName);
        if (!drop.includes("ALL")) add("capabilities", `${where} must drop ALL capabilities`);
        for (const cap of ((sc.capabilities?.add ?? []) as string[]).map(capName)) {
            if (!BASELINE_CAPABILITIES.has(cap)) add("capabilities", `${where} adds ${cap}, which not even baseline allows`);
            else if (!allowedCaps.has(cap)) add("capabilities", `${where} adds ${cap} (restricted allows only NET_BIND_SERVICE)`);
        }
    }
    const waived = new Set(exemption?.controls ?? []);
    return out.filter((f) => !waived.has(f.control));
}

export const podSecurityRestricted: ResourceValidationPolicy = {
    name: "pod-security-restricted",
    description: "Every pod meets the Pod Security Standards restricted profile (non-root, no privilege escalation, drop ALL, seccomp RuntimeDefault, no host namespaces/paths/ports, restricted volume types), except documented exemptions.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptions: {
                type: "object",
                description: "Workload name → { controls: PSS control ids waived, capabilities: extra capabilities allowed, reason: why (required) }.",
                default: { postgres: DATABASE_PSS_EXEMPTION },
            },
        },
    },
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        const config = configOf<PssConfig>(podSecurityRestricted, args);
        const exemption = config.exemptions?.[w.name];
        if (exemption && !hasReason(exemption)) {
            report(`${workloadLabel(w)}: the PSS exemption in policy config has no reason, so it is not honoured`);
        }
        for (const f of pssFindings(w.pod, hasReason(exemption) ? exemption : undefined)) {
            report(`${workloadLabel(w)}: ${f.message} [${f.control}]`);
        }
    },
};

export interface NamespacePssConfig {
    /** Lowest level `enforce` may be; baseline only with a reason. */
    minimumEnforce: "baseline" | "restricted";
    minimumEnforceReason: string;
    /** Namespaces that must run privileged system pods (never the platform's own). */
    privilegedNamespaces: string[];
}

const PSS_LEVELS = ["privileged", "baseline", "restricted"];

export const namespacePodSecurity: ResourceValidationPolicy = {
    name: "namespace-pod-security",
    description: "Namespaces enforce Pod Security admission (at least the configured level, pinned version) and audit and warn at restricted.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minimumEnforce: { type: "string", enum: ["baseline", "restricted"], default: "baseline" },
            minimumEnforceReason: {
                type: "string",
                default: "the database pod needs the postgres PSS exemption (pod-security-restricted config); admission enforces baseline, audit and warn stay restricted",
            },
            privilegedNamespaces: { type: "array", items: { type: "string" }, default: ["metallb-system", "longhorn-system"] },
        },
    },
    validateResource: (args, report) => {
        const props = requireType(args, T.namespace);
        const config = configOf<NamespacePssConfig>(namespacePodSecurity, args);
        const name: string = props.metadata?.name ?? args.name;
        if (config.privilegedNamespaces.includes(name)) return;
        const labels: Record<string, string> = props.metadata?.labels ?? {};
        const min = config.minimumEnforce === "baseline" && config.minimumEnforceReason?.trim() ? "baseline" : "restricted";
        const enforce = labels["pod-security.kubernetes.io/enforce"];
        if (enforce === undefined || PSS_LEVELS.indexOf(enforce) < PSS_LEVELS.indexOf(min)) {
            report(`Namespace ${name}: pod-security.kubernetes.io/enforce is ${enforce ?? "unset"}, must be ${min}${min === "restricted" ? "" : " or restricted"}`);
        }
        for (const mode of ["audit", "warn"]) {
            if (labels[`pod-security.kubernetes.io/${mode}`] !== "restricted") {
                report(`Namespace ${name}: pod-security.kubernetes.io/${mode} must be restricted`);
            }
        }
        for (const mode of ["enforce", "audit", "warn"]) {
            const version = labels[`pod-security.kubernetes.io/${mode}-version`];
            if (!version || !/^v1\.[0-9]+$/.test(version)) {
                report(`Namespace ${name}: pod-security.kubernetes.io/${mode}-version must pin a Kubernetes minor (v1.NN), is ${version ?? "unset"}`);
            }
        }
    },
};

export interface ReadOnlyRootConfig {
    /** Workload name → waiver with the reason. */
    exemptions: Record<string, Waiver>;
}

export const readOnlyRootFilesystem: ResourceValidationPolicy = {
    name: "read-only-root-filesystem",
    description: "Every container runs with readOnlyRootFilesystem: true (writable paths are emptyDir or volume mounts), except documented exemptions.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptions: {
                type: "object",
                description: "Workload name → { reason }.",
                default: {
                    postgres: {
                        reason: "the root entrypoint (see the postgres PSS exemption) writes outside its volumes during initdb and gosu step-down; not yet verified against a read-only root",
                    },
                },
            },
        },
    },
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        const config = configOf<ReadOnlyRootConfig>(readOnlyRootFilesystem, args);
        if (hasReason(config.exemptions?.[w.name])) return;
        for (const { container } of containersOf(w.pod)) {
            if (container.securityContext?.readOnlyRootFilesystem !== true) {
                report(`${workloadLabel(w)}: container ${container.name} must set readOnlyRootFilesystem: true (mount an emptyDir where it writes)`);
            }
        }
    },
};
