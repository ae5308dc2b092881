// The real cert-manager controller (built by `npm run tools -- --only cert-manager`) against the
// sandbox's real kube-apiserver, with the CRDs of its release and no webhook: the standard private
// CA bootstrap (self-signed ClusterIssuer -> CA Certificate -> CA ClusterIssuer), a Certificate for
// the API and Studio hostnames in the stack's namespace, its kubernetes.io/tls Secret checked with
// node's X509Certificate, and a renewal forced as `cmctl renew` does, which changes the Secret.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxInfo, startSandbox, stopSandbox } from "../../sandbox/index";
import { CERT_MANAGER_NAMESPACE, certManagerTools, readCrds, RunningCertManager, startCertManager, stopCertManager } from "../../sandbox/cert-manager";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { requireTools, toolSource, toolVersions } from "../../tools/paths";
import { RELEASES } from "../../releases";
import { engineStack, engineWorkspace, pulumiCommand, StepLog } from "./support/workspace";
import { TLS_CHECKSUM_ANNOTATION as PROGRAM_TLS_ANNOTATION } from "../../components/tls";
import { TLS_CHECKSUM_ANNOTATION, tlsRolloutProgram } from "./support/tls-rollout";
import { applyCertificate, bootstrapCaIssuer, CaBootstrap, certificateProblem, forceRenewal, IssuedCertificate, waitForIssuedCertificate } from "./support/cert-manager";

const NAMESPACE = "supabase";
const HOSTNAMES = ["api.example.test", "studio.example.test"];
const CERTIFICATE = "supabase-tls";
const SECRET = "supabase-tls";

let sandbox: SandboxInfo;
let controller: RunningCertManager;
let ca: CaBootstrap;
let issued: IssuedCertificate;
const figures: string[] = [];

/** An inline Pulumi program's stack under the real CLI and engine, with a file backend in a temp dir. */
async function inlineStack(name: string, program: () => Promise<Record<string, unknown>>, kubeconfig: string): Promise<{ stack: Stack; cleanup: () => void }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tls-rollout-"));
    fs.mkdirSync(path.join(dir, "state"));
    const envVars = {
        PATH: `${requireTools()}:${process.env.PATH}`, KUBECONFIG: kubeconfig, PULUMI_HOME: path.join(dir, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "tls-rollout",
        PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, projectName: "tls-rollout", program }, {
        pulumiCommand: await pulumiCommand(), envVars, workDir: dir,
        projectSettings: { name: "tls-rollout", runtime: "nodejs", backend: { url: envVars.PULUMI_BACKEND_URL } },
    });
    return { stack, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const sansOf = (cert: IssuedCertificate) => cert.leaf.subjectAltName!.split(",").map((s) => s.trim()).sort();

describe(`real cert-manager ${toolVersions().CERT_MANAGER_VERSION} in the sandbox`, () => {
    beforeAll(async () => {
        // Not a skip: without the build, every test here fails with the command that provides it.
        const tools = certManagerTools();
        if (typeof tools === "string") throw new Error(tools);
        process.env.SUPABASE_PLATFORM_SANDBOX ??= fs.mkdtempSync(path.join(os.tmpdir(), "cert-manager-sandbox-"));
        sandbox = await startSandbox();
        controller = await startCertManager(sandbox.layout);
        figures.push(`controller start to /livez ${controller.startSeconds.toFixed(1)} s`);
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(sandbox.kubeconfig);
        const core = kc.makeApiClient(k8s.CoreV1Api);
        if (!(await core.readNamespace({ name: NAMESPACE }).then(() => true, () => false))) await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    });

    afterAll(async () => {
        console.log(`cert-manager (${toolSource("cert-manager")}): ${figures.join(", ")}`);
        if (sandbox) {
            await stopCertManager(sandbox.layout);
            await stopSandbox(sandbox.layout);
        }
    });

    it("applies CRDs without a conversion webhook, and the API server stores issuers and certificates without cert-manager's webhook", async () => {
        const tools = certManagerTools();
        if (typeof tools === "string") throw new Error(tools);
        const crds = readCrds(tools.crds);
        expect(crds.map((c) => c.metadata!.name).sort()).toEqual([
            "certificaterequests.cert-manager.io", "certificates.cert-manager.io", "challenges.acme.cert-manager.io",
            "clusterissuers.cert-manager.io", "issuers.cert-manager.io", "orders.acme.cert-manager.io",
        ]);
        expect(crds.every((c) => c.spec.conversion === undefined || c.spec.conversion.strategy === "None")).toBe(true);
        ca = await bootstrapCaIssuer(sandbox.kubeconfig, CERT_MANAGER_NAMESPACE);
        // The self-signed CA: its own issuer, marked as a CA, valid now.
        const caCert = await waitForIssuedCertificate(sandbox.kubeconfig, CERT_MANAGER_NAMESPACE, ca.caSecret, [], { timeoutMs: 60_000, certificateName: ca.caCertificate });
        expect(caCert.leaf.ca).toBe(true);
        expect(caCert.leaf.checkIssued(caCert.leaf)).toBe(true);
    });

    it("issues a certificate for the API and Studio hostnames from the CA ClusterIssuer, chained to the Secret's ca.crt", async () => {
        const t0 = Date.now();
        await applyCertificate(sandbox.kubeconfig, { namespace: NAMESPACE, name: CERTIFICATE, secretName: SECRET, hostnames: HOSTNAMES, issuer: { name: ca.caIssuer, kind: "ClusterIssuer" } });
        issued = await waitForIssuedCertificate(sandbox.kubeconfig, NAMESPACE, SECRET, HOSTNAMES, { timeoutMs: 60_000, certificateName: CERTIFICATE });
        figures.push(`Certificate to issued Secret ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        expect(sansOf(issued)).toEqual(HOSTNAMES.map((h) => `DNS:${h}`).sort());
        expect(issued.leaf.ca).toBe(false);
        // The Secret's ca.crt is the CA the bootstrap made, and the leaf verifies against it.
        const caSecret = await waitForIssuedCertificate(sandbox.kubeconfig, CERT_MANAGER_NAMESPACE, ca.caSecret, []);
        expect(issued.ca.fingerprint256).toBe(caSecret.leaf.fingerprint256);
        expect(issued.leaf.verify(issued.ca.publicKey)).toBe(true);
        expect(new Date(issued.leaf.validTo).getTime()).toBeGreaterThan(Date.now());
        // The checker refuses what it should: another hostname, and a chain to the wrong CA.
        expect(certificateProblem(issued.leaf, issued.ca, ["db.example.test"])).toMatch(/lack db\.example\.test/);
        expect(certificateProblem(issued.leaf, issued.leaf, HOSTNAMES)).toMatch(/not issued by/);
    });

    it("re-issues on a forced renewal (cmctl renew's Issuing condition): the Secret's certificate and key change, same hostnames and CA", async () => {
        const t0 = Date.now();
        await forceRenewal(sandbox.kubeconfig, NAMESPACE, CERTIFICATE);
        const renewed = await waitForIssuedCertificate(sandbox.kubeconfig, NAMESPACE, SECRET, HOSTNAMES, { timeoutMs: 60_000, notPem: issued.certPem, certificateName: CERTIFICATE });
        figures.push(`forced renewal to changed Secret ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        expect(renewed.resourceVersion).not.toBe(issued.resourceVersion);
        expect(renewed.leaf.serialNumber).not.toBe(issued.leaf.serialNumber);
        // rotationPolicy: Always: a new key pair with each issuance.
        expect(renewed.leaf.publicKey.export({ format: "der", type: "spki" }).equals(issued.leaf.publicKey.export({ format: "der", type: "spki" }))).toBe(false);
        expect(sansOf(renewed)).toEqual(sansOf(issued));
        expect(renewed.ca.fingerprint256).toBe(issued.ca.fingerprint256);
    });

    it("rolls a Deployment that mounts the Secret on the next pulumi up after a renewal, with no config change (the proposed Kong mechanism)", async () => {
        const kongImage = RELEASES["v0.8.2"].images.kong;
        const names = { namespace: NAMESPACE, certificateName: "rollout-tls", secretName: "rollout-tls" };
        const { stack, cleanup } = await inlineStack("tls", tlsRolloutProgram({
            ...names, hostnames: HOSTNAMES, issuer: { name: ca.caIssuer, kind: "ClusterIssuer" }, kongImage, kongTag: kongImage.split(":").pop()!,
        }), sandbox.kubeconfig);
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(sandbox.kubeconfig);
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const template = async () => (await apps.readNamespacedDeployment({ name: "kong-tls-rollout", namespace: NAMESPACE })).spec!.template;
        const replicaSets = async () => (await apps.listNamespacedReplicaSet({ namespace: NAMESPACE, labelSelector: "app=kong-tls-rollout" })).items.length;
        try {
            let t0 = Date.now();
            const first = await stack.up();
            figures.push(`first pulumi up (Certificate awaited Ready, Secret read, Deployment) ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            const issuedNow = await waitForIssuedCertificate(sandbox.kubeconfig, NAMESPACE, names.secretName, HOSTNAMES, { certificateName: names.certificateName });
            const before = await template();
            // The annotation is the hash of the tls.crt the Secret holds, read at this up.
            expect(before.metadata!.annotations![TLS_CHECKSUM_ANNOTATION]).toBe(first.outputs.checksum.value);
            expect(first.outputs.checksum.value).toBe(createHash("sha256").update(Buffer.from(issuedNow.certPem).toString("base64")).digest("hex"));
            // The pod mounts exactly that Secret at the paths its env names.
            const env = Object.fromEntries(before.spec!.containers[0].env!.map((e) => [e.name, e.value ?? ""]));
            const mount = before.spec!.containers[0].volumeMounts!.find((m) => env.KONG_SSL_CERT.startsWith(`${m.mountPath}/`))!;
            const volume = before.spec!.volumes!.find((v) => v.name === mount.name)!;
            expect(volume.secret!.secretName).toBe(names.secretName);
            expect(volume.secret!.items!.map((i) => `${mount.mountPath}/${i.path}`)).toEqual([env.KONG_SSL_CERT, env.KONG_SSL_CERT_KEY]);

            const steady = new StepLog();
            await stack.up({ onEvent: steady.onEvent });
            expect(steady.changes()).toEqual([]);

            await forceRenewal(sandbox.kubeconfig, NAMESPACE, names.certificateName);
            await waitForIssuedCertificate(sandbox.kubeconfig, NAMESPACE, names.secretName, HOSTNAMES, { notPem: issuedNow.certPem, certificateName: names.certificateName });
            const rsBefore = await replicaSets();
            t0 = Date.now();
            const log = new StepLog();
            const second = await stack.up({ onEvent: log.onEvent });
            figures.push(`pulumi up after renewal ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            expect(log.changes()).toEqual(["update kubernetes:apps/v1:Deployment kong"]);
            const after = await template();
            expect(after.metadata!.annotations![TLS_CHECKSUM_ANNOTATION]).toBe(second.outputs.checksum.value);
            expect(second.outputs.checksum.value).not.toBe(first.outputs.checksum.value);
            expect(await replicaSets()).toBe(rsBefore + 1);
            await stack.destroy();
        } finally {
            cleanup();
        }
    });

    it("pulumi up of the program with tls cert-manager: an issued certificate for both hostnames, mounted by Kong's pod at the paths its env names; a renewal rolls Kong on the next up with no config change", async () => {
        const ws = engineWorkspace(sandbox.kubeconfig);
        const namespace = "supabase-tls";
        const hostnames = { api: "api.tls.example.test", studio: "studio.tls.example.test" };
        // Pulumi.dev.yaml with TLS on: the program's own Certificate, from the CA ClusterIssuer above.
        const stack = await engineStack(ws, "dev", {
            dbAdminEndpoint: "none", namespace, apiHostname: hostnames.api, studioHostname: hostnames.studio,
            tls: "cert-manager", tlsIssuerName: ca.caIssuer, tlsIssuerKind: "ClusterIssuer",
        });
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(sandbox.kubeconfig);
        const apps = kc.makeApiClient(k8s.AppsV1Api);
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const kongTemplate = async () => (await apps.readNamespacedDeployment({ name: "kong", namespace })).spec!.template;
        const kongPods = async () => (await core.listNamespacedPod({ namespace, labelSelector: "app.kubernetes.io/name=kong" })).items
            .filter((p) => !p.metadata!.deletionTimestamp);
        try {
            let t0 = Date.now();
            const first = await stack.up();
            figures.push(`program pulumi up with tls cert-manager ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            expect(first.outputs.apiUrl.value).toBe(`https://${hostnames.api}`);
            expect(first.outputs.studioUrl.value).toBe(`https://${hostnames.studio}`);

            // The Secret holds a certificate for both hostnames, chained to the CA the ClusterIssuer signs with.
            const cert = await waitForIssuedCertificate(sandbox.kubeconfig, namespace, "supabase-tls", [hostnames.api, hostnames.studio], { certificateName: "supabase-hostnames" });
            expect(sansOf(cert)).toEqual([`DNS:${hostnames.api}`, `DNS:${hostnames.studio}`].sort());
            expect(certificateProblem(cert.leaf, cert.ca, [hostnames.api, hostnames.studio])).toBeUndefined();
            const caSecret = await waitForIssuedCertificate(sandbox.kubeconfig, CERT_MANAGER_NAMESPACE, ca.caSecret, []);
            expect(cert.ca.fingerprint256).toBe(caSecret.leaf.fingerprint256);

            // Kong's pod (KWOK runs it) mounts exactly that Secret at the paths its env names, and carries its tls.crt's hash.
            const checksum = createHash("sha256").update(cert.certPem).digest("hex");
            const pods = await kongPods();
            expect(pods.length).toBeGreaterThan(0);
            for (const pod of pods) {
                const kong = pod.spec!.containers.find((c) => c.name === "kong")!;
                const env = Object.fromEntries(kong.env!.map((e) => [e.name, e.value ?? ""]));
                const mount = kong.volumeMounts!.find((m) => env.KONG_SSL_CERT.startsWith(`${m.mountPath}/`))!;
                const volume = pod.spec!.volumes!.find((v) => v.name === mount.name)!;
                expect(volume.secret!.secretName).toBe("supabase-tls");
                expect(volume.secret!.items!.map((i) => `${mount.mountPath}/${i.path}`)).toEqual([env.KONG_SSL_CERT, env.KONG_SSL_CERT_KEY]);
                expect(env.KONG_NGINX_PROXY_ADD_HEADER).toBe('Strict-Transport-Security "max-age=31536000" always');
                expect(pod.metadata!.annotations![PROGRAM_TLS_ANNOTATION]).toBe(checksum);
            }
            // Both LoadBalancers answer on 443 (Kong's TLS listener) and 80 (its redirecting plain one).
            for (const name of ["kong-lb", "kong-dashboard-lb"]) {
                const svc = await core.readNamespacedService({ name, namespace });
                expect(svc.spec!.ports!.map((p) => `${p.port}->${p.targetPort}`)).toEqual(["443->https", "80->http"]);
            }

            const steady = new StepLog();
            await stack.up({ onEvent: steady.onEvent });
            expect(steady.changes()).toEqual([]);

            // A renewal changes the Secret; the next up, with no config change, rolls Kong (and nothing else).
            await forceRenewal(sandbox.kubeconfig, namespace, "supabase-hostnames");
            const renewed = await waitForIssuedCertificate(sandbox.kubeconfig, namespace, "supabase-tls", [hostnames.api, hostnames.studio], { notPem: cert.certPem, certificateName: "supabase-hostnames", timeoutMs: 60_000 });
            t0 = Date.now();
            const log = new StepLog();
            await stack.up({ onEvent: log.onEvent });
            figures.push(`program pulumi up after renewal ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            expect(log.changes()).toEqual(["update kubernetes:apps/v1:Deployment kong"]);
            const renewedChecksum = createHash("sha256").update(renewed.certPem).digest("hex");
            expect((await kongTemplate()).metadata!.annotations![PROGRAM_TLS_ANNOTATION]).toBe(renewedChecksum);
            expect(renewedChecksum).not.toBe(checksum);
            const rolled = await kongPods();
            expect(rolled.length).toBeGreaterThan(0);
            expect(rolled.every((p) => p.metadata!.annotations![PROGRAM_TLS_ANNOTATION] === renewedChecksum)).toBe(true);
            await stack.destroy();
        } finally {
            ws.cleanup();
        }
    });
});
