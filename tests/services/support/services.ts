// The services tier's harness: the real GoTrue, postgres-meta and storage-api that `npm run tools`
// builds (optional components), each started on this machine with the env the program renders for
// its Deployment, secrets resolved from the run's own Secrets, and only the addresses changed: the
// in-cluster PostgreSQL Service becomes the test server, the listen port a free one.
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { serviceHost, SERVICES as ENDPOINTS } from "../../../components/endpoints";
import { Release } from "../../../releases";
import { toolsBin, toolVersions } from "../../../tools/paths";
import { ProgramRun } from "../../../offline/engine";
import { findManifest } from "../../support/program";
import { freePort } from "../../support/postgres";
import { jsonOrText, RunningProcess, startHttpProcess } from "../../support/http-process";

const V = toolVersions();

/** Each release's service builds: the component `npm run tools -- --only NAME` builds, its launcher and tag. */
export const SERVICE_BUILDS: Record<Release, Record<"gotrue" | "meta" | "storage", { component: string; binary: string; version: string; pinned: string }>> = {
    seed: {
        gotrue: { component: "gotrue-seed", binary: `gotrue-${V.GOTRUE_SEED_VERSION}`, version: V.GOTRUE_SEED_VERSION, pinned: V.GOTRUE_SEED_VERSION },
        meta: { component: "meta-seed", binary: `meta-${V.META_SEED_VERSION}`, version: V.META_SEED_VERSION, pinned: V.META_SEED_VERSION },
        storage: { component: "storage-seed", binary: `storage-${V.STORAGE_SEED_VERSION}`, version: V.STORAGE_SEED_VERSION, pinned: V.STORAGE_SEED_VERSION },
    },
    "v0.8.2": {
        gotrue: { component: "gotrue", binary: "gotrue", version: V.GOTRUE_VERSION, pinned: V.GOTRUE_VERSION },
        meta: { component: "meta-v1", binary: `meta-${V.META_V1_VERSION}`, version: V.META_V1_VERSION, pinned: V.META_V1_PINNED },
        storage: { component: "storage-v1", binary: `storage-${V.STORAGE_V1_VERSION}`, version: V.STORAGE_V1_VERSION, pinned: V.STORAGE_V1_PINNED },
    },
};

export const binaryPath = (binary: string) => path.join(toolsBin(), binary);
export const present = (binary: string) => {
    try {
        fs.accessSync(binaryPath(binary), fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
};

/** One line per missing build, naming it and the command that provides it. */
export function missingBuilds(): string[] {
    const out: string[] = [];
    for (const [release, builds] of Object.entries(SERVICE_BUILDS)) {
        for (const [service, b] of Object.entries(builds)) {
            if (!present(b.binary)) out.push(`${service} ${b.version} (${release}): no ${binaryPath(b.binary)}; build it with: npm run tools -- --only ${b.component}`);
        }
    }
    return out;
}

/**
 * The env the program renders for a Deployment's container: literal values, and each secretKeyRef
 * read from the run's Secret (stringData, as the mocks record it).
 */
export function renderedEnv(run: ProgramRun, deployment: string, container: string): Record<string, string> {
    const spec = findManifest(run, "Deployment", deployment).spec.template.spec;
    const c = spec.containers.find((x: any) => x.name === container);
    if (!c) throw new Error(`no container ${container} in Deployment ${deployment}`);
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
        if (typeof e.value === "string") env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef) {
            const { name, key } = e.valueFrom.secretKeyRef;
            const value = findManifest(run, "Secret", name).stringData?.[key];
            if (typeof value !== "string") throw new Error(`${deployment}/${container} ${e.name}: Secret ${name} has no key ${key}`);
            env[e.name] = value;
        } else if (e.valueFrom) {
            throw new Error(`${deployment}/${container} ${e.name}: valueFrom ${Object.keys(e.valueFrom).join()} is not resolved by the services tier`);
        }
    }
    return env;
}

/**
 * The in-cluster PostgreSQL address replaced by the test server's, in every value: `host:port`
 * inside URLs, and a value that is the host or the port alone (PG_META_DB_HOST, PG_META_DB_PORT).
 */
export function pointAtLocalDatabase(env: Record<string, string>, namespace: string, port: number): Record<string, string> {
    const host = serviceHost("postgres", namespace);
    const hostPort = `${host}:${ENDPOINTS.postgres.port}`;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
        if (v === host) out[k] = "127.0.0.1";
        else if (/_DB_PORT$|^DATABASE_PORT$/.test(k) && v === String(ENDPOINTS.postgres.port)) out[k] = String(port);
        else out[k] = v.split(hostPort).join(`127.0.0.1:${port}`);
    }
    return out;
}

export type RunningService = RunningProcess;

/** Spawns a built service with env (PATH and HOME added), waits until `health` answers 200 on the port. */
export async function startService(binary: string, env: Record<string, string>, port: number, health: string, timeoutMs = 180_000): Promise<RunningService> {
    return startHttpProcess(binaryPath(binary), { HOME: process.env.HOME ?? "/tmp", ...env }, port, health, timeoutMs);
}

export { freePort };

/**
 * startService on a port found free, again on another if something took it in between (the
 * service exits with EADDRINUSE): up to three ports.
 */
export async function startOnFreePort(binary: string, envFor: (port: number) => Record<string, string>, health: string): Promise<{ service: RunningService; env: Record<string, string> }> {
    for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        const env = envFor(port);
        try {
            return { service: await startService(binary, env, port, health), env };
        } catch (error) {
            if (attempt >= 3 || !/EADDRINUSE/.test(String(error))) throw error;
        }
    }
}

export async function http(base: string, method: string, route: string, headers: Record<string, string> = {}, body?: unknown, raw?: { body: string | Uint8Array; contentType: string }) {
    const res = await fetch(`${base}${route}`, {
        method,
        redirect: "manual",
        headers: { ...headers, ...(raw ? { "content-type": raw.contentType } : body !== undefined ? { "content-type": "application/json" } : {}) },
        body: raw ? raw.body : body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await jsonOrText(res), headers: res.headers };
}

/** Backends connected as `role` right now (client backends only). */
export async function connectionsOf(admin: Client, role: string): Promise<number> {
    const r = await admin.query("select count(*)::int as n from pg_stat_activity where usename = $1 and backend_type = 'client backend'", [role]);
    return r.rows[0].n;
}

/** A row for the closing table: flow or attack, expected, observed. */
export interface Observation { release: Release; flow: string; expected: string; observed: string }
const observations: Observation[] = [];
export const observe = (o: Observation) => observations.push(o);
export function printObservations(): void {
    if (observations.length === 0) return;
    const lines = ["| release | flow or attack | expected | observed |", "|---|---|---|---|",
        ...observations.map((o) => `| ${o.release} | ${o.flow} | ${o.expected} | ${o.observed} |`)];
    console.log(lines.join("\n"));
    const file = process.env.SERVICES_TIER_TABLE;
    if (file) fs.appendFileSync(file, lines.slice(2).join("\n") + "\n");
}
