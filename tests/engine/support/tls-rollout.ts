// The proposed way a certificate renewal rolls Kong, as a small Pulumi program run by the real
// engine: a cert-manager Certificate that the Kubernetes provider awaits (pulumi.com/waitFor:
// condition=Ready), its Secret read back at every `pulumi up` (Secret.get, a read step), and a
// Deployment whose pod template carries the SHA-256 of the Secret's tls.crt and mounts the Secret at
// the paths Kong's env names. A renewal changes tls.crt, so the next `pulumi up`, with no config
// change, changes the template and the Deployment rolls. No test-runner imports.
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kongTls, kongTlsVolume } from "../../../components/services/kong/tls";

export const TLS_CHECKSUM_ANNOTATION = "platform.supabase.io/tls-checksum";

export interface RolloutProgramArgs {
    namespace: string;
    certificateName: string;
    secretName: string;
    hostnames: string[];
    issuer: { name: string; kind: "ClusterIssuer" | "Issuer" };
    kongImage: string;
    kongTag: string;
}

export function tlsRolloutProgram(args: RolloutProgramArgs) {
    return async () => {
        const certificate = new k8s.apiextensions.CustomResource("tls-certificate", {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: args.certificateName, namespace: args.namespace, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
            spec: {
                secretName: args.secretName,
                dnsNames: args.hostnames,
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                issuerRef: { name: args.issuer.name, kind: args.issuer.kind, group: "cert-manager.io" },
            },
        });
        // The id comes from the awaited Certificate, so the read happens after it is Ready.
        const secret = k8s.core.v1.Secret.get("tls-secret", pulumi.all([certificate.metadata, args.secretName]).apply(([m, s]) => `${m.namespace}/${s}`));
        const checksum = secret.data.apply((d) => createHash("sha256").update(d?.["tls.crt"] ?? "").digest("hex"));
        const mount = kongTlsVolume(args.secretName);
        const tls = kongTls(args.kongTag, { certPath: mount.certPath, keyPath: mount.keyPath, hstsMaxAge: 31536000 });
        const labels = { app: "kong-tls-rollout" };
        const deployment = new k8s.apps.v1.Deployment("kong", {
            metadata: { name: "kong-tls-rollout", namespace: args.namespace },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels, annotations: { [TLS_CHECKSUM_ANNOTATION]: checksum } },
                    spec: {
                        containers: [{
                            name: "kong",
                            image: args.kongImage,
                            env: Object.entries(tls.env).map(([name, value]) => ({ name, value })),
                            ports: [{ name: "http", containerPort: tls.ports.http }, { name: "https", containerPort: tls.ports.https }],
                            volumeMounts: [mount.volumeMount],
                        }],
                        volumes: [mount.volume],
                    },
                },
            },
        });
        return { checksum, deployment: deployment.metadata.name };
    };
}
