// Certificates and credentials of the sandbox API server, made with Debian's openssl: a CA, the
// serving certificate (loopback and the in-cluster service names), the service-account key, a
// static token file with one admin (system:masters) and one restricted user, and a kubeconfig each.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SandboxLayout } from "./layout";

/** A user with no rights beyond what a test grants it (RBAC checks of the tunnel). */
export const RESTRICTED_USER = { name: "sandbox-restricted", token: "sandbox-restricted-token" };

const openssl = (args: string[], cwd: string) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

export function ensurePki(layout: SandboxLayout): string {
    const dir = path.join(layout.stateDir, "pki");
    if (fs.existsSync(path.join(dir, "apiserver.crt"))) return dir;
    try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
    } catch {
        throw new Error("sandbox: openssl not found; install it with: apt-get install -y openssl");
    }
    fs.mkdirSync(dir, { recursive: true });
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=sandbox-ca"], dir);
    fs.writeFileSync(path.join(dir, "apiserver.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1\n"
        + "extendedKeyUsage=serverAuth,clientAuth\n");
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver"], dir);
    openssl(["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "apiserver.crt", "-days", "3650", "-extfile", "apiserver.ext"], dir);
    openssl(["genrsa", "-out", "sa.key", "2048"], dir);
    fs.writeFileSync(path.join(dir, "tokens.csv"),
        `${layout.adminToken},sandbox-admin,sandbox-admin,system:masters\n${RESTRICTED_USER.token},${RESTRICTED_USER.name},${RESTRICTED_USER.name}\n`);
    return dir;
}

export function kubeconfigText(layout: SandboxLayout, token: string, user: string): string {
    const ca = path.join(layout.stateDir, "pki", "ca.crt");
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: sandbox",
        "  cluster:",
        `    server: https://127.0.0.1:${layout.apiserverPort}`,
        `    certificate-authority: ${ca}`,
        "users:",
        `- name: ${user}`,
        "  user:",
        `    token: ${token}`,
        "contexts:",
        `- name: ${user === "sandbox-admin" ? "sandbox" : user}`,
        "  context:",
        "    cluster: sandbox",
        `    user: ${user}`,
        `current-context: ${user === "sandbox-admin" ? "sandbox" : user}`,
        "",
    ].join("\n");
}

export function writeKubeconfigs(layout: SandboxLayout): { admin: string; restricted: string } {
    fs.writeFileSync(layout.kubeconfig, kubeconfigText(layout, layout.adminToken, "sandbox-admin"), { mode: 0o600 });
    const restricted = path.join(layout.stateDir, "kubeconfig-restricted");
    fs.writeFileSync(restricted, kubeconfigText(layout, RESTRICTED_USER.token, RESTRICTED_USER.name), { mode: 0o600 });
    return { admin: layout.kubeconfig, restricted };
}
