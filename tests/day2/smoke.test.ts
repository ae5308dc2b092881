// The smoke test's logic against a local stand-in for the gateway on 127.0.0.1: Kong's key check,
// GoTrue's sign-up and password grant, PostgREST with RLS on money_tracker.transactions, the /pg
// route, the dashboard's basic-auth, and Realtime's websocket (the Phoenix channel protocol, just
// enough: phx_join → phx_reply ok, a broadcast echoed to a `self: true` channel). Each failure
// mode is switched on by a fault flag.
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { parseSmokeArgs, readOutputs } from "../../scripts/smoke";
import { ArchiverStatusRow } from "../../components/services/postgres/pitr/status";
import { archiverVerdict, CheckResult, failed, formatReport, runSmokeChecks, SmokeOutputs } from "../../scripts/smoke-checks";

type Fault = "wrongKey" | "gotrue502" | "gotrue504" | "pgOpen" | "studioOpen" | "rlsLeak" | "restOpen" | "signupDisabled" | "unconfirmed"
    | "realtimeNoRoute" | "realtime502" | "realtimeTenant" | "realtimeNoEcho";

const ANON_KEY = "anon-key-of-the-fake-gateway";
const servers: http.Server[] = [];
const sockets: net.Socket[] = [];
const { WebSocketServer } = require("ws") as { WebSocketServer: new (options: { noServer: true }) => any };

interface PhoenixMessage { topic: string; event: string; payload: any; ref: string | null; join_ref?: string | null }

/**
 * Kong's /realtime/v1 route in front of Realtime, as the Phoenix v1 JSON protocol: the upgrade
 * needs the anon key as `apikey` and vsn 1.0.0; a public channel joins; a broadcast on a channel
 * joined with `broadcast.self` comes back to the sender. `seen` records the broadcasts.
 */
function realtimeStandIn(has: (f: Fault) => boolean, seen: PhoenixMessage[]) {
    const wss = new WebSocketServer({ noServer: true });
    return (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        sockets.push(socket);
        const url = new URL(req.url ?? "/", "http://gateway");
        const refuse = (status: number) => {
            socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        };
        if (url.pathname !== "/realtime/v1/websocket" || has("realtimeNoRoute")) return refuse(404);
        if (url.searchParams.get("apikey") !== ANON_KEY || has("wrongKey")) return refuse(401);
        if (has("realtime502")) return refuse(502);
        if (url.searchParams.get("vsn") !== "1.0.0") return refuse(400);
        wss.handleUpgrade(req, socket, head, (ws: any) => {
            const selfEcho = new Map<string, boolean>();
            ws.on("message", (data: Buffer) => {
                const msg = JSON.parse(String(data)) as PhoenixMessage;
                const send = (m: PhoenixMessage) => ws.send(JSON.stringify(m));
                const reply = (payload: unknown) => send({ topic: msg.topic, event: "phx_reply", payload, ref: msg.ref, join_ref: msg.join_ref });
                if (msg.topic === "phoenix" && msg.event === "heartbeat") return reply({ status: "ok", response: {} });
                if (msg.event === "phx_join") {
                    if (has("realtimeTenant")) return reply({ status: "error", response: { reason: "TenantNotFound: Tenant not found: 127" } });
                    if (!msg.topic.startsWith("realtime:") || msg.payload?.config?.private) return reply({ status: "error", response: { reason: "Unauthorized" } });
                    selfEcho.set(msg.topic, msg.payload?.config?.broadcast?.self === true);
                    return reply({ status: "ok", response: { postgres_changes: [] } });
                }
                if (msg.event === "phx_leave") {
                    selfEcho.delete(msg.topic);
                    return reply({ status: "ok", response: {} });
                }
                if (msg.event === "broadcast" && selfEcho.has(msg.topic)) {
                    seen.push(msg);
                    if (selfEcho.get(msg.topic) && !has("realtimeNoEcho")) send({ topic: msg.topic, event: "broadcast", payload: msg.payload, ref: null, join_ref: msg.join_ref });
                }
            });
        });
    };
}

function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
}

/** A gateway that behaves like Kong in front of GoTrue and PostgREST, unless told otherwise. */
async function fakeGateway(faults: Fault[] = []): Promise<{ outputs: SmokeOutputs; rows: { user_id: string; description: string }[]; broadcasts: PhoenixMessage[] }> {
    const has = (f: Fault) => faults.includes(f);
    const users = new Map<string, { id: string; password: string }>();
    const tokens = new Map<string, string>();
    const otherUser = crypto.randomUUID();
    const rows: { id: string; user_id: string; amount: number; description: string }[] = [
        { id: crypto.randomUUID(), user_id: otherUser, amount: -40, description: "someone else's groceries" },
    ];

    const apiUrl = await listen((req, res) => {
        const url = new URL(req.url ?? "/", "http://gateway");
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const send = (status: number, body?: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(body === undefined ? "" : JSON.stringify(body));
            };
            const key = req.headers.apikey;
            const keyOk = key === ANON_KEY && !has("wrongKey");
            if (url.pathname.startsWith("/auth/v1/")) {
                if (!keyOk) return send(401, { message: "Invalid authentication credentials" });
                if (has("gotrue502")) return send(502, { message: "An invalid response was received from the upstream server" });
                if (has("gotrue504")) return send(504, { message: "The upstream server is timing out" });
                const body = raw ? JSON.parse(raw) : {};
                if (url.pathname === "/auth/v1/health") return send(200, { name: "GoTrue" });
                if (url.pathname === "/auth/v1/settings") return send(200, { disable_signup: has("signupDisabled") });
                if (url.pathname === "/auth/v1/signup") {
                    const id = crypto.randomUUID();
                    users.set(body.email, { id, password: body.password });
                    return send(200, { id, email: body.email });
                }
                if (url.pathname === "/auth/v1/token" && url.searchParams.get("grant_type") === "password") {
                    if (has("unconfirmed")) return send(400, { error: "invalid_grant", error_description: "Email not confirmed" });
                    const user = users.get(body.email);
                    if (!user || user.password !== body.password) return send(400, { error: "invalid_grant" });
                    const token = crypto.randomBytes(16).toString("hex");
                    tokens.set(token, user.id);
                    return send(200, { access_token: token, token_type: "bearer", user: { id: user.id } });
                }
                return send(404);
            }
            if (url.pathname.startsWith("/rest/v1/")) {
                if (!keyOk && !(has("restOpen") && key === undefined)) return send(401, { message: "No API key found in request" });
                if (url.pathname === "/rest/v1/") return send(200, { swagger: "2.0" });
                if (url.pathname !== "/rest/v1/transactions") return send(404);
                const profile = req.headers["accept-profile"] ?? req.headers["content-profile"];
                if (profile !== "money_tracker") return send(406, { message: "schema must be one of the exposed schemas" });
                const userId = tokens.get(String(req.headers.authorization ?? "").replace(/^Bearer /, ""));
                if (!userId) return send(401, { message: "JWT invalid" });
                if (req.method === "POST") {
                    const row = { id: crypto.randomUUID(), user_id: userId, ...JSON.parse(raw) };
                    rows.push(row);
                    return send(201, [row]);
                }
                if (req.method === "DELETE") {
                    const description = (url.searchParams.get("description") ?? "").replace(/^eq\./, "");
                    for (let i = rows.length - 1; i >= 0; i--) if (rows[i].user_id === userId && rows[i].description === description) rows.splice(i, 1);
                    return send(204);
                }
                return send(200, has("rlsLeak") ? rows : rows.filter((r) => r.user_id === userId));
            }
            if (url.pathname.startsWith("/pg/")) {
                if (!keyOk) return send(401);
                return has("pgOpen") ? send(200, []) : send(403, { message: "You cannot consume this service" });
            }
            return send(404);
        });
    });
    const broadcasts: PhoenixMessage[] = [];
    servers[servers.length - 1].on("upgrade", realtimeStandIn(has, broadcasts));
    const studioUrl = await listen((req, res) => {
        const authorized = req.headers.authorization === `Basic ${Buffer.from("admin:pw").toString("base64")}`;
        if (authorized || has("studioOpen")) {
            res.writeHead(200, { "Content-Type": "text/html" });
            res.end("<html>Studio</html>");
            return;
        }
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="kong"' });
        res.end();
    });
    return { outputs: { apiUrl, studioUrl, anonKey: ANON_KEY, namespace: "supabase", realtime: true }, rows, broadcasts };
}

async function closedPortUrl(): Promise<string> {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    return `http://127.0.0.1:${port}`;
}

const byName = (results: CheckResult[], name: string) => {
    const found = results.find((r) => r.name === name);
    if (!found) throw new Error(`no check named ${name}`);
    return found;
};
const failing = (results: CheckResult[]) => results.filter((r) => r.status === "fail").map((r) => r.name);

afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("smoke checks", () => {
    it("passes every check against a healthy gateway and cleans up its rows", async () => {
        const { outputs, rows } = await fakeGateway();
        const results = await runSmokeChecks(outputs);
        expect(results.map((r) => [r.name, r.status])).toEqual([
            ["auth health through Kong", "pass"],
            ["REST with the anon key", "pass"],
            ["REST refuses requests without a key", "pass"],
            ["/pg is closed to the anon key", "pass"],
            ["dashboard asks for credentials", "pass"],
            ["sign-up and sign-in round trip", "pass"],
            ["row-level security round trip", "pass"],
            ["realtime broadcast through Kong", "pass"],
            ["WAL archiver (point-in-time recovery)", "skip"],
        ]);
        expect(failed(results)).toBe(false);
        expect(rows.map((r) => r.description)).toEqual(["someone else's groceries"]);
        expect(formatReport(results)).toContain("All 9 checks passed or were skipped.");
    });

    it("reports a key mismatch when Kong answers 401 to the anon key", async () => {
        const { outputs } = await fakeGateway(["wrongKey"]);
        const results = await runSmokeChecks(outputs);
        const health = byName(results, "auth health through Kong");
        expect(health.status).toBe("fail");
        expect(health.detail).toBe("GET /auth/v1/health with the anon key → 401");
        expect(health.hint).toMatch(/^Key mismatch/);
        expect(failed(results)).toBe(true);
    });

    it.each([["gotrue502", 502], ["gotrue504", 504]] as const)("says Kong can't reach GoTrue on %s", async (fault, status) => {
        const { outputs } = await fakeGateway([fault]);
        const health = byName(await runSmokeChecks(outputs), "auth health through Kong");
        expect(health.status).toBe("fail");
        expect(health.detail).toContain(`→ ${status}`);
        expect(health.hint).toContain("Kong can't reach gotrue");
    });

    it("fails when /pg answers the anon key", async () => {
        const { outputs } = await fakeGateway(["pgOpen"]);
        const results = await runSmokeChecks(outputs);
        expect(failing(results)).toEqual(["/pg is closed to the anon key"]);
        expect(byName(results, "/pg is closed to the anon key").hint).toContain("postgres-meta");
    });

    it("fails when the dashboard answers without credentials", async () => {
        const { outputs } = await fakeGateway(["studioOpen"]);
        const results = await runSmokeChecks(outputs);
        expect(failing(results)).toEqual(["dashboard asks for credentials"]);
        expect(byName(results, "dashboard asks for credentials").hint).toContain("basic-auth");
    });

    it("fails when REST answers without a key", async () => {
        const { outputs } = await fakeGateway(["restOpen"]);
        expect(failing(await runSmokeChecks(outputs))).toEqual(["REST refuses requests without a key"]);
    });

    it("detects an RLS leak: another user's rows are visible", async () => {
        const { outputs } = await fakeGateway(["rlsLeak"]);
        const results = await runSmokeChecks(outputs);
        expect(failing(results)).toEqual(["row-level security round trip"]);
        expect(byName(results, "row-level security round trip").hint).toMatch(/^RLS leak/);
    });

    it("skips the round trips when sign-ups are disabled, without failing", async () => {
        const { outputs } = await fakeGateway(["signupDisabled"]);
        const results = await runSmokeChecks(outputs);
        expect(byName(results, "sign-up and sign-in round trip").status).toBe("skip");
        expect(byName(results, "row-level security round trip").status).toBe("skip");
        expect(failed(results)).toBe(false);
    });

    it("explains an unconfirmed sign-up", async () => {
        const { outputs } = await fakeGateway(["unconfirmed"]);
        const signup = byName(await runSmokeChecks(outputs), "sign-up and sign-in round trip");
        expect(signup.status).toBe("fail");
        expect(signup.hint).toContain("enableEmailAutoconfirm");
    });

    it("gives a connection hint when nothing listens", async () => {
        const url = await closedPortUrl();
        const results = await runSmokeChecks({ apiUrl: url, studioUrl: url, anonKey: ANON_KEY });
        const health = byName(results, "auth health through Kong");
        expect(health.status).toBe("fail");
        expect(health.detail).toContain("ECONNREFUSED");
        expect(health.hint).toContain("MetalLB IP");
        expect(formatReport(results)).toMatch(/\d+ of 9 checks failed\./);
    });

    it("realtime: joins a public channel with the anon key and gets its own broadcast back", async () => {
        const { outputs, broadcasts } = await fakeGateway();
        const realtime = byName(await runSmokeChecks(outputs, { timeoutMs: 3000 }), "realtime broadcast through Kong");
        expect(realtime.status).toBe("pass");
        expect(realtime.detail).toMatch(/^joined realtime:smoke-[0-9a-f]{8} with the anon key, sent a broadcast with self: true \(ok\) and received it$/);
        expect(broadcasts).toHaveLength(1);
        expect(broadcasts[0]).toMatchObject({ event: "broadcast", payload: { type: "broadcast", event: "smoke", payload: { marker: expect.any(String) } } });
    });

    it("realtime: skips with one line when the stack does not deploy Realtime", async () => {
        const { outputs, broadcasts } = await fakeGateway();
        const realtime = byName(await runSmokeChecks({ ...outputs, realtime: undefined }), "realtime broadcast through Kong");
        expect(realtime).toEqual({ name: "realtime broadcast through Kong", status: "skip", detail: "Realtime is not enabled on this stack (stack output `realtime` is not true)" });
        expect(broadcasts).toEqual([]);
    });

    it.each([
        ["realtimeNoRoute", /→ 404$/, /no \/realtime\/v1 route/],
        ["wrongKey", /→ 401$/, /key mismatch/],
        ["realtime502", /→ 502$/, /Kong can't reach Realtime/],
        ["realtimeTenant", /^join realtime:smoke-[0-9a-f]+ → CHANNEL_ERROR: .*TenantNotFound/, /Host header/],
        ["realtimeNoEcho", /nothing came back within 1000 ms$/, /not delivered back/],
    ] as const)("realtime: %s fails with a hint", async (fault, detail, hint) => {
        const { outputs } = await fakeGateway([fault]);
        const realtime = byName(await runSmokeChecks(outputs, { timeoutMs: 1000 }), "realtime broadcast through Kong");
        expect(realtime.status).toBe("fail");
        expect(realtime.detail).toMatch(detail);
        expect(realtime.hint).toMatch(hint);
    });

    it("reads outputs from --outputs and exits non-zero through the CLI on a failure", async () => {
        const { outputs } = await fakeGateway(["pgOpen"]);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smoke-")), "outputs.json");
        fs.writeFileSync(file, JSON.stringify({ ...outputs, serviceRoleKey: "x" }));
        expect(parseSmokeArgs(["--outputs", file])).toEqual({ outputsFile: file });
        expect(parseSmokeArgs(["--stack", "dev"])).toEqual({ stack: "dev" });
        expect(() => parseSmokeArgs([])).toThrow(/--stack dev/);
        expect(readOutputs({ outputsFile: file }).apiUrl).toBe(outputs.apiUrl);
        const { spawn } = await import("child_process");
        const child = spawn("npx", ["tsx", "scripts/smoke.ts", "--outputs", file], { cwd: path.resolve(__dirname, "../..") });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
        expect(code).toBe(1);
        expect(stdout).toContain("FAIL  /pg is closed to the anon key");
    });

    it("skips the RLS round trip on a stack that hosts no such app, naming --schema", async () => {
        const { outputs } = await fakeGateway();
        const results = await runSmokeChecks({ ...outputs, apps: { recipes: {} } }, { timeoutMs: 1000 });
        const rls = byName(results, "row-level security round trip");
        expect(rls.status).toBe("skip");
        expect(rls.detail).toMatch(/hosts no app money_tracker .*--schema <app>/);
        expect(failing(results)).toEqual([]);
    });

    it("says what to do when the Pulumi CLI is missing, instead of spawnSync ENOENT", () => {
        const missing = path.join(os.tmpdir(), `no-pulumi-cli-${process.pid}`);
        expect(() => readOutputs({ stack: "dev" }, missing)).toThrow(/reads the stack outputs with the Pulumi CLI, and `.*no-pulumi-cli-\d+` is not on PATH\. Install the CLI .* pass `--outputs outputs\.json`/);
    });

    it("passes on the CLI's own complaint when it refuses", () => {
        // A shell script stands in for a CLI that exits non-zero with a message on stderr.
        const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smoke-cli-")), "pulumi");
        fs.writeFileSync(script, "#!/bin/sh\necho 'error: no stack named dev found' >&2\nexit 255\n", { mode: 0o755 });
        expect(() => readOutputs({ stack: "dev" }, script)).toThrow(/stack output --stack dev` failed: error: no stack named dev found\. Is the stack name right/);
    });
});

describe("the WAL archiver check (pg_stat_archiver through ARCHIVER_STATUS_SQL)", () => {
    const row = (state: ArchiverStatusRow["state"]): ArchiverStatusRow => ({
        state, archived_count: 4, last_archived_wal: "000000010000000000000004", last_archived_time: "2026-12-07T10:00:00Z",
        failed_count: state === "stuck" ? 3 : 0, last_failed_wal: state === "stuck" ? "000000010000000000000005" : null,
        last_failed_time: state === "stuck" ? "2026-12-07T10:05:00Z" : null, stats_reset: "2026-12-07T09:00:00Z", checked_at: "2026-12-07T10:05:10Z",
    });
    it("fails a stuck archiver with the status line and a hint", () => {
        const verdict = archiverVerdict(row("stuck"), true, "supabase-prod");
        expect(verdict.status).toBe("fail");
        expect(verdict.detail).toMatch(/^pitr archiver: STUCK: archiving 000000010000000000000005 keeps failing/);
        expect(verdict.hint).toContain("kubectl -n supabase-prod logs postgres-0 -c postgres");
    });
    it("fails archive_mode off on a stack with pitr on, and skips it with pitr off", () => {
        expect(archiverVerdict(row("off"), true).status).toBe("fail");
        expect(archiverVerdict(row("off"), false)).toEqual({ status: "skip", detail: "pitr is off on this stack (archive_mode off)" });
    });
    it("passes an archiving or waiting archiver", () => {
        expect(archiverVerdict(row("archiving"), true).status).toBe("pass");
        expect(archiverVerdict(row("waiting"), true).status).toBe("pass");
    });
});

describe("smoke checks on a TLS stack (apiUrl https://<hostname>)", () => {
    /** The fake gateway behind https://api.example.test: plain HTTP redirects with 308, HTTPS answers carry HSTS. */
    async function tlsGateway(redirect: boolean, hsts: boolean) {
        const { outputs } = await fakeGateway();
        const host = "api.example.test";
        const tlsFetch: typeof fetch = async (input, init) => {
            const url = new URL(String(input));
            if (url.protocol === "http:" && url.host === host) {
                return redirect ? new Response(null, { status: 308, headers: { location: `https://${host}${url.pathname}${url.search}` } }) : fetch(`${outputs.apiUrl}${url.pathname}${url.search}`, init);
            }
            const target = url.host === host ? `${outputs.apiUrl}${url.pathname}${url.search}` : String(input);
            const response = await fetch(target, init);
            const headers = new Headers(response.headers);
            if (hsts && url.host === host) headers.set("strict-transport-security", "max-age=31536000");
            return new Response(await response.arrayBuffer(), { status: response.status, headers });
        };
        return { outputs: { ...outputs, apiUrl: `https://${host}`, realtime: false }, fetch: tlsFetch };
    }

    it("passes when plain HTTP redirects to the same URI on https and HTTPS answers carry HSTS", async () => {
        const { outputs, fetch: tlsFetch } = await tlsGateway(true, true);
        const results = await runSmokeChecks(outputs, { fetch: tlsFetch });
        expect(results[0]).toMatchObject({ name: "HTTPS only: plain HTTP redirects, HSTS set", status: "pass" });
        expect(results[0].detail).toBe("GET http://api.example.test/auth/v1/health → 308 (Location https://api.example.test/auth/v1/health); HTTPS answers carry Strict-Transport-Security: max-age=31536000");
        expect(failed(results)).toBe(false);
    });
    it("fails when plain HTTP is served instead of redirected", async () => {
        const { outputs, fetch: tlsFetch } = await tlsGateway(false, true);
        const results = await runSmokeChecks(outputs, { fetch: tlsFetch });
        expect(results[0]).toMatchObject({ name: "HTTPS only: plain HTTP redirects, HSTS set", status: "fail" });
        expect(results[0].detail).toMatch(/→ 200; /);
    });
    it("fails without HSTS", async () => {
        const { outputs, fetch: tlsFetch } = await tlsGateway(true, false);
        const results = await runSmokeChecks(outputs, { fetch: tlsFetch });
        expect(results[0]).toMatchObject({ status: "fail" });
        expect(results[0].detail).toMatch(/Strict-Transport-Security: none$/);
    });
});
