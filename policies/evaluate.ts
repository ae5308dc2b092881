// The policy engine's job, in-process: what `pulumi preview --policy-pack policies` does with the
// rules, reproduced over a recorded resource graph (see offline/engine.ts) so a pull request without
// cluster credentials gets the same verdict. Mirrors @pulumi/policy's server.js: resource rules see
// each custom resource's inputs, stack rules see every resource's outputs with parents and
// dependencies resolved, notApplicable throws and is caught per validation, config defaults from
// the schema are merged under the supplied config, and the enforcement level comes from config,
// then the policy. Not imported by policies/index.ts.
import {
    EnforcementLevel, Policy, PolicyResource, PolicyResourceOptions, ResourceValidationArgs,
    ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";

export interface GraphResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    dependencies: string[];
    inputs: Record<string, any>;
    state: Record<string, any>;
}

export interface Violation {
    policy: string;
    level: EnforcementLevel;
    message: string;
    urn?: string;
    /** The resource a resource rule ran on, or the one a stack rule named. */
    resource?: string;
}

export interface Evaluation {
    violations: Violation[];
    /** Resources a resource rule was applicable to (ran without notApplicable), per rule. */
    applied: Record<string, number>;
    /** Custom resources the resource rules ran over. */
    resourcesChecked: number;
    /** Resources the stack rules saw. */
    stackResources: number;
}

/** `{ [policy]: level | { enforcementLevel?, ...properties } }`, as `--policy-pack-config`. */
export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason);
};

const NO_OPTS: PolicyResourceOptions = {
    protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

function typeOf(resourceClass: unknown): string | undefined {
    return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

/** Schema defaults, then the supplied properties (enforcementLevel removed), as the CLI merges them. */
export function policyConfig(policy: Policy, supplied?: PackConfig[string]): Record<string, unknown> {
    const defaults = Object.fromEntries(
        Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, s]) => (s as { default?: unknown }).default !== undefined)
            .map(([k, s]) => [k, (s as { default?: unknown }).default]),
    );
    const props = typeof supplied === "object" && supplied ? supplied : {};
    const { enforcementLevel: _level, ...rest } = props;
    return { ...defaults, ...rest };
}

export function enforcementOf(policy: Policy, supplied?: PackConfig[string]): EnforcementLevel {
    const fromConfig = typeof supplied === "string" ? supplied : supplied?.enforcementLevel;
    // The pack sets no level of its own, so the SDK default applies last.
    const level = fromConfig ?? policy.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

export interface ResourceArgsInput {
    type: string;
    props: Record<string, any>;
    name?: string;
    urn?: string;
    config?: Record<string, unknown>;
}

export function resourceValidationArgs(input: ResourceArgsInput): ResourceValidationArgs {
    const name = input.name ?? input.props.metadata?.name ?? "resource";
    return {
        type: input.type,
        props: input.props,
        urn: input.urn ?? `urn:pulumi:stack::project::${input.type}::${name}`,
        name,
        opts: NO_OPTS,
        stackTags: new Map(),
        isType: (cls) => typeOf(cls) === input.type,
        asType: ((cls: unknown) => (typeOf(cls) === input.type ? input.props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (input.config ?? {}) as T,
        notApplicable: throwNotApplicable,
    };
}

export interface StackResourceInput {
    type: string;
    name: string;
    props: Record<string, any>;
    urn?: string;
    parent?: string;
    dependencies?: string[];
}

export function policyResources(inputs: StackResourceInput[]): PolicyResource[] {
    const resources: PolicyResource[] = inputs.map((r) => ({
        type: r.type,
        name: r.name,
        props: r.props,
        urn: r.urn ?? `urn:pulumi:stack::project::${r.type}::${r.name}`,
        opts: NO_OPTS,
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => typeOf(cls) === r.type,
        asType: ((cls: unknown) => (typeOf(cls) === r.type ? r.props : undefined)) as PolicyResource["asType"],
    }));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    inputs.forEach((input, i) => {
        if (input.parent) resources[i].parent = byUrn.get(input.parent);
        resources[i].dependencies = (input.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
    });
    return resources;
}

export function stackValidationArgs(resources: PolicyResource[], config: Record<string, unknown> = {}): StackValidationArgs {
    return {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: throwNotApplicable,
    };
}

function settle(result: void | Promise<void>, policy: Policy): void {
    // The offline render reports synchronously; every rule of this pack is synchronous.
    if (result instanceof Promise) throw new Error(`policy ${policy.name} is asynchronous; the in-process engine runs synchronous rules only`);
}

/** Runs one resource rule; returns its messages, or undefined when it was not applicable. */
export function runResourceValidationSync(policy: ResourceValidationPolicy, args: ResourceValidationArgs): string[] | undefined {
    const messages: string[] = [];
    let applicable = false;
    const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        try {
            settle(validate(args, (message) => messages.push(message)), policy);
            applicable = true;
        } catch (e) {
            if (!(e instanceof NotApplicableError)) throw e;
        }
    }
    return applicable ? messages : undefined;
}

/** Runs one stack rule; returns its violations, or undefined when it was not applicable. */
export function runStackValidationSync(policy: StackValidationPolicy, args: StackValidationArgs): { message: string; urn?: string }[] | undefined {
    const found: { message: string; urn?: string }[] = [];
    try {
        settle(policy.validateStack(args, (message, urn) => found.push({ message, urn })), policy);
    } catch (e) {
        if (e instanceof NotApplicableError) return undefined;
        throw e;
    }
    return found;
}

export const runResourceValidation = async (policy: ResourceValidationPolicy, args: ResourceValidationArgs) => runResourceValidationSync(policy, args);
export const runStackValidation = async (policy: StackValidationPolicy, args: StackValidationArgs) => runStackValidationSync(policy, args);

const isStack = (p: Policy): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";

/** Every rule over a recorded graph: the verdict `pulumi preview --policy-pack` would give. */
export function evaluateSync(graph: GraphResource[], policies: Policy[], packConfig: PackConfig = {}): Evaluation {
    const violations: Violation[] = [];
    const applied: Record<string, number> = {};
    const custom = graph.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const stackResources = policyResources(graph.map((r) => ({ type: r.type, name: r.name, props: r.state, urn: r.urn, parent: r.parent, dependencies: r.dependencies })));
    const nameOf = new Map(graph.map((r) => [r.urn, `${r.type.split(":").pop()} ${r.name}`]));

    for (const policy of policies) {
        const supplied = packConfig[policy.name];
        const level = enforcementOf(policy, supplied);
        if (level === "disabled") continue;
        const config = policyConfig(policy, supplied);
        applied[policy.name] = 0;
        if (isStack(policy)) {
            const found = runStackValidationSync(policy, stackValidationArgs(stackResources, config));
            if (found === undefined) continue;
            applied[policy.name] = 1;
            for (const v of found) violations.push({ policy: policy.name, level, message: v.message, urn: v.urn, resource: v.urn ? nameOf.get(v.urn) : undefined });
            continue;
        }
        for (const r of custom) {
            const messages = runResourceValidationSync(policy as ResourceValidationPolicy, resourceValidationArgs({ type: r.type, props: r.inputs, name: r.name, urn: r.urn, config }));
            if (messages === undefined) continue;
            applied[policy.name]++;
            for (const message of messages) violations.push({ policy: policy.name, level, message, urn: r.urn, resource: nameOf.get(r.urn) });
        }
    }
    return { violations, applied, resourcesChecked: custom.length, stackResources: stackResources.length };
}

export const evaluate = async (graph: GraphResource[], policies: Policy[], packConfig: PackConfig = {}): Promise<Evaluation> => evaluateSync(graph, policies, packConfig);

export const mandatory = (e: Evaluation): Violation[] => e.violations.filter((v) => v.level === "mandatory");
