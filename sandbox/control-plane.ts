// The sandbox's Kubernetes control plane on loopback: etcd, kube-apiserver with its default
// admission plugins (so Pod Security labels are enforced), the controller manager, the scheduler,
// and KWOK, which plays the kubelet of one fake node (pods become Ready without containers).
import * as https from "https";
import * as fs from "fs";
import * as path from "path";
import { SandboxLayout } from "./layout";
import { logTail, runningPid, sleep, startProcess } from "./processes";

export const CONTROL_PLANE = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;

export function startControlPlane(layout: SandboxLayout, bin: string, pki: string): void {
    const exe = (name: string) => path.join(bin, name);
    const data = path.join(layout.stateDir, "etcd");
    fs.mkdirSync(data, { recursive: true });
    const etcdClient = `http://127.0.0.1:${layout.etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${layout.etcdPeerPort}`;
    if (!runningPid(layout.stateDir, "etcd")) {
        startProcess(layout.stateDir, {
            name: "etcd", command: exe("etcd"), args: [
                `--data-dir=${data}`, `--listen-client-urls=${etcdClient}`, `--advertise-client-urls=${etcdClient}`,
                `--listen-peer-urls=${etcdPeer}`, `--initial-advertise-peer-urls=${etcdPeer}`,
                `--initial-cluster=default=${etcdPeer}`, "--unsafe-no-fsync", "--log-level=warn",
            ],
        });
    }
    const pkiFile = (f: string) => path.join(pki, f);
    if (!runningPid(layout.stateDir, "kube-apiserver")) {
        startProcess(layout.stateDir, {
            name: "kube-apiserver", command: exe("kube-apiserver"), args: [
                `--etcd-servers=${etcdClient}`, "--bind-address=127.0.0.1", `--secure-port=${layout.apiserverPort}`,
                "--advertise-address=127.0.0.1",
                `--tls-cert-file=${pkiFile("apiserver.crt")}`, `--tls-private-key-file=${pkiFile("apiserver.key")}`,
                `--client-ca-file=${pkiFile("ca.crt")}`, `--token-auth-file=${pkiFile("tokens.csv")}`,
                "--authorization-mode=Node,RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                `--service-account-key-file=${pkiFile("sa.key")}`, `--service-account-signing-key-file=${pkiFile("sa.key")}`,
                "--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true",
                // The apiserver reaches the fake kubelet (KWOK) at the node's InternalIP for port-forward;
                // with no --kubelet-certificate-authority it does not verify KWOK's self-signed certificate.
                "--kubelet-preferred-address-types=InternalIP",
            ],
        });
    }
}

/** Wait for /readyz with the admin token; fail with the apiserver's log if it never answers. */
export async function waitForApiserver(layout: SandboxLayout, pki: string, timeoutMs = 120_000): Promise<void> {
    const ca = fs.readFileSync(path.join(pki, "ca.crt"));
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        last = await new Promise<string>((resolve) => {
            const req = https.get({
                host: "127.0.0.1", port: layout.apiserverPort, path: "/readyz", ca,
                headers: { Authorization: `Bearer ${layout.adminToken}` }, timeout: 5000,
            }, (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve(res.statusCode === 200 ? "ok" : `HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
            });
            req.on("error", (err) => resolve(err.message));
            req.on("timeout", () => req.destroy(new Error("timeout")));
        });
        if (last === "ok") return;
        for (const name of ["etcd", "kube-apiserver"]) {
            if (!runningPid(layout.stateDir, name)) throw new Error(`sandbox: ${name} exited during start-up; its log ends:\n${logTail(layout.stateDir, name)}`);
        }
        await sleep(1000);
    }
    throw new Error(`sandbox: kube-apiserver not ready after ${timeoutMs / 1000} s (${last}); its log ends:\n${logTail(layout.stateDir, "kube-apiserver")}`);
}

export function startControllers(layout: SandboxLayout, bin: string, pki: string): void {
    const exe = (name: string) => path.join(bin, name);
    const kubeconfig = `--kubeconfig=${layout.kubeconfig}`;
    if (!runningPid(layout.stateDir, "kube-controller-manager")) {
        startProcess(layout.stateDir, {
            name: "kube-controller-manager", command: exe("kube-controller-manager"), args: [
                kubeconfig, `--service-account-private-key-file=${path.join(pki, "sa.key")}`,
                `--root-ca-file=${path.join(pki, "ca.crt")}`, "--leader-elect=false", "--controllers=*",
                "--bind-address=127.0.0.1", "--secure-port=0",
            ],
        });
    }
    if (!runningPid(layout.stateDir, "kube-scheduler")) {
        startProcess(layout.stateDir, {
            name: "kube-scheduler", command: exe("kube-scheduler"), args: [kubeconfig, "--leader-elect=false", "--bind-address=127.0.0.1", "--secure-port=0"],
        });
    }
    if (!runningPid(layout.stateDir, "kwok")) {
        startProcess(layout.stateDir, {
            name: "kwok", command: exe("kwok"), args: [
                kubeconfig, `--config=${kwokConfig(layout, bin)}`, "--manage-all-nodes=true",
                "--cidr=10.244.0.1/16", "--node-ip=127.0.0.1", `--node-port=${layout.kubeletPort}`,
                `--server-address=127.0.0.1:${layout.kubeletPort}`,
                `--tls-cert-file=${path.join(pki, "apiserver.crt")}`, `--tls-private-key-file=${path.join(pki, "apiserver.key")}`,
            ],
        });
    }
}

/**
 * KWOK's stages (pods become Ready, Jobs complete, deletions finish) plus one port-forward rule:
 * a port-forward to port 5432 of any pod reaches the sandbox's PostgreSQL, which is what the
 * database pod would serve on a real node.
 */
function kwokConfig(layout: SandboxLayout, bin: string): string {
    const file = path.join(layout.stateDir, "kwok.yaml");
    const forward = [
        "kind: ClusterPortForward",
        "apiVersion: kwok.x-k8s.io/v1alpha1",
        "metadata:",
        "  name: sandbox-postgres",
        "spec:",
        "  forwards:",
        "  - ports: [5432]",
        "    target:",
        `      port: ${layout.postgresPort}`,
        "      address: 127.0.0.1",
        "",
    ].join("\n");
    fs.writeFileSync(file, `${fs.readFileSync(path.join(bin, "kwok-stages.yaml"), "utf8")}\n---\n${forward}`);
    return file;
}
