// dbAdminEndpoint `tunnel` (the default): the program itself carries the database layer's
// connections to the PostgreSQL pod through the Kubernetes API, the way `kubectl port-forward`
// does, so an operator's `pulumi up` converges in one run and nothing exposes the database.
//
// A loopback listener is opened while the program is built; each accepted TCP connection gets its
// own port-forward stream to postgres-0 (client-node's PortForward, tunnel-kubernetes.ts). The
// pod is looked up only when the first connection arrives, so a preview of a fresh stack (no pod
// yet, nothing connects) never contacts it. The providers connecting here are other processes on
// this machine (the postgresql plugin, the dynamic-provider host), hence loopback.
//
// Lifecycle: the Pulumi program process stays alive while the engine still awaits its resource
// registrations, and (Node SDK ≥ 3.1xx) while it waits for the engine's shutdown signal after the
// deletes, so the tunnel is open exactly as long as the deployment can need it. Every handle it
// owns (listener, accepted sockets, websockets, timers) is unref'd: an idle pooled connection of
// the postgresql plugin must never keep the event loop from emptying, or the SDK would never send
// that shutdown signal and the deployment would hang. The process exit closes the tunnel.
import * as net from "net";
import { Writable } from "stream";

/** The listener's address; an IPv4 literal, so no resolver picks ::1 instead. */
export const TUNNEL_HOST = "127.0.0.1";
/** How long a connection waits for the database pod to become Ready. */
export const POD_READY_TIMEOUT_MS = 5 * 60_000;
export const POD_POLL_MS = 2_000;
/** Attempts to establish one connection's forward, with exponential backoff from FORWARD_BACKOFF_MS. */
export const FORWARD_ATTEMPTS = 3;
export const FORWARD_BACKOFF_MS = 1_000;


/** The pod a tunnel forwards to. */
export interface PodTarget {
    namespace: string;
    pod: string;
    port: number;
}

/** One established port-forward stream carrying one client connection. */
export interface Forward {
    /** Resolves when the stream ends, with the reason when the API server or kubelet gave one. */
    closed: Promise<Error | undefined>;
    close(): void;
}

/** What the tunnel needs from the Kubernetes API; tunnel-kubernetes.ts has the real one. */
export interface ClusterApi {
    /** Whether the pod is Ready; undefined when it does not exist. */
    podReady(target: PodTarget): Promise<boolean | undefined>;
    /** Opens a forward whose pod-side bytes are written to `socket` and which reads `socket`. */
    forward(target: PodTarget, socket: net.Socket): Promise<Forward>;
}

export interface TunnelLog {
    info(message: string): void;
    error(message: string): void;
}

export interface TunnelOptions {
    target: PodTarget;
    port: number;
    /** Called once, at the first connection: loads the credentials (may throw TunnelError). */
    api: () => ClusterApi;
    log: TunnelLog;
    readyTimeoutMs?: number;
    pollMs?: number;
    attempts?: number;
    backoffMs?: number;
}

/** An error whose message already says what to do. */
export class TunnelError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TunnelError";
    }
}

/** The HTTP status in a client-node ApiException, a fetch error or a refused websocket upgrade. */
export function httpStatus(error: unknown): number | undefined {
    const e = error as { code?: unknown; statusCode?: unknown; message?: unknown } | undefined;
    if (typeof e?.code === "number") return e.code;
    if (typeof e?.statusCode === "number") return e.statusCode;
    const match = /Unexpected server response: (\d{3})|HTTP-Code: (\d{3})/.exec(String(e?.message ?? error));
    return match ? Number(match[1] ?? match[2]) : undefined;
}

const describe = (error: unknown) => String((error as { message?: unknown })?.message ?? error);
const look = (t: PodTarget) => `kubectl -n ${t.namespace} get pod ${t.pod}; kubectl -n ${t.namespace} describe pod ${t.pod}`;

/** The texts the operator reads; each names the fix. */
export const messages = {
    noCredentials: () =>
        "dbAdminEndpoint tunnel found no Kubernetes credentials: set the same ones the Kubernetes provider uses — " +
        "`pulumi config set kubernetes:kubeconfig <path or content>` (and optionally `kubernetes:context`), or the " +
        "KUBECONFIG environment variable, or ~/.kube/config. Or choose another dbAdminEndpoint (cluster, loadbalancer, port-forward).",
    forbidden: (t: PodTarget, verb: string, resource: string, cause: unknown) =>
        `the Kubernetes API refused (403 Forbidden) to ${verb} ${resource} for pod ${t.pod} in namespace ${t.namespace}: ` +
        `dbAdminEndpoint tunnel needs the verb "${verb}" on the resource "${resource}" in namespace ${t.namespace} ` +
        `(check: kubectl auth can-i ${verb} ${resource} -n ${t.namespace}). Grant the Role in docs/database.md "Reaching the database" ` +
        `(get/list/watch on pods, create on pods/portforward). (${describe(cause)})`,
    notReady: (t: PodTarget, timeoutMs: number, last?: unknown) =>
        `the database pod ${t.pod} in namespace ${t.namespace} was not Ready within ${Math.round(timeoutMs / 1000)}s, ` +
        `so the tunnel could not reach PostgreSQL` + (last ? ` (last: ${describe(last)})` : "") +
        `. Look at it with: ${look(t)}; then re-run \`pulumi up\`.`,
    gaveUp: (t: PodTarget, attempts: number, last: unknown) =>
        `the tunnel to pod ${t.pod} in namespace ${t.namespace} could not be (re-)established after ${attempts} attempts ` +
        `(last error: ${describe(last)}). The database-layer resources being created or updated now fail; those applied ` +
        `before are recorded in the state, and tables, policies and buckets apply each change in one transaction, so none ` +
        `is half-written. Re-run \`pulumi up\` once the pod and the API server are reachable (${look(t)}).`,
    dropped: (t: PodTarget, cause: unknown) =>
        `the tunnel to pod ${t.pod} in namespace ${t.namespace} dropped during a connection` + (cause ? ` (${describe(cause)})` : "") +
        `. The database-layer resource using it failed and may be partly applied (tables, policies and buckets roll back ` +
        `their transaction); re-run \`pulumi up\` to finish (${look(t)}).`,
    portTaken: (port: number, cause: unknown) =>
        `dbAdminEndpoint tunnel cannot listen on ${TUNNEL_HOST}:${port} (${describe(cause)}): another process (another ` +
        `stack's \`pulumi up\`?) holds it. Set another stable port with \`pulumi config set dbAdminTunnelPort <1024-65535>\`.`,
};

/**
 * A PostgreSQL ErrorResponse (FATAL, SQLSTATE 08006 connection_failure). Sent to a client whose
 * forward could not be established, so the provider reports our text as its connection error.
 */
export function postgresError(message: string): Buffer {
    const field = (code: string, value: string) => Buffer.concat([Buffer.from(code), Buffer.from(value, "utf8"), Buffer.from([0])]);
    const body = Buffer.concat([field("S", "FATAL"), field("V", "FATAL"), field("C", "08006"), field("M", message), Buffer.from([0])]);
    const header = Buffer.alloc(5);
    header.write("E", 0);
    header.writeInt32BE(body.length + 4, 1);
    return Buffer.concat([header, body]);
}

/** SSLRequest or GSSENCRequest: 8 bytes, a code the client expects a one-byte answer to. */
function isEncryptionRequest(chunk: Buffer): boolean {
    return chunk.length === 8 && chunk.readInt32BE(0) === 8 && [80877103, 80877104].includes(chunk.readInt32BE(4));
}

/** Answers the client's startup with the error, then closes. */
function refuse(socket: net.Socket, message: string): void {
    const reply = (chunk: Buffer) => {
        if (isEncryptionRequest(chunk)) {
            socket.write("N");
            socket.once("data", reply);
            return;
        }
        socket.end(postgresError(message));
    };
    socket.once("data", reply);
    socket.resume();
    setTimeout(() => socket.destroy(), 10_000).unref();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The loopback listener and, per connection, one forward to the pod. */
export class Tunnel {
    readonly port: number;
    private readonly server: net.Server;
    private readonly options: Required<TunnelOptions>;
    private api?: ClusterApi;
    private readyWait?: Promise<void>;
    private readonly logged = new Set<string>();
    private readonly sockets = new Set<net.Socket>();

    private constructor(server: net.Server, options: Required<TunnelOptions>) {
        this.server = server;
        this.options = options;
        this.port = options.port;
    }

    /** Listens on TUNNEL_HOST:port; a port in use fails with the key to change. */
    static open(options: TunnelOptions): Promise<Tunnel> {
        const full: Required<TunnelOptions> = {
            readyTimeoutMs: POD_READY_TIMEOUT_MS, pollMs: POD_POLL_MS, attempts: FORWARD_ATTEMPTS, backoffMs: FORWARD_BACKOFF_MS, ...options,
        };
        const server = net.createServer({ pauseOnConnect: true });
        const tunnel = new Tunnel(server, full);
        server.on("connection", (socket) => void tunnel.accept(socket));
        return new Promise((resolve, reject) => {
            server.once("error", (error) => reject(new TunnelError(messages.portTaken(full.port, error))));
            server.listen(full.port, TUNNEL_HOST, () => {
                server.unref();
                server.on("error", (error) => tunnel.report(describe(error)));
                resolve(tunnel);
            });
        });
    }

    /** Stops listening and ends the connections still open (the process exit does the same). */
    close(): Promise<void> {
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        for (const socket of this.sockets) socket.destroy();
        return closed;
    }

    /** Logs each distinct problem once: a burst of connections failing alike is one message. */
    private report(message: string): void {
        if (this.logged.has(message)) return;
        this.logged.add(message);
        this.options.log.error(message);
    }

    private async accept(socket: net.Socket): Promise<void> {
        this.sockets.add(socket);
        socket.once("close", () => this.sockets.delete(socket));
        socket.unref();
        socket.setNoDelay(true);
        socket.on("error", () => undefined); // a reset client; its close event follows
        let clientClosed = false;
        socket.once("close", () => (clientClosed = true));
        socket.once("end", () => (clientClosed = true));
        let forward: Forward;
        try {
            forward = await this.establish(socket, () => clientClosed);
        } catch (error) {
            const message = error instanceof TunnelError ? error.message : messages.gaveUp(this.options.target, 1, error);
            this.report(message);
            if (!clientClosed) refuse(socket, message);
            return;
        }
        socket.once("close", () => forward.close());
        void forward.closed.then((cause) => {
            // The client ending first is the normal end; the stream ending first is a drop.
            if (!clientClosed) this.report(messages.dropped(this.options.target, cause));
            socket.destroy();
        });
        if (clientClosed) forward.close();
        else socket.resume();
    }

    /** Waits for the pod, then opens the forward, retrying transient failures with backoff. */
    private async establish(socket: net.Socket, clientGone: () => boolean): Promise<Forward> {
        const { target, attempts, backoffMs } = this.options;
        this.api ??= this.options.api();
        let last: unknown;
        for (let attempt = 1; attempt <= attempts; attempt++) {
            await this.waitReady(this.api);
            if (clientGone()) throw new TunnelError("the client left before the tunnel was established");
            try {
                return await this.api.forward(target, socket);
            } catch (error) {
                if (httpStatus(error) === 403) throw new TunnelError(messages.forbidden(target, "create", "pods/portforward", error));
                last = error;
            }
            if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
        }
        throw new TunnelError(messages.gaveUp(target, attempts, last));
    }

    /** One poll for all connections arriving together; each establishment checks again. */
    private waitReady(api: ClusterApi): Promise<void> {
        this.readyWait ??= this.pollReady(api).finally(() => (this.readyWait = undefined));
        return this.readyWait;
    }

    private async pollReady(api: ClusterApi): Promise<void> {
        const { target, readyTimeoutMs, pollMs, log } = this.options;
        const deadline = Date.now() + readyTimeoutMs;
        let told = false;
        let last: unknown;
        for (;;) {
            try {
                const ready = await api.podReady(target);
                if (ready) return;
                last = ready === undefined ? `pod ${target.pod} does not exist` : `pod ${target.pod} is not Ready`;
            } catch (error) {
                if (httpStatus(error) === 403) throw new TunnelError(messages.forbidden(target, "get", "pods", error));
                if (httpStatus(error) === 401) throw new TunnelError(`the Kubernetes API rejected the credentials (401 Unauthorized): ${messages.noCredentials()}`);
                last = error;
            }
            if (Date.now() >= deadline) throw new TunnelError(messages.notReady(target, readyTimeoutMs, last));
            if (!told) {
                told = true;
                log.info(`database tunnel: waiting up to ${Math.round(readyTimeoutMs / 1000)}s for pod ${target.pod} in namespace ${target.namespace} to be Ready (${describe(last)})`);
            }
            await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
        }
    }
}

/** A Writable collecting what the API server writes on a forward's error stream. */
export function collector(): { stream: Writable; text: () => string } {
    const chunks: Buffer[] = [];
    const stream = new Writable({ write(chunk: Buffer, _encoding, done) { chunks.push(Buffer.from(chunk)); done(); } });
    return { stream, text: () => Buffer.concat(chunks).toString("utf8").trim() };
}
