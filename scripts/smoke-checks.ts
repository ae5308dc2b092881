// The seed's "Troubleshooting Service Connections" checks, automated against a live gateway.
// Pure over its inputs (stack outputs, a fetch function): scripts/smoke.ts feeds it the real stack
// outputs; tests/day2/smoke.test.ts feeds it a local server that answers like the gateway.
import * as crypto from "crypto";
import type { WebSocketLikeConstructor } from "@supabase/realtime-js";
import { realtimeBroadcastCheck } from "./smoke-realtime";

/** The stack outputs the checks read (a subset of PlatformOutputs). */
export interface SmokeOutputs {
    apiUrl: string;
    studioUrl: string;
    anonKey: string;
    namespace?: string;
    /** True when the stack deploys Realtime (stack output `realtime`); the Realtime check skips otherwise. */
    realtime?: boolean;
    /** The hosted apps (stack output `apps`); the RLS round trip skips when its schema is not one. */
    apps?: Record<string, unknown>;
}

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
    name: string;
    status: CheckStatus;
    /** What was observed, e.g. "GET /auth/v1/health → 200". */
    detail: string;
    /** What to do about a failure. */
    hint?: string;
}

export interface SmokeOptions {
    /** Schema of the RLS round trip (PostgREST profile). */
    appSchema?: string;
    /** Table of the RLS round trip; rows are owned through user_id. */
    table?: string;
    /** Domain of the throw-away sign-up addresses. */
    emailDomain?: string;
    fetch?: typeof fetch;
    timeoutMs?: number;
    /** WebSocket constructor of the Realtime check; default the `ws` package. */
    webSocket?: WebSocketLikeConstructor;
}

interface Reply {
    status: number;
    body: any;
}

class Unreachable extends Error {}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

export async function runSmokeChecks(outputs: SmokeOutputs, options: SmokeOptions = {}): Promise<CheckResult[]> {
    const doFetch = options.fetch ?? fetch;
    const schema = options.appSchema ?? "money_tracker";
    const table = options.table ?? "transactions";
    const ns = outputs.namespace ?? "supabase";
    const api = trimSlash(outputs.apiUrl);
    const anon = { apikey: outputs.anonKey, Authorization: `Bearer ${outputs.anonKey}` };
    const results: CheckResult[] = [];

    async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
        let response: Response;
        try {
            response = await doFetch(url, {
                method: init.method ?? "GET",
                headers: { ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}), ...init.headers },
                body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
                signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
                redirect: "manual",
            });
        } catch (error) {
            const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
            throw new Unreachable(`${new URL(url).host} unreachable (${cause})`);
        }
        const text = await response.text();
        let body: unknown = text;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            // not JSON; keep the text
        }
        return { status: response.status, body };
    }

    const unreachableHint = (what: string) =>
        `Nothing answers at ${what}. Check that the LoadBalancer Service has its MetalLB IP (\`kubectl -n ${ns} get svc -o wide\`), that the Kong pods are Running (\`kubectl -n ${ns} get pods\`), and that this machine can route to that address.`;
    const upstreamHint = (service: string) =>
        `Kong can't reach ${service} (502/503/504): check \`kubectl -n ${ns} get pods -l app.kubernetes.io/name=${service}\` and \`kubectl -n ${ns} logs -l app.kubernetes.io/name=${service} --tail=50\`.`;

    async function check(name: string, run: () => Promise<Omit<CheckResult, "name">>): Promise<CheckResult> {
        let result: CheckResult;
        try {
            result = { name, ...(await run()) };
        } catch (error) {
            const message = (error as Error).message;
            result = error instanceof Unreachable
                ? { name, status: "fail", detail: message, hint: unreachableHint(message.split(" ")[0]) }
                : { name, status: "fail", detail: message };
        }
        results.push(result);
        return result;
    }

    await check("auth health through Kong", async () => {
        const r = await call(`${api}/auth/v1/health`, { headers: anon });
        const detail = `GET /auth/v1/health with the anon key → ${r.status}`;
        if (r.status === 200) return { status: "pass", detail };
        if (r.status === 401 || r.status === 403) {
            return { status: "fail", detail, hint: "Key mismatch: Kong is up but rejects the anon key. The anonKey output and Kong's consumer keys come from different rotations; run `pulumi up` again so the kong-config Secret and the outputs agree, and re-read the outputs." };
        }
        if (r.status >= 502 && r.status <= 504) return { status: "fail", detail, hint: upstreamHint("gotrue") };
        return { status: "fail", detail, hint: "Unexpected answer from the gateway; check `kubectl -n " + ns + " logs -l app.kubernetes.io/name=kong --tail=50`." };
    });

    await check("REST with the anon key", async () => {
        const r = await call(`${api}/rest/v1/`, { headers: anon });
        const detail = `GET /rest/v1/ with the anon key → ${r.status}`;
        // 400 is PostgREST saying "no schema chosen": Kong let the request through, as the seed notes.
        if (r.status === 200 || r.status === 400) return { status: "pass", detail };
        if (r.status === 401 || r.status === 403) return { status: "fail", detail, hint: "Kong rejected the anon key on /rest/v1: key mismatch between the anonKey output and Kong's consumers (see the auth health check)." };
        if (r.status >= 502 && r.status <= 504) return { status: "fail", detail, hint: upstreamHint("rest") };
        return { status: "fail", detail, hint: `PostgREST answered ${r.status}; check \`kubectl -n ${ns} logs -l app.kubernetes.io/name=rest --tail=50\`.` };
    });

    await check("REST refuses requests without a key", async () => {
        const r = await call(`${api}/rest/v1/`);
        const detail = `GET /rest/v1/ without a key → ${r.status}`;
        if (r.status === 401) return { status: "pass", detail };
        return { status: "fail", detail, hint: "The REST route answers without an API key: Kong's key-auth plugin is missing from /rest/v1 (components/services/kong/declarative-config.ts)." };
    });

    await check("/pg is closed to the anon key", async () => {
        const r = await call(`${api}/pg/`, { headers: anon });
        const detail = `GET /pg/ with the anon key → ${r.status}`;
        if (r.status === 401 || r.status === 403) return { status: "pass", detail };
        return { status: "fail", detail, hint: "postgres-meta (full database admin) is reachable with the public anon key: the /pg route must admit only the admin consumer (Kong ACL)." };
    });

    await check("dashboard asks for credentials", async () => {
        const r = await call(`${trimSlash(outputs.studioUrl)}/`);
        const detail = `GET ${trimSlash(outputs.studioUrl)}/ without credentials → ${r.status}`;
        if (r.status === 401) return { status: "pass", detail };
        return { status: "fail", detail, hint: "The dashboard answers without credentials: Kong's basic-auth on the dashboard route is missing; anyone on the network could administer the database." };
    });

    const settings = await call(`${api}/auth/v1/settings`, { headers: anon }).catch(() => undefined);
    const signupDisabled = settings?.status === 200 && settings.body?.disable_signup === true;
    const password = `Smoke-${crypto.randomBytes(12).toString("hex")}`;
    const signIn = async (email: string): Promise<{ token: string; userId: string }> => {
        const r = await call(`${api}/auth/v1/token?grant_type=password`, { method: "POST", headers: anon, body: { email, password } });
        if (r.status !== 200 || !r.body?.access_token) throw new Error(`POST /auth/v1/token?grant_type=password → ${r.status}: ${JSON.stringify(r.body)}`);
        return { token: r.body.access_token, userId: r.body.user?.id };
    };
    const signUpAndIn = async (label: string) => {
        const email = `smoke-${label}-${crypto.randomBytes(6).toString("hex")}@${options.emailDomain ?? "smoke.invalid"}`;
        const r = await call(`${api}/auth/v1/signup`, { method: "POST", headers: anon, body: { email, password } });
        if (r.status !== 200) throw new Error(`POST /auth/v1/signup → ${r.status}: ${JSON.stringify(r.body)}`);
        return signIn(email);
    };

    const users: { token: string; userId: string }[] = [];
    await check("sign-up and sign-in round trip", async () => {
        if (signupDisabled) return { status: "skip", detail: "GoTrue reports disable_signup=true; sign-ups are off on this stack" };
        try {
            users.push(await signUpAndIn("a"), await signUpAndIn("b"));
        } catch (error) {
            const message = (error as Error).message;
            const hint = /not confirmed|email_not_confirmed/i.test(message)
                ? "Sign-ups need e-mail confirmation: set enableEmailAutoconfirm=true on a test stack, or check the SMTP settings so the confirmation mail arrives."
                : / → 5\d\d/.test(message) ? upstreamHint("gotrue") : "GoTrue refused the round trip; check its logs.";
            return { status: "fail", detail: message, hint };
        }
        return { status: "pass", detail: "POST /auth/v1/signup → 200, POST /auth/v1/token?grant_type=password → 200 (two users)" };
    });

    await check("row-level security round trip", async () => {
        if (outputs.apps && !(schema in outputs.apps)) {
            return { status: "skip", detail: `the stack hosts no app ${schema} (stack output \`apps\`); name one whose ${table} table is owned through user_id with --schema <app>` };
        }
        if (users.length < 2) return { status: "skip", detail: "needs two signed-in users (see the sign-up check)" };
        const [a, b] = users;
        const as = (user: { token: string }, profile: "Accept-Profile" | "Content-Profile") => ({ apikey: outputs.anonKey, Authorization: `Bearer ${user.token}`, [profile]: schema });
        const marker = `smoke ${crypto.randomBytes(4).toString("hex")}`;
        const inserted = await call(`${api}/rest/v1/${table}`, {
            method: "POST", headers: { ...as(a, "Content-Profile"), Prefer: "return=representation" }, body: { amount: -1.23, description: marker },
        });
        if (inserted.status !== 201) {
            return { status: "fail", detail: `POST /rest/v1/${table} as a signed-in user → ${inserted.status}: ${JSON.stringify(inserted.body)}`, hint: `The owner could not insert a row: check the grants and insert policy of ${schema}.${table}, and that PGRST_DB_SCHEMAS lists ${schema}.` };
        }
        const ownRows = await call(`${api}/rest/v1/${table}?select=*`, { headers: as(a, "Accept-Profile") });
        const otherRows = await call(`${api}/rest/v1/${table}?select=*`, { headers: as(b, "Accept-Profile") });
        const rows = (r: Reply) => (Array.isArray(r.body) ? (r.body as { user_id?: string; description?: string }[]) : []);
        const leaked = rows(otherRows).filter((row) => row.user_id !== b.userId);
        const foreignToA = rows(ownRows).filter((row) => row.user_id !== a.userId);
        const detail = `user A inserted 1 row; A reads ${rows(ownRows).length} row(s), B reads ${rows(otherRows).length} row(s)`;
        // Clean up as the owner, whatever the verdict.
        await call(`${api}/rest/v1/${table}?description=eq.${encodeURIComponent(marker)}`, { method: "DELETE", headers: as(a, "Content-Profile") }).catch(() => undefined);
        if (leaked.length > 0 || foreignToA.length > 0) {
            return { status: "fail", detail: `${detail}; rows of other users visible`, hint: `RLS leak: ${schema}.${table} shows rows of other users. Check that row level security is enabled and the select policy compares user_id with auth.uid().` };
        }
        if (!rows(ownRows).some((row) => row.description === marker)) {
            return { status: "fail", detail, hint: "The owner cannot read back their own row: the select policy is too strict or Accept-Profile is not honoured." };
        }
        return { status: "pass", detail };
    });

    await check("realtime broadcast through Kong", async () => {
        if (outputs.realtime !== true) return { status: "skip", detail: "Realtime is not enabled on this stack (stack output `realtime` is not true)" };
        return realtimeBroadcastCheck({ apiUrl: api, anonKey: outputs.anonKey, namespace: ns, transport: options.webSocket, timeoutMs: options.timeoutMs ?? 10_000 });
    });

    return results;
}

/** A human-readable report; one line per check, hints indented below failures. */
export function formatReport(results: CheckResult[]): string {
    const mark: Record<CheckStatus, string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };
    const lines = results.flatMap((r) => [`${mark[r.status]}  ${r.name}: ${r.detail}`, ...(r.status === "fail" && r.hint ? [`      hint: ${r.hint}`] : [])]);
    const failed = results.filter((r) => r.status === "fail").length;
    lines.push("", failed === 0 ? `All ${results.length} checks passed or were skipped.` : `${failed} of ${results.length} checks failed.`);
    return lines.join("\n");
}

export const failed = (results: CheckResult[]) => results.some((r) => r.status === "fail");
