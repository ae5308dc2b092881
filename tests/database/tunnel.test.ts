// dbAdminEndpoint tunnel (components/database/tunnel.ts, tunnel-kubernetes.ts): the stable port,
// the listener's lifecycle and each error the operator can meet, against local stand-ins — a fake
// Kubernetes API (tests/database/support/fake-kube-api.ts) forwarding to a real PostgreSQL, and
// injected ClusterApis for the failure timings.
import * as net from "net";
import { Client } from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ClusterApi, Forward, messages, PodTarget, Tunnel, TunnelError, TunnelLog } from "../../components/database/tunnel";
import { kubernetesApi, loadKubeConfig } from "../../components/database/tunnel-kubernetes";
import { startPostgres, TestPostgres } from "../support/postgres";
import { runStack } from "../support/program";
import { FakeKubeApi, startFakeKubeApi } from "./support/fake-kube-api";
import { DERIVED_PORT_COUNT, DERIVED_PORT_MIN, tunnelPort } from "../../config/tunnel-port";

const TARGET: PodTarget = { namespace: "supabase", pod: "postgres-0", port: 5432 };

async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
}

function recordingLog(): TunnelLog & { errors: string[]; infos: string[] } {
    const errors: string[] = [];
    const infos: string[] = [];
    return { errors, infos, info: (m) => infos.push(m), error: (m) => errors.push(m) };
}

/**
 * What a provider sees: a pg login through the tunnel, its error message if it fails. No client-side
 * connect timeout: on a loaded machine the first forward (credentials, the API server, the upgrade)
 * can take longer than any fixed bound, and every failure tested here is the tunnel's own error.
 */
async function login(port: number, pg?: TestPostgres): Promise<string> {
    const client = new Client({ host: "127.0.0.1", port, user: "postgres", password: "test-superuser-password", database: "postgres" });
    try {
        await client.connect();
        const { rows } = await client.query("select 40 + 2 as answer");
        return String(rows[0].answer);
    } catch (error) {
        return `error: ${(error as Error).message}`;
    } finally {
        await client.end().catch(() => undefined);
        void pg;
    }
}

/** A ClusterApi forwarding each connection to a local TCP port, with hooks for failures. */
function localApi(port: number, overrides: Partial<ClusterApi> = {}): ClusterApi & { forwards: number } {
    const api = {
        forwards: 0,
        podReady: async () => true as boolean | undefined,
        async forward(_t: PodTarget, socket: net.Socket): Promise<Forward> {
            api.forwards++;
            const upstream = net.connect(port, "127.0.0.1");
            await new Promise<void>((resolve, reject) => upstream.once("connect", resolve).once("error", reject));
            socket.pipe(upstream);
            upstream.pipe(socket, { end: false });
            const closed = new Promise<Error | undefined>((resolve) => upstream.once("close", () => resolve(undefined)));
            return { closed, close: () => upstream.destroy() };
        },
        ...overrides,
    };
    return api;
}

describe("the tunnel's port", () => {
    it("is derived from project and stack, stable, in 20000-29999, and differs between the seed's stacks", () => {
        const dev = tunnelPort(0, "supabase-platform", "dev");
        expect(tunnelPort(0, "supabase-platform", "dev")).toBe(dev);
        expect(dev).toBeGreaterThanOrEqual(DERIVED_PORT_MIN);
        expect(dev).toBeLessThan(DERIVED_PORT_MIN + DERIVED_PORT_COUNT);
        expect(tunnelPort(0, "supabase-platform", "prod")).not.toBe(dev);
    });

    it("is the configured one when dbAdminTunnelPort is set", () => {
        expect(tunnelPort(24555, "supabase-platform", "dev")).toBe(24555);
    });

    it("fails with the key to change when the port is taken", async () => {
        const port = await freePort();
        const holder = net.createServer();
        await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
        try {
            const error = await Tunnel.open({ target: TARGET, port, api: () => localApi(1), log: recordingLog() }).catch((e) => e);
            expect(error).toBeInstanceOf(TunnelError);
            expect(error.message).toContain(`127.0.0.1:${port}`);
            expect(error.message).toContain("pulumi config set dbAdminTunnelPort");
        } finally {
            holder.close();
        }
    });
});

describe("through a Kubernetes API to a real PostgreSQL", () => {
    let pg: TestPostgres;
    let kube: FakeKubeApi;
    let tunnel: Tunnel;
    let log: ReturnType<typeof recordingLog>;
    let credentialsLoaded = 0;
    beforeAll(async () => {
        pg = await startPostgres();
        kube = await startFakeKubeApi(TARGET.namespace, TARGET.pod, pg.port);
    });
    afterAll(async () => {
        await kube?.close();
        await pg?.stop();
    });
    afterEach(async () => {
        await tunnel?.close();
        kube.podReady = true;
        kube.forbidGet = kube.forbidPortForward = false;
    });
    const open = async (options: { readyTimeoutMs?: number } = {}) => {
        log = recordingLog();
        credentialsLoaded = 0;
        tunnel = await Tunnel.open({
            target: TARGET, port: await freePort(), log, pollMs: 50, backoffMs: 20, ...options,
            api: () => { credentialsLoaded++; return kubernetesApi(loadKubeConfig({ kubeconfig: kube.kubeconfig })); },
        });
    };

    it("forwards each connection, and contacts the cluster only when the first one arrives", async () => {
        await open();
        const before = kube.forwards;
        expect(credentialsLoaded).toBe(0);
        expect(await login(tunnel.port)).toBe("42");
        expect(await Promise.all([login(tunnel.port), login(tunnel.port)])).toEqual(["42", "42"]);
        expect(kube.forwards - before).toBe(3);
        expect(credentialsLoaded).toBe(1);
        expect(log.errors).toEqual([]);
    });

    it("a 403 on the portforward upgrade: the provider's error names create on pods/portforward and the namespace", async () => {
        kube.forbidPortForward = true;
        await open();
        const error = await login(tunnel.port);
        for (const text of [error, log.errors.join("\n")]) {
            expect(text).toContain('verb "create" on the resource "pods/portforward" in namespace supabase');
            expect(text).toContain("kubectl auth can-i create pods/portforward -n supabase");
        }
    });

    it("a 403 on reading the pod names get on pods", async () => {
        kube.forbidGet = true;
        await open();
        expect(await login(tunnel.port)).toContain('verb "get" on the resource "pods" in namespace supabase');
    });

    it("a pod that is not Ready within the bound: the message says which pod and how to look at it", async () => {
        kube.podReady = false;
        await open({ readyTimeoutMs: 300 });
        const error = await login(tunnel.port);
        expect(error).toContain("the database pod postgres-0 in namespace supabase was not Ready within 0s");
        expect(error).toContain("kubectl -n supabase describe pod postgres-0");
        expect(log.infos.join("\n")).toContain("waiting up to 0s for pod postgres-0");
        expect(log.errors).toHaveLength(1);
    });

    it("waits for a pod that becomes Ready within the bound", async () => {
        kube.podReady = undefined; // not created yet
        // A bound no machine reaches; the pod turns Ready once the tunnel is seen waiting for it,
        // whatever the time that took.
        await open({ readyTimeoutMs: 600_000 });
        const becomesReady = (async () => {
            while (!log.infos.some((m) => m.includes("waiting up to"))) await new Promise((r) => setTimeout(r, 20));
            kube.podReady = true;
        })();
        expect(await login(tunnel.port)).toBe("42");
        await becomesReady;
    });

    it("a forward dropped mid-connection closes the client and logs what to do", async () => {
        await open();
        const client = new Client({ host: "127.0.0.1", port: tunnel.port, user: "postgres", password: "test-superuser-password", database: "postgres" });
        client.on("error", () => undefined);
        await client.connect();
        const query = client.query("select pg_sleep(5)").then(() => "done", (e: Error) => e.message);
        await new Promise((r) => setTimeout(r, 200));
        kube.dropAll();
        expect(await query).toMatch(/Connection terminated|terminated unexpectedly|ECONNRESET/);
        expect(log.errors.join("\n")).toContain("the tunnel to pod postgres-0 in namespace supabase dropped during a connection");
        expect(log.errors.join("\n")).toContain("re-run `pulumi up`");
        await client.end().catch(() => undefined);
        expect(await login(tunnel.port)).toBe("42"); // the next connection gets a new forward
    });
});

describe("establishing a forward, with a local echo target", () => {
    let echo: net.Server;
    let echoPort: number;
    beforeAll(async () => {
        echo = net.createServer((s) => s.pipe(s));
        await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
        echoPort = (echo.address() as net.AddressInfo).port;
    });
    afterAll(() => echo.close());

    const roundTrip = (port: number) => new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write("ping"));
        let got = "";
        socket.on("data", (d) => {
            got += d;
            if (got === "ping") { socket.end(); resolve(got); }
            else if (got.length > 5) { socket.end(); resolve(got); } // an ErrorResponse
        });
        socket.on("close", () => resolve(got));
        socket.on("error", () => resolve(got));
    });

    it("retries a failing establishment with backoff and succeeds within the bound", async () => {
        let failures = 2;
        const api = localApi(echoPort);
        const forward = api.forward;
        api.forward = async (t, s) => { if (failures-- > 0) throw new Error("connection reset by API server"); return forward(t, s); };
        const tunnel = await Tunnel.open({ target: TARGET, port: await freePort(), api: () => api, log: recordingLog(), backoffMs: 10 });
        expect(await roundTrip(tunnel.port)).toBe("ping");
        await tunnel.close();
    });

    it("gives up after the bound and says what may be partly applied and to re-run pulumi up", async () => {
        const log = recordingLog();
        let attempts = 0;
        const api = localApi(echoPort, { forward: async () => { attempts++; throw new Error("connection reset by API server"); } });
        const tunnel = await Tunnel.open({ target: TARGET, port: await freePort(), api: () => api, log, backoffMs: 10 });
        const reply = await roundTrip(tunnel.port);
        expect(attempts).toBe(3);
        expect(reply).toContain("could not be (re-)established after 3 attempts (last error: connection reset by API server)");
        expect(log.errors[0]).toContain("tables, policies and buckets apply each change in one transaction");
        expect(log.errors[0]).toContain("Re-run `pulumi up`");
        await tunnel.close();
    });

    it("without credentials: the connection error and the log name kubernetes:kubeconfig and KUBECONFIG", async () => {
        const log = recordingLog();
        const noCredentials = () => loadKubeConfig({}, { env: {}, home: "/nonexistent", exists: () => false });
        expect(noCredentials).toThrow(TunnelError);
        const tunnel = await Tunnel.open({ target: TARGET, port: await freePort(), api: () => kubernetesApi(noCredentials()), log });
        expect(await login(tunnel.port)).toContain("error: dbAdminEndpoint tunnel found no Kubernetes credentials");
        expect(log.errors).toEqual([messages.noCredentials()]);
        expect(log.errors[0]).toContain("pulumi config set kubernetes:kubeconfig");
        expect(log.errors[0]).toContain("KUBECONFIG");
        await tunnel.close();
    });

    it("refuses a kubernetes:context the kubeconfig does not define", async () => {
        const kube = await startFakeKubeApi("supabase", "postgres-0", echoPort);
        expect(() => loadKubeConfig({ kubeconfig: kube.kubeconfig, context: "prod" })).toThrow(/kubernetes:context is prod, which the kubeconfig does not define \(it has: fake\)/);
        expect(loadKubeConfig({ kubeconfig: kube.kubeconfig, context: "fake" }).getCurrentContext()).toBe("fake");
        await kube.close();
    });

    it("does not keep the process alive: listener and accepted sockets are unref'd", async () => {
        const tunnel = await Tunnel.open({ target: TARGET, port: await freePort(), api: () => localApi(echoPort), log: recordingLog() });
        const server = (tunnel as unknown as { server: net.Server }).server;
        const unref = vi.spyOn(net.Socket.prototype, "unref");
        expect(await roundTrip(tunnel.port)).toBe("ping");
        expect(unref).toHaveBeenCalled();
        unref.mockRestore();
        expect((server as unknown as { _handle: { hasRef(): boolean } })._handle.hasRef()).toBe(false);
        await tunnel.close();
    });
});

describe("under the mock engine", () => {
    afterEach(() => vi.unstubAllEnvs());

    it("opens no listener and contacts no cluster, even where the CLI's monitor variable is set", async () => {
        // The MockMonitor decides, not the environment alone: a test run from inside `pulumi up` stays offline.
        vi.stubEnv("PULUMI_NODEJS_MONITOR", "127.0.0.1:1");
        const run = await runStack("dev", { fresh: true });
        const port = tunnelPort(0, "supabase-platform", "dev");
        expect(run.resources.find((r) => r.type === "pulumi:providers:postgresql")!.inputs).toMatchObject({ host: "127.0.0.1", port: String(port) });
        const { underRealEngine } = await import("../../components/database/admin");
        expect(underRealEngine()).toBe(false);
        const refused = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => { socket.destroy(); resolve(false); });
            socket.on("error", () => resolve(true));
        });
        expect(refused).toBe(true);
    });
});
