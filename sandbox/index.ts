// npm run sandbox -- start [--release seed|v0.8.2] | stop [--keep] | status | env
// A local Kubernetes control plane on loopback for trying the program without a cluster, and the
// place the engine tier (tests/engine) deploys to. Needs the toolchain of `npm run tools`.
import * as k8s from "@kubernetes/client-node";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, requireTools, toolsBin } from "../tools/paths";
import { CONTROL_PLANE, startControlPlane, startControllers, waitForApiserver } from "./control-plane";
import { applyFixtures, NODE_NAME, setNodeAddress } from "./fixtures";
import { sandboxLayout, SandboxLayout } from "./layout";
import { writeHostBin } from "./host-bin";
import { ensurePki, writeKubeconfigs } from "./pki";
import { Release, RELEASE_NAMES } from "../releases";
import { describeBootstrap, postgresDir, SandboxPostgresBootstrap, sandboxPostgresBootstrap, startPostgres } from "./postgres";
import { serverUser } from "./postgres-binaries";
import { logFile, runningPid, sleep, startProcess, stopProcess } from "./processes";

const PROCESSES = [...CONTROL_PLANE, "standins", "postgres"] as const;

export interface SandboxInfo {
    layout: SandboxLayout;
    kubeconfig: string;
    /** A kubeconfig whose user has no RBAC rights (for permission tests). */
    restrictedKubeconfig: string;
    /** How its PostgreSQL was bootstrapped: the release's image scripts, or the fixture and why. */
    postgres: SandboxPostgresBootstrap;
}

export interface SandboxOptions {
    /** The release whose PostgreSQL the sandbox runs (seed → 15, v0.8.2 → 17); default seed. */
    release?: Release;
}

/** What a shell needs to run the real CLI against the sandbox with a local file backend. */
export function sandboxEnv(layout: SandboxLayout, hostBin: string): Record<string, string> {
    return {
        KUBECONFIG: layout.kubeconfig,
        PATH: `${hostBin}:${toolsBin()}:${process.env.PATH}`,
        PULUMI_BACKEND_URL: `file://${path.join(layout.stateDir, "pulumi-state")}`,
        PULUMI_CONFIG_PASSPHRASE: "sandbox",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
}

export async function startSandbox(layout = sandboxLayout(), options: SandboxOptions = {}): Promise<SandboxInfo> {
    const bin = requireTools();
    fs.mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
    const pki = ensurePki(layout);
    const kubeconfigs = writeKubeconfigs(layout);
    startControlPlane(layout, bin, pki);
    await waitForApiserver(layout, pki);
    startControllers(layout, bin, pki);

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(layout.kubeconfig);
    await applyFixtures(kc, layout.kubeletPort);
    if (!runningPid(layout.stateDir, "standins")) {
        startProcess(layout.stateDir, {
            name: "standins", command: path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
            args: [path.join(__dirname, "standins.ts"), layout.kubeconfig, path.join(layout.stateDir, "volumes")],
        });
    }
    const postgres = await startPostgres(layout, options.release ?? "seed");
    fs.mkdirSync(path.join(layout.stateDir, "pulumi-state"), { recursive: true });
    await waitForNodeReady(kc, layout);
    // Once more after KWOK's initialize stage has run, in case it ran after the first write.
    await setNodeAddress(kc.makeApiClient(k8s.CoreV1Api), layout.kubeletPort);
    return { layout, kubeconfig: kubeconfigs.admin, restrictedKubeconfig: kubeconfigs.restricted, postgres };
}

async function waitForNodeReady(kc: k8s.KubeConfig, layout: SandboxLayout, timeoutMs = 60_000): Promise<void> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const node = await core.readNode({ name: NODE_NAME }).catch(() => undefined);
        if (node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return;
        await sleep(500);
    }
    throw new Error(`sandbox: node ${NODE_NAME} not Ready after ${timeoutMs / 1000} s; is KWOK running? See ${logFile(layout.stateDir, "kwok")}`);
}

export async function stopSandbox(layout = sandboxLayout(), keep = false): Promise<string[]> {
    const stopped: string[] = [];
    for (const name of [...PROCESSES].reverse()) {
        // PostgreSQL: SIGINT is its fast shutdown (SIGTERM would wait for clients to leave).
        if (await stopProcess(layout.stateDir, name, 10_000, name === "postgres" ? "SIGINT" : "SIGTERM")) stopped.push(name);
    }
    if (!keep) {
        fs.rmSync(layout.stateDir, { recursive: true, force: true });
        fs.rmSync(postgresDir(layout, serverUser() !== undefined), { recursive: true, force: true });
    }
    return stopped;
}

export function sandboxStatus(layout = sandboxLayout()): { name: string; pid?: number; log: string }[] {
    return PROCESSES.map((name) => ({ name, pid: runningPid(layout.stateDir, name), log: logFile(layout.stateDir, name) }));
}

function printStatus(layout: SandboxLayout) {
    for (const p of sandboxStatus(layout)) {
        // A log path only where there is a log: a process that never started has none.
        console.log(`  ${p.name.padEnd(24)} ${p.pid ? `running (pid ${p.pid})` : "stopped"}${fs.existsSync(p.log) ? `   ${p.log}` : ""}`);
    }
}

/** Whether `npm run sandbox -- start` ever ran with this layout (and its state was not removed). */
const started = (layout: SandboxLayout) => fs.existsSync(layout.kubeconfig);
const notStarted = (layout: SandboxLayout) => `sandbox: not started (no state in ${layout.stateDir}); start it with: npm run sandbox -- start`;

async function main(argv: string[]) {
    const [command, ...flags] = argv;
    const layout = sandboxLayout();
    switch (command) {
        case "start": {
            const at = flags.indexOf("--release");
            const release = (at >= 0 ? flags[at + 1] : "seed") as Release;
            if (!RELEASE_NAMES.includes(release)) throw new Error(`--release ${release ?? ""}: give one of ${RELEASE_NAMES.join(", ")}`);
            const info = await startSandbox(layout, { release });
            console.log(`sandbox running in ${layout.stateDir} (tools: ${toolsBin()})`);
            printStatus(layout);
            console.log(`kube-apiserver:  https://127.0.0.1:${layout.apiserverPort}`);
            console.log(`PostgreSQL:      127.0.0.1:${layout.postgresPort} (superuser supabase_admin, trust on loopback): ${describeBootstrap(info.postgres)}`);
            for (const line of info.postgres.skipped ?? []) console.log(`                 ${line}`);
            console.log(`kubeconfig:      ${info.kubeconfig}`);
            console.log(`try:             eval "$(npm run -s sandbox -- env)" && pulumi stack init sandbox && pulumi preview   (docs/contributing.md, "The sandbox and the real-engine tier")`);
            return;
        }
        case "stop": {
            const keep = flags.includes("--keep");
            const stopped = await stopSandbox(layout, keep);
            console.log(`sandbox stopped (${stopped.length ? stopped.join(", ") : "nothing was running"})${keep ? `; state kept in ${layout.stateDir}` : "; state removed"}`);
            return;
        }
        case "env": {
            // For trying the program by hand: eval "$(npm run -s sandbox -- env)". Only for a started
            // sandbox: the host-bin directory lives in its state, which stop removes.
            if (!started(layout)) {
                console.error(notStarted(layout));
                process.exitCode = 3;
                return;
            }
            const hostBin = writeHostBin(path.join(layout.stateDir, "host-bin"));
            for (const [key, value] of Object.entries(sandboxEnv(layout, hostBin))) console.log(`export ${key}='${value}'`);
            return;
        }
        case "status":
            if (!started(layout)) {
                console.log(notStarted(layout));
                process.exitCode = 3;
                return;
            }
            console.log(`sandbox state: ${layout.stateDir}`);
            printStatus(layout);
            {
                const bootstrap = sandboxPostgresBootstrap(layout);
                if (bootstrap) console.log(`  ${describeBootstrap(bootstrap)}`);
            }
            if (!sandboxStatus(layout).some((p) => p.pid)) process.exitCode = 3;
            return;
        default:
            console.error(`usage: npm run sandbox -- start [--release seed|v0.8.2] | stop [--keep] | status | env   (got ${command === undefined ? "nothing" : `'${command}'`})`);
            process.exitCode = 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err) => {
        console.error((err as Error).message);
        process.exitCode = 1;
    });
}
