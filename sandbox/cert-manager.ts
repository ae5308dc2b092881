// cert-manager in the sandbox: its CRDs applied to the sandbox's kube-apiserver, and its real
// controller (built by `npm run tools -- --only cert-manager`) run as a sandbox process against it.
// No webhook and no cainjector: the CRDs it installs carry no conversion webhook (checked here), so
// the API server stores cert-manager's objects on its own schema validation; what the webhook
// would add (defaulting, cross-field validation, the requester's identity on CertificateRequests)
// is absent, which the certificates here do not need. Leader election is off (one controller), and
// only the controllers that self-signed and CA issuance use run: no ACME, Vault, Venafi, no
// ingress or gateway shims.
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as k8s from "@kubernetes/client-node";
import { toolsBin, toolsHome } from "../tools/paths";
import { SandboxLayout } from "./layout";
import { logFile, logTail, runningPid, sleep, startProcess, stopProcess } from "./processes";

export const CERT_MANAGER_PROCESS = "cert-manager";
/** Where ClusterIssuers keep their Secrets (the CA's key pair): the controller's --cluster-resource-namespace. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CERT_MANAGER_BUILD = "npm run tools -- --only cert-manager";

/** The controllers self-signed and CA issuance need (names as at v1.21.1, cmd/controller's --controllers). */
export const CERT_MANAGER_CONTROLLERS = [
    "issuers", "clusterissuers",
    "certificates-trigger", "certificates-issuing", "certificates-key-manager", "certificates-request-manager",
    "certificates-readiness", "certificates-revision-manager",
    "certificaterequests-approver", "certificaterequests-issuer-selfsigned", "certificaterequests-issuer-ca",
];

export interface CertManagerTools {
    binary: string;
    crds: string;
}

/** The controller binary and CRD bundle of `npm run tools`, or a line naming what is missing and the build command. */
export function certManagerTools(env: NodeJS.ProcessEnv = process.env): CertManagerTools | string {
    const binary = path.join(toolsBin(env), "cert-manager-controller");
    const crds = path.join(toolsHome(env), "cert-manager", "crds.yaml");
    const missing = [binary, crds].filter((f) => !fs.existsSync(f));
    if (missing.length > 0) {
        return `cert-manager not built (missing ${missing.join(", ")}); build it with: ${CERT_MANAGER_BUILD} (needs snapshots of cert-manager/cert-manager and Venafi/vcert in SUPABASE_PLATFORM_SOURCES; see npm run tools -- --list)`;
    }
    return { binary, crds };
}

type Crd = k8s.V1CustomResourceDefinition;

/** The CRDs of the bundle; refuses one whose conversion needs a webhook (nothing here serves it). */
export function readCrds(file: string): Crd[] {
    const crds = k8s.loadAllYaml(fs.readFileSync(file, "utf8")).filter(Boolean) as Crd[];
    for (const crd of crds) {
        if (crd.kind !== "CustomResourceDefinition") throw new Error(`${file}: expected only CustomResourceDefinitions, found ${crd.kind} ${crd.metadata?.name}`);
        if (crd.spec.conversion?.strategy === "Webhook") {
            throw new Error(`${file}: CRD ${crd.metadata?.name} converts through a webhook, which the sandbox does not run; use CRDs without spec.conversion (cert-manager's deploy/crds)`);
        }
    }
    return crds;
}

/** Create or replace each CRD, then wait until the API server serves all of them (Established). */
export async function installCrds(kc: k8s.KubeConfig, crds: Crd[], timeoutMs = 60_000): Promise<void> {
    const api = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of crds) {
        const name = crd.metadata!.name!;
        const existing = await api.readCustomResourceDefinition({ name }).catch(() => undefined);
        if (existing) {
            await api.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata!.resourceVersion } } });
        } else {
            await api.createCustomResourceDefinition({ body: crd });
        }
    }
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
        const name = crd.metadata!.name!;
        for (;;) {
            const read = await api.readCustomResourceDefinition({ name });
            if (read.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
            if (Date.now() > deadline) throw new Error(`sandbox: CRD ${name} not Established after ${timeoutMs / 1000} s: ${JSON.stringify(read.status?.conditions ?? [])}`);
            await sleep(200);
        }
    }
}

async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const exists = await core.readNamespace({ name }).then(() => true, () => false);
    if (!exists) await core.createNamespace({ body: { metadata: { name } } });
}

function freeLoopbackPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

const livez = (port: number) => new Promise<number | string>((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/livez", timeout: 2000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (err) => resolve(err.message));
    req.on("timeout", () => req.destroy(new Error("timeout")));
});

export interface RunningCertManager {
    pid: number;
    log: string;
    /** Seconds from the process start to its /livez answering 200. */
    startSeconds: number;
}

/**
 * Installs the CRDs and starts the controller against the sandbox's API server (admin kubeconfig).
 * Throws the missing-build line when `npm run tools` has not built it.
 */
export async function startCertManager(layout: SandboxLayout, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<RunningCertManager> {
    const tools = certManagerTools(env);
    if (typeof tools === "string") throw new Error(tools);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(layout.kubeconfig);
    await installCrds(kc, readCrds(tools.crds));
    await ensureNamespace(kc, CERT_MANAGER_NAMESPACE);
    await stopProcess(layout.stateDir, CERT_MANAGER_PROCESS);
    const healthz = await freeLoopbackPort();
    const t0 = Date.now();
    const pid = startProcess(layout.stateDir, {
        name: CERT_MANAGER_PROCESS, command: tools.binary, args: [
            `--kubeconfig=${layout.kubeconfig}`,
            `--cluster-resource-namespace=${CERT_MANAGER_NAMESPACE}`,
            "--leader-elect=false",
            `--controllers=${CERT_MANAGER_CONTROLLERS.join(",")}`,
            // Loopback only: metrics on a port of the kernel's choosing, the health server where we look.
            "--metrics-listen-address=127.0.0.1:0",
            `--internal-healthz-listen-address=127.0.0.1:${healthz}`,
            "--v=2",
        ],
    });
    const deadline = Date.now() + timeoutMs;
    let last: number | string = "";
    while (Date.now() < deadline) {
        last = await livez(healthz);
        if (last === 200) return { pid, log: logFile(layout.stateDir, CERT_MANAGER_PROCESS), startSeconds: (Date.now() - t0) / 1000 };
        if (!runningPid(layout.stateDir, CERT_MANAGER_PROCESS)) {
            throw new Error(`sandbox: cert-manager exited during start-up; its log ends:\n${logTail(layout.stateDir, CERT_MANAGER_PROCESS)}`);
        }
        await sleep(300);
    }
    throw new Error(`sandbox: cert-manager's /livez did not answer 200 within ${timeoutMs / 1000} s (${last}); its log ends:\n${logTail(layout.stateDir, CERT_MANAGER_PROCESS)}`);
}

export async function stopCertManager(layout: SandboxLayout): Promise<boolean> {
    return stopProcess(layout.stateDir, CERT_MANAGER_PROCESS);
}
