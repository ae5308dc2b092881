// The tunnel's Kubernetes side: the credentials (the same the Kubernetes provider uses) and the
// ClusterApi over @kubernetes/client-node. client-node is an ES module; it is required lazily
// (Node ≥ 20.19 loads ESM through require), so the mock engine and the offline render never load it.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { KubeConfig } from "@kubernetes/client-node";
import { ClusterApi, collector, Forward, httpStatus, messages, PodTarget, TunnelError } from "./tunnel";

type ClientNode = typeof import("@kubernetes/client-node");
const clientNode = (): ClientNode => require("@kubernetes/client-node");

/** `kubernetes:kubeconfig` and `kubernetes:context` of the stack config, when set. */
export interface KubeCredentials {
    kubeconfig?: string;
    context?: string;
}

export interface CredentialSources {
    env: NodeJS.ProcessEnv;
    home: string;
    exists: (file: string) => boolean;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const defaultSources = (): CredentialSources => ({ env: process.env, home: os.homedir(), exists: fs.existsSync });

/** kubernetes:kubeconfig holds a path or the kubeconfig itself, as for the Kubernetes provider. */
const isContent = (value: string) => /\n/.test(value.trim()) || value.trim().startsWith("{");

/**
 * Loads the credentials in the Kubernetes provider's order: kubernetes:kubeconfig, else
 * KUBECONFIG / ~/.kube/config / the in-cluster service account (client-node's loadFromDefault,
 * whose last resort, an unauthenticated localhost:8080, is refused here).
 */
export function loadKubeConfig(credentials: KubeCredentials, sources: CredentialSources = defaultSources()): KubeConfig {
    const kc = new (clientNode().KubeConfig)();
    const { kubeconfig, context } = credentials;
    try {
        if (kubeconfig) {
            if (isContent(kubeconfig)) kc.loadFromString(kubeconfig);
            else kc.loadFromFile(kubeconfig.replace(/^~(?=$|\/)/, sources.home));
        } else {
            const inCluster = Boolean(sources.env.KUBERNETES_SERVICE_HOST) && sources.exists(SERVICE_ACCOUNT_TOKEN);
            if (!sources.env.KUBECONFIG && !sources.exists(path.join(sources.home, ".kube", "config")) && !inCluster) {
                throw new TunnelError(messages.noCredentials());
            }
            kc.loadFromDefault();
        }
    } catch (error) {
        if (error instanceof TunnelError) throw error;
        const from = kubeconfig ? "kubernetes:kubeconfig" : "KUBECONFIG / ~/.kube/config";
        throw new TunnelError(`dbAdminEndpoint tunnel could not read the kubeconfig from ${from}: ${(error as Error).message}. ${messages.noCredentials()}`);
    }
    if (context) {
        if (!kc.getContextObject(context)) {
            throw new TunnelError(`kubernetes:context is ${context}, which the kubeconfig does not define (it has: ${kc.getContexts().map((c) => c.name).join(", ") || "none"}). Fix kubernetes:context or kubernetes:kubeconfig.`);
        }
        kc.setCurrentContext(context);
    }
    if (!kc.getCurrentCluster()) throw new TunnelError(`the kubeconfig selects no cluster (current context: ${kc.getCurrentContext() || "none"}). ${messages.noCredentials()}`);
    return kc;
}

/** The part of the `ws` WebSocket client-node returns that the tunnel uses. */
interface WebSocketLike {
    _socket?: net.Socket;
    on(event: "error", listener: (error: Error) => void): void;
    once(event: "close", listener: (code: number, reason: Buffer) => void): void;
    close(): void;
}

/** The ClusterApi over client-node: a pod read and one PortForward websocket per connection. */
export function kubernetesApi(kc: KubeConfig): ClusterApi {
    const k8s = clientNode();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    // disconnectOnErr: a message on the error stream (e.g. nothing listens in the pod) ends the stream.
    const forwarder = new k8s.PortForward(kc, true);
    return {
        async podReady(target) {
            try {
                const pod = await core.readNamespacedPod({ name: target.pod, namespace: target.namespace });
                return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
            } catch (error) {
                if (httpStatus(error) === 404) return undefined;
                throw error;
            }
        },
        async forward(target: PodTarget, socket: net.Socket): Promise<Forward> {
            const errors = collector();
            const ws = await forwarder.portForward(target.namespace, target.pod, [target.port], socket, errors.stream, socket);
            const websocket = ws as unknown as WebSocketLike;
            // Never let this stream alone keep the program alive (see tunnel.ts, Lifecycle).
            websocket._socket?.unref();
            websocket.on("error", () => undefined); // the close event follows with the reason
            const closed = new Promise<Error | undefined>((resolve) => {
                websocket.once("close", (code: number, reason: Buffer) => {
                    const text = errors.text() || (code === 1000 || code === 1005 ? "" : `websocket closed with ${code} ${reason.toString()}`.trim());
                    resolve(text ? new Error(text) : undefined);
                });
            });
            return { closed, close: () => websocket.close() };
        },
    };
}
