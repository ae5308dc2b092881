// Wiring: the references between objects that Kubernetes accepts silently when they are wrong — a
// StatefulSet's governing Service, Service selectors and target ports, probe ports, and a
// controller's selector against its own pod template.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { containersOf, Container, label, Obj, requireWorkload, resourcesOfType, selectedByMap, selectorMatches, T, workloadLabel, workloadsOf } from "./util";

const portNames = (containers: Container[]) => new Set(containers.flatMap((c) => ((c.ports ?? []) as Obj[]).map((p) => p.name).filter(Boolean)));
const portNumbers = (containers: Container[]) => new Set(containers.flatMap((c) => ((c.ports ?? []) as Obj[]).map((p) => p.containerPort)));

export const statefulSetHeadlessService: StackValidationPolicy = {
    name: "statefulset-headless-service",
    description: "Every StatefulSet names a headless Service (clusterIP: None) of the stack in its namespace that selects its pods.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const sets = workloadsOf(args.resources).filter((w) => w.type === T.statefulSet);
        if (sets.length === 0) return args.notApplicable("no StatefulSet in the stack");
        const services = resourcesOfType(args.resources, T.service);
        for (const s of sets) {
            const serviceName: string | undefined = s.props.spec?.serviceName;
            if (!serviceName) {
                report(`${workloadLabel(s)}: spec.serviceName is not set`, s.urn);
                continue;
            }
            const svc = services.find((r) => (r.props.metadata?.namespace ?? "default") === s.namespace && r.props.metadata?.name === serviceName);
            if (!svc) report(`${workloadLabel(s)}: serviceName ${serviceName} is not a Service of this stack in ${s.namespace}`, s.urn);
            else if (svc.props.spec?.clusterIP !== "None") report(`${workloadLabel(s)}: Service ${serviceName} is not headless (clusterIP: None)`, s.urn);
            else if (!selectorMatches({ matchLabels: svc.props.spec?.selector ?? {} }, s.podLabels) || Object.keys(svc.props.spec?.selector ?? {}).length === 0) {
                report(`${workloadLabel(s)}: headless Service ${serviceName} does not select its pods`, s.urn);
            }
        }
    },
};

export const serviceSelectsPods: StackValidationPolicy = {
    name: "service-selects-pods",
    description: "Every Service with a selector selects pods of the stack, and its named targetPorts exist on those pods' containers.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = workloadsOf(args.resources);
        for (const svc of resourcesOfType(args.resources, T.service)) {
            const spec: Obj = svc.props.spec ?? {};
            if (spec.type === "ExternalName") continue;
            const ns = svc.props.metadata?.namespace ?? "default";
            const where = label("Service", ns, svc.props.metadata?.name ?? svc.name);
            if (!spec.selector || Object.keys(spec.selector).length === 0) {
                report(`${where}: has no selector (Endpoints would have to be managed by hand)`, svc.urn);
                continue;
            }
            const selected = selectedByMap(workloads, ns, spec.selector);
            if (selected.length === 0) {
                report(`${where}: selector ${JSON.stringify(spec.selector)} matches no pod of the stack`, svc.urn);
                continue;
            }
            for (const p of (spec.ports ?? []) as Obj[]) {
                if (typeof p.targetPort !== "string") continue;
                for (const w of selected) {
                    const main = containersOf(w.pod).filter((c) => !c.init).map((c) => c.container);
                    if (!portNames(main).has(p.targetPort)) report(`${where}: targetPort ${p.targetPort} is not a port of ${workloadLabel(w)}`, svc.urn);
                }
            }
        }
    },
};

export const probePortsExist: ResourceValidationPolicy = {
    name: "probe-ports-exist",
    description: "Every httpGet, tcpSocket or grpc probe targets a port the container declares.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
                const p: Obj | undefined = container[probe];
                const port = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port;
                if (port === undefined) continue;
                const ok = typeof port === "string" && !/^[0-9]+$/.test(port) ? portNames([container]).has(port) : portNumbers([container]).has(Number(port));
                if (!ok) report(`${workloadLabel(w)}: container ${container.name} ${probe} targets port ${port}, which the container does not declare`);
            }
        }
    },
};

export const selectorMatchesTemplate: ResourceValidationPolicy = {
    name: "selector-matches-template",
    description: "A controller's selector matches the labels of its own pod template.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        if (!w.selector) return args.notApplicable("no selector on this kind");
        if (!selectorMatches(w.selector, w.podLabels)) report(`${workloadLabel(w)}: selector does not match the pod template labels`);
    },
};
