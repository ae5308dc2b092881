// The certificate of the public hostnames (issue #23, docs/tls.md): a cert-manager Certificate the
// program requests and awaits, or a kubernetes.io/tls Secret the user provides; and, when Kong
// terminates TLS, the digest of the certificate Kong must be serving.
//
// Kong reads its certificate files only when it starts (Kong TLS contract: certificate.readAt), so
// a renewed Secret is not picked up by running pods. The Secret is therefore read at every
// `pulumi up` (Secret.get, a read step) and the SHA-256 of its tls.crt goes on Kong's pod template:
// a renewal changes it, and the next `pulumi up`, with no config change, rolls Kong. Between the
// renewal and that up, Kong serves the previous certificate (cert-manager renews 30 days before
// expiry by default, so a regular `pulumi up` keeps well ahead). The read keeps the Secret's data,
// tls.key included, in the stack state as a secret (encrypted by the stack's secrets provider).
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "./k8s";
import { PlatformConfig } from "../config";
import { workloadLabels } from "./workload";

/** Pod-template annotation on Kong holding the SHA-256 of the served tls.crt. */
export const TLS_CHECKSUM_ANNOTATION = "platform.supabase.io/tls-checksum";
/** The Certificate's name in the namespace (cert-manager mode). */
export const CERTIFICATE_NAME = "supabase-hostnames";

export interface TlsCertificateArgs {
    config: PlatformConfig;
    namespace: pulumi.Input<string>;
    /** Read the Secret back for Kong's roll-out checksum (only when Kong itself serves the certificate). */
    readForRollout: boolean;
}

export class TlsCertificate extends pulumi.ComponentResource {
    /** The kubernetes.io/tls Secret holding tls.crt and tls.key for both hostnames. */
    readonly secretName: string;
    /** The cert-manager Certificate (cert-manager mode), Ready once the Secret holds an issued certificate. */
    readonly certificate?: k8s.apiextensions.CustomResource;
    /** What consumers of the Secret wait for: the Ready Certificate, or the Secret's read. */
    readonly ready: pulumi.Resource[];
    /** SHA-256 (hex) of the Secret's tls.crt as read at this up; undefined without readForRollout. */
    readonly checksum?: pulumi.Output<string>;

    constructor(name: string, args: TlsCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("supabase:platform:Tls", name, {}, opts);
        const { config } = args;
        const { tls, hostnames } = config.edge;
        if (tls.mode === "none" || !hostnames) throw new Error("TlsCertificate needs tls secret or cert-manager and both hostnames (config's cross rules ensure it)");
        this.secretName = tls.secretName;

        if (tls.mode === "cert-manager") {
            this.certificate = new k8s.apiextensions.CustomResource(`${name}-certificate`, {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: {
                    name: CERTIFICATE_NAME,
                    namespace: args.namespace,
                    labels: workloadLabels("kong", "gateway"),
                    // The Kubernetes provider waits for the Ready condition (the Secret then holds a
                    // certificate the issuer signed), so Kong never starts on a missing Secret.
                    annotations: { "pulumi.com/waitFor": "condition=Ready" },
                },
                spec: {
                    secretName: tls.secretName,
                    dnsNames: [hostnames.api, hostnames.studio],
                    // A fresh key at every renewal: a leaked key stops being useful at the next one.
                    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                    issuerRef: { name: tls.issuer.name, kind: tls.issuer.kind, group: "cert-manager.io" },
                },
            }, { parent: this });
        }

        this.ready = this.certificate ? [this.certificate] : [];
        if (args.readForRollout) {
            // The read's id names the Certificate's namespace, so it happens after the Certificate is Ready.
            const id = this.certificate
                ? pulumi.all([this.certificate.metadata, tls.secretName]).apply(([m, secret]) => `${m.namespace}/${secret}`)
                : pulumi.all([args.namespace, tls.secretName]).apply(([ns, secret]) => `${ns}/${secret}`);
            const secret = k8s.core.v1.Secret.get(`${name}-secret`, id, { parent: this });
            this.checksum = pulumi.unsecret(secret.data.apply((data) => {
                const crt = data?.["tls.crt"];
                if (!crt) throw new Error(`Secret ${tls.secretName}: it has no tls.crt; give a kubernetes.io/tls Secret (kubectl create secret tls ${tls.secretName} --cert=… --key=…)`);
                return createHash("sha256").update(Buffer.from(crt, "base64")).digest("hex");
            }));
            this.ready = [...this.ready, secret];
        }
        this.registerOutputs({ secretName: this.secretName });
    }
}
