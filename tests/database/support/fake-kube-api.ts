// A stand-in for the two Kubernetes API calls the tunnel makes: GET of a pod, and the pod's
// portforward websocket (channel protocol v4: per port a data and an error channel, each opened
// with the port number as two little-endian bytes). The forward connects to a real local TCP
// target, e.g. a test PostgreSQL. `ws` is the websocket library client-node itself depends on.
import * as http from "http";
import * as net from "net";
import type { AddressInfo } from "net";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WebSocketServer } = require("ws") as { WebSocketServer: new (options: object) => any };

export interface FakeKubeApi {
    /** kubeconfig YAML pointing at this server. */
    kubeconfig: string;
    /** Pod Ready condition; undefined: the pod does not exist (404). */
    podReady: boolean | undefined;
    /** 403 on the pod read / on the portforward upgrade. */
    forbidGet: boolean;
    forbidPortForward: boolean;
    /** Forwards opened so far. */
    forwards: number;
    /** Ends every open forward from the server side (a dropped tunnel). */
    dropAll(): void;
    close(): Promise<void>;
}

export async function startFakeKubeApi(namespace: string, pod: string, targetPort: number): Promise<FakeKubeApi> {
    const podPath = `/api/v1/namespaces/${namespace}/pods/${pod}`;
    const sockets = new Set<any>();
    const wss = new WebSocketServer({ noServer: true, handleProtocols: () => "v4.channel.k8s.io" });
    const server = http.createServer((req, res) => {
        const path = (req.url ?? "").split("?")[0];
        if (api.forbidGet) return json(res, 403, status(403, `pods "${pod}" is forbidden: User "ci" cannot get resource "pods" in API group "" in the namespace "${namespace}"`));
        if (req.method !== "GET" || path !== podPath || api.podReady === undefined) return json(res, 404, status(404, `pods "${pod}" not found`));
        json(res, 200, {
            apiVersion: "v1", kind: "Pod", metadata: { name: pod, namespace },
            status: { phase: "Running", conditions: [{ type: "Ready", status: api.podReady ? "True" : "False" }] },
        });
    });
    server.on("upgrade", (req, socket, head) => {
        if (api.forbidPortForward || !(req.url ?? "").startsWith(`${podPath}/portforward?`)) {
            socket.end(`HTTP/1.1 ${api.forbidPortForward ? "403 Forbidden" : "404 Not Found"}\r\nContent-Length: 0\r\n\r\n`);
            return;
        }
        wss.handleUpgrade(req, socket, head, (ws: any) => {
            api.forwards++;
            sockets.add(ws);
            const port = Buffer.from([targetPort & 0xff, targetPort >> 8]);
            ws.send(Buffer.concat([Buffer.from([0]), port]));
            ws.send(Buffer.concat([Buffer.from([1]), port]));
            const target = net.connect(targetPort, "127.0.0.1");
            target.on("data", (data) => ws.send(Buffer.concat([Buffer.from([0]), data])));
            target.on("close", () => ws.close());
            target.on("error", () => undefined);
            ws.on("message", (data: Buffer) => { if (data[0] === 0) target.write(data.subarray(1)); });
            ws.on("close", () => { sockets.delete(ws); target.destroy(); });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const api: FakeKubeApi = {
        kubeconfig: [
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{ name: fake, cluster: { server: \"http://127.0.0.1:" + port + "\", insecure-skip-tls-verify: true } }]",
            "users: [{ name: ci, user: { token: fake-token } }]",
            "contexts: [{ name: fake, context: { cluster: fake, user: ci, namespace: " + namespace + " } }]",
            "current-context: fake",
            "",
        ].join("\n"),
        podReady: true,
        forbidGet: false,
        forbidPortForward: false,
        forwards: 0,
        dropAll: () => { for (const ws of sockets) ws.terminate(); },
        close: () => new Promise((resolve) => { api.dropAll(); server.closeAllConnections(); server.close(() => resolve()); }),
    };
    return api;
}

function status(code: number, message: string) {
    return { kind: "Status", apiVersion: "v1", status: "Failure", message, reason: code === 403 ? "Forbidden" : "NotFound", code };
}

function json(res: http.ServerResponse, code: number, body: unknown) {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
}
