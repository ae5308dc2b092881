// cert-manager objects in a cluster (the sandbox's, or any kubeconfig's) and what an issued
// certificate must be: the self-signed CA bootstrap, a Certificate's kubernetes.io/tls Secret read
// back and checked with node's X509Certificate (SANs, chain to the Secret's ca.crt, validity), and a
// renewal forced the way `cmctl renew` does it. No test-runner imports: the engine tier's Pulumi
// scenario can point waitForIssuedCertificate at the Certificate the program renders.
import { X509Certificate } from "crypto";
import * as k8s from "@kubernetes/client-node";

const GROUP = "cert-manager.io";
const VERSION = "v1";

function clients(kubeconfig: string) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    return { core: kc.makeApiClient(k8s.CoreV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi), objects: k8s.KubernetesObjectApi.makeApiClient(kc) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Create the object, or replace it if it exists (idempotent set-up). */
async function apply(objects: k8s.KubernetesObjectApi, obj: k8s.KubernetesObject & { metadata: { name: string } }): Promise<void> {
    const existing = await objects.read(obj).catch(() => undefined);
    if (existing) await objects.replace({ ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata?.resourceVersion } });
    else await objects.create(obj);
}

export interface CaBootstrap {
    /** The self-signed ClusterIssuer that signs only the CA. */
    selfSignedIssuer: string;
    /** The CA Certificate (isCA) and its Secret, in the controller's cluster resource namespace. */
    caCertificate: string;
    caSecret: string;
    /** The CA ClusterIssuer that the program's Certificate names. */
    caIssuer: string;
}

/**
 * cert-manager's documented bootstrap of a private CA: a self-signed ClusterIssuer issues a CA
 * Certificate into clusterResourceNamespace, and a CA ClusterIssuer signs with that Secret.
 */
export async function bootstrapCaIssuer(kubeconfig: string, clusterResourceNamespace: string, prefix = "sandbox"): Promise<CaBootstrap> {
    const { objects } = clients(kubeconfig);
    const names: CaBootstrap = {
        selfSignedIssuer: `${prefix}-selfsigned`, caCertificate: `${prefix}-ca`, caSecret: `${prefix}-ca`, caIssuer: `${prefix}-ca`,
    };
    await apply(objects, { apiVersion: `${GROUP}/${VERSION}`, kind: "ClusterIssuer", metadata: { name: names.selfSignedIssuer }, spec: { selfSigned: {} } } as k8s.KubernetesObject & { metadata: { name: string } });
    await apply(objects, {
        apiVersion: `${GROUP}/${VERSION}`, kind: "Certificate",
        metadata: { name: names.caCertificate, namespace: clusterResourceNamespace },
        spec: {
            isCA: true, commonName: `${prefix} CA`, secretName: names.caSecret,
            privateKey: { algorithm: "ECDSA", size: 256 },
            issuerRef: { name: names.selfSignedIssuer, kind: "ClusterIssuer", group: GROUP },
        },
    } as k8s.KubernetesObject & { metadata: { name: string } });
    await apply(objects, { apiVersion: `${GROUP}/${VERSION}`, kind: "ClusterIssuer", metadata: { name: names.caIssuer }, spec: { ca: { secretName: names.caSecret } } } as k8s.KubernetesObject & { metadata: { name: string } });
    return names;
}

export interface CertificateRequestSpec {
    namespace: string;
    name: string;
    secretName: string;
    hostnames: string[];
    issuer: { name: string; kind: "ClusterIssuer" | "Issuer" };
}

export async function applyCertificate(kubeconfig: string, spec: CertificateRequestSpec): Promise<void> {
    const { objects } = clients(kubeconfig);
    await apply(objects, {
        apiVersion: `${GROUP}/${VERSION}`, kind: "Certificate",
        metadata: { name: spec.name, namespace: spec.namespace },
        spec: {
            secretName: spec.secretName, dnsNames: spec.hostnames,
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
            issuerRef: { name: spec.issuer.name, kind: spec.issuer.kind, group: GROUP },
        },
    } as k8s.KubernetesObject & { metadata: { name: string } });
}

export interface IssuedCertificate {
    leaf: X509Certificate;
    ca: X509Certificate;
    /** The Secret's tls.crt, PEM, as served (leaf first). */
    certPem: string;
    resourceVersion: string;
}

/** Why a Secret's certificate is not the one wanted, or undefined when it is. */
export function certificateProblem(leaf: X509Certificate, ca: X509Certificate, hostnames: string[], now = new Date()): string | undefined {
    const sans = (leaf.subjectAltName ?? "").split(",").map((s) => s.trim()).filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4));
    const missing = hostnames.filter((h) => !sans.includes(h));
    if (missing.length) return `its SANs (${sans.join(", ") || "none"}) lack ${missing.join(", ")}`;
    if (!leaf.checkIssued(ca)) return `it was not issued by the Secret's ca.crt (issuer ${leaf.issuer}, CA subject ${ca.subject})`;
    if (!leaf.verify(ca.publicKey)) return "its signature does not verify with the CA's public key";
    if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo)) return `it is not valid now (${leaf.validFrom} .. ${leaf.validTo})`;
    return undefined;
}

/** The Certificate's status conditions, for error messages ("Ready=False (reason: message)"). */
export async function certificateConditions(kubeconfig: string, namespace: string, name: string): Promise<string> {
    const { custom } = clients(kubeconfig);
    const cert = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "certificates", name }).catch((e: Error) => ({ error: e.message }));
    const conditions = (cert as { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } }).status?.conditions;
    return conditions?.map((c) => `${c.type}=${c.status} (${c.reason}: ${c.message})`).join("; ") ?? JSON.stringify(cert).slice(0, 300);
}

/**
 * Waits for `secretName` in `namespace` to be a kubernetes.io/tls Secret whose certificate covers
 * every hostname, chains to the Secret's ca.crt and is valid now; with `notPem`, also one whose
 * tls.crt differs from that (a renewal). Throws, naming the last problem, after `timeoutMs`.
 */
export async function waitForIssuedCertificate(
    kubeconfig: string, namespace: string, secretName: string, hostnames: string[],
    options: { timeoutMs?: number; notPem?: string; certificateName?: string } = {},
): Promise<IssuedCertificate> {
    const { core } = clients(kubeconfig);
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    let problem = "not read yet";
    while (Date.now() < deadline) {
        const secret = await core.readNamespacedSecret({ name: secretName, namespace }).catch(() => undefined);
        const data = secret?.data ?? {};
        if (!secret) problem = "the Secret does not exist";
        else if (secret.type !== "kubernetes.io/tls") problem = `the Secret's type is ${secret.type}, not kubernetes.io/tls`;
        else if (!data["tls.crt"] || !data["tls.key"] || !data["ca.crt"]) problem = `the Secret lacks ${["tls.crt", "tls.key", "ca.crt"].filter((k) => !data[k]).join(", ")}`;
        else {
            const certPem = Buffer.from(data["tls.crt"], "base64").toString("utf8");
            if (options.notPem !== undefined && certPem === options.notPem) problem = "tls.crt is still the previous certificate";
            else {
                const leaf = new X509Certificate(certPem);
                const ca = new X509Certificate(Buffer.from(data["ca.crt"], "base64"));
                const why = certificateProblem(leaf, ca, hostnames);
                if (!why) return { leaf, ca, certPem, resourceVersion: secret.metadata!.resourceVersion! };
                problem = `its certificate is wrong: ${why}`;
            }
        }
        await sleep(250);
    }
    const conditions = options.certificateName ? `; Certificate ${namespace}/${options.certificateName}: ${await certificateConditions(kubeconfig, namespace, options.certificateName)}` : "";
    throw new Error(`Secret ${namespace}/${secretName} for ${hostnames.join(", ")}: ${problem}${conditions}`);
}

/**
 * Forces re-issuance as `cmctl renew` does: the Certificate's status gets the condition
 * Issuing=True (reason ManuallyTriggered), which the certificates-trigger controller honours.
 */
export async function forceRenewal(kubeconfig: string, namespace: string, name: string): Promise<void> {
    const { custom } = clients(kubeconfig);
    const cert = await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: "certificates", name }) as {
        metadata: { generation?: number };
        status?: { conditions?: Record<string, unknown>[] };
    };
    const conditions = (cert.status?.conditions ?? []).filter((c) => c.type !== "Issuing");
    conditions.push({
        type: "Issuing", status: "True", reason: "ManuallyTriggered", message: "Certificate re-issuance manually triggered",
        observedGeneration: cert.metadata.generation,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    });
    await custom.replaceNamespacedCustomObjectStatus({
        group: GROUP, version: VERSION, namespace, plural: "certificates", name,
        body: { ...cert, status: { ...cert.status, conditions } },
    });
}
