// The program's database tunnel (components/database/tunnel.ts), opened outside Pulumi against the
// sandbox, so the real API server's authorization and port-forward path carry it.
import * as net from "net";
import { Tunnel } from "../../../components/database/tunnel";
import { kubernetesApi, loadKubeConfig } from "../../../components/database/tunnel-kubernetes";

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export async function openTunnel(kubeconfig: string, errors: string[]): Promise<Tunnel> {
    return Tunnel.open({
        target: { namespace: "supabase", pod: "postgres-0", port: 5432 },
        port: await freePort(),
        api: () => kubernetesApi(loadKubeConfig({ kubeconfig })),
        log: { info: () => undefined, error: (message) => errors.push(message) },
        readyTimeoutMs: 30_000,
        attempts: 2,
        backoffMs: 200,
    });
}
