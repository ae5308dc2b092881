// Runs the real program in-process under Pulumi's mock engine and records every resource it
// registers. The mocks stand in for the providers: they fill what a provider would compute
// (autonames, random values, LoadBalancer status) deterministically, so two runs of the same
// config and state give the same graph. No cluster, CLI or plugin is contacted.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { generate, GeneratedSecretInputs } from "../components/generated-secret";
import { signingKeyFromScalar } from "../components/keys/jwks";
import { rotatedKeys, SigningKeysInputs } from "../components/keys/signing-keys";
import { readProjectFile, stackConfig } from "./stack-config";

const GENERATED_SECRET_TYPE = "pulumi-nodejs:dynamic/secrets:GeneratedSecret";
const SIGNING_KEYS_TYPE = "pulumi-nodejs:dynamic/keys:JwtSigningKeys";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** URN of the parent ("" for the stack's direct children). */
    parent: string;
    /** URNs this resource depends on (dependsOn and input dependencies). */
    dependencies: string[];
    /** Inputs with secret wrappers removed. */
    inputs: Record<string, any>;
    /** Top-level input properties that arrived as secrets. */
    secretInputs: string[];
    /** State the mock returned (inputs plus provider-computed fields), secrets unwrapped. */
    state: Record<string, any>;
}

export interface StackOutput {
    value: unknown;
    secret: boolean;
}

export interface ProgramRun {
    stack: string;
    resources: RecordedResource[];
    outputs: Record<string, StackOutput>;
}

export interface RunOptions {
    stack: string;
    /** Config values that replace the stack file's (undefined removes a key). */
    overrides?: Record<string, unknown>;
    /** Keys (without project prefix) to mark secret, as `pulumi config set --secret` would. */
    secretKeys?: string[];
    /** Imports the program and returns its module exports (tests reset the module cache first). */
    load: () => Promise<Record<string, unknown>>;
}

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

function isSecretWrapper(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Removes Pulumi's secret wrappers, recursively. */
export function unwrapSecrets<T>(value: T): T {
    if (isSecretWrapper(value)) return unwrapSecrets(value.value) as T;
    if (Array.isArray(value)) return value.map(unwrapSecrets) as unknown as T;
    if (value && typeof value === "object" && !(value instanceof Buffer)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)])) as T;
    }
    return value;
}

const digest = (...parts: unknown[]) => crypto.createHash("sha256").update(JSON.stringify(parts)).digest();

/** A GeneratedSecret's value, reproducible: same resource, inputs and keepers → same value. */
function generatedSecretResult(type: string, name: string, inputs: Record<string, any>): string {
    let counter = 0;
    return generate(inputs as GeneratedSecretInputs, (max) => digest(type, name, inputs.keepers ?? {}, inputs.length, counter++).readUInt32BE(0) % max);
}

/**
 * A JwtSigningKeys set, reproducible: one key per rotation step up to signingKeyRotation, each
 * derived from the resource, keepers and step, then retained as the provider's updates would.
 */
function signingKeysResult(name: string, inputs: Record<string, any>) {
    const { keepers, signingKeyRotation, retain } = inputs as SigningKeysInputs;
    let keys: ReturnType<typeof signingKeyFromScalar>[] = [];
    for (let step = 0; step <= signingKeyRotation; step++) {
        const seed = digest(SIGNING_KEYS_TYPE, name, keepers ?? {}, step);
        const kid = [...digest("kid", name, keepers ?? {}, step).subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
        keys = rotatedKeys(keys, signingKeyFromScalar(seed, `${kid.slice(0, 8)}-${kid.slice(8, 12)}-${kid.slice(12, 16)}-${kid.slice(16, 20)}-${kid.slice(20)}`), retain);
    }
    return keys;
}

/** What a provider would add to a resource's inputs. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    const state: Record<string, any> = { ...inputs };
    if (type === GENERATED_SECRET_TYPE) {
        state.result = pulumi.secret(generatedSecretResult(type, name, inputs));
    } else if (type === SIGNING_KEYS_TYPE) {
        state.keys = pulumi.secret(signingKeysResult(name, inputs));
    } else if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm")) {
        const metadata = { ...(inputs.metadata ?? {}) };
        if (!metadata.name) {
            metadata.name = `${name}-${digest(type, name).toString("hex").slice(0, 8)}`;
            metadata.annotations = { ...(metadata.annotations ?? {}), "pulumi.com/autonamed": "true" };
        }
        state.metadata = metadata;
        if (type === "kubernetes:core/v1:Service" && inputs.spec?.type === "LoadBalancer") {
            const ips = String(metadata.annotations?.["metallb.io/loadBalancerIPs"] ?? "").split(",").filter(Boolean);
            state.status = { loadBalancer: { ingress: ips.map((ip) => ({ ip: ip.trim() })) } };
        }
    } else if (type.startsWith("postgresql:") && inputs.name === undefined) {
        state.name = name;
    }
    return state;
}

/** What a read returns under the mock engine: for a Secret, a stand-in tls.crt naming what `pulumi up` reads. */
function readState(type: string, id: string): Record<string, any> {
    const [namespace, name] = id.includes("/") ? id.split("/", 2) : ["default", id];
    const state: Record<string, any> = { metadata: { name, namespace } };
    if (type === "kubernetes:core/v1:Secret") {
        state.type = "kubernetes.io/tls";
        state.data = { "tls.crt": Buffer.from(`offline render: tls.crt of Secret ${id}, read at pulumi up`).toString("base64") };
    }
    return state;
}

let lastRun: Map<string, RecordedResource> = new Map();

/** What the most recent run registered so far, even if the program then threw. */
export function recordedSoFar(): RecordedResource[] {
    return [...lastRun.values()];
}

/** Runs the program once under mocks with a stack's config and returns what it registered. */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    const project = readProjectFile().name;
    const config = stackConfig(options.stack, options.overrides);
    const byUrn = new Map<string, RecordedResource>();
    lastRun = byUrn;
    const order: string[] = [];
    const pending = new Map<string, { urn: string; parent: string; dependencies: string[] }>();

    await pulumi.runtime.setMocks({
        newResource(args) {
            // A read (Resource.get: the TLS Secret Kong's roll-out checksum comes from) creates nothing,
            // so it is not recorded; a Secret reads back a labelled stand-in, as `pulumi up` would read the real one.
            if (args.id !== undefined && args.id !== "") return { id: args.id, state: readState(args.type, args.id) };
            const state = computedState(args.type, args.name, args.inputs);
            const key = `${args.type}::${args.name}`;
            const meta = pending.get(key) ?? { urn: `${args.type}::${args.name}`, parent: "", dependencies: [] };
            const recorded: RecordedResource = {
                urn: meta.urn,
                type: args.type,
                name: args.name,
                custom: args.custom ?? true,
                parent: meta.parent,
                dependencies: meta.dependencies,
                inputs: unwrapSecrets(args.inputs),
                secretInputs: Object.keys(args.inputs ?? {}).filter((k) => isSecretWrapper(args.inputs[k])),
                state: unwrapSecrets(state),
            };
            byUrn.set(key, recorded);
            order.push(key);
            return { id: args.custom === false ? undefined : `${args.name}-id`, state };
        },
        call(args) {
            return args.inputs;
        },
    }, project, options.stack, false);
    pulumi.runtime.setAllConfig(config, (options.secretKeys ?? []).map((k) => `${project}:${k}`));

    // Record each registration's parent and dependencies, which the mock callback does not see.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: any, cb: unknown): Promise<void>;
        newUrn(parent: string, type: string, name: string): string;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: unknown) => {
        const parent: string = req.getParent() ?? "";
        pending.set(`${req.getType()}::${req.getName()}`, {
            urn: monitor.newUrn(parent, req.getType(), req.getName()),
            parent,
            dependencies: [...(req.getDependenciesList?.() ?? [])],
        });
        return register(req, cb);
    };

    const exported = await options.load();
    const outputs: Record<string, StackOutput> = {};
    for (const [key, value] of Object.entries(exported)) {
        if (key === "default" || key === "__esModule") continue;
        if (pulumi.Output.isInstance(value)) {
            outputs[key] = { value: unwrapSecrets(await (value as any).promise()), secret: await pulumi.isSecret(value) };
        } else if (typeof value !== "function") {
            outputs[key] = { value, secret: false };
        }
    }
    await pulumi.runtime.disconnect();

    const resources = order.map((key) => byUrn.get(key)!);
    return { stack: options.stack, resources: dedupe(resources), outputs };
}

function dedupe(resources: RecordedResource[]): RecordedResource[] {
    const seen = new Set<string>();
    return resources.filter((r) => {
        const key = `${r.type}::${r.name}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}
