// The Realtime smoke check (issue #15): a websocket through the gateway at <apiUrl>/realtime/v1
// with the anon key, a public broadcast channel, one broadcast with `self: true`, received back.
// It uses the real client library (@supabase/realtime-js) over `ws`; the transport is injectable
// so tests/day2/smoke.test.ts can point it at a local stand-in speaking the Phoenix protocol.
import * as crypto from "crypto";
import type { IncomingMessage } from "http";
import { RealtimeClient, REALTIME_SUBSCRIBE_STATES, WebSocketLikeConstructor } from "@supabase/realtime-js";

export interface RealtimeCheckInput {
    apiUrl: string;
    anonKey: string;
    namespace: string;
    /** A WebSocket constructor; default the `ws` package (Node 20 has no global WebSocket). */
    transport?: WebSocketLikeConstructor;
    timeoutMs: number;
}

export interface RealtimeCheckOutcome {
    status: "pass" | "fail";
    detail: string;
    hint?: string;
}

/** Phoenix serializer 1.0.0 (JSON objects) is spoken by every Realtime version the stacks pin. */
export const REALTIME_VSN = "1.0.0";

const defaultTransport = (): WebSocketLikeConstructor => require("ws") as WebSocketLikeConstructor;

/** What the gateway answers to the websocket upgrade: 101, or the HTTP status it refused with. */
function upgradeStatus(url: string, transport: WebSocketLikeConstructor, timeoutMs: number): Promise<{ status: number } | { error: string }> {
    return new Promise((resolve) => {
        const socket = new transport(url) as any;
        const done = (result: { status: number } | { error: string }) => {
            clearTimeout(timer);
            try {
                socket.terminate?.() ?? socket.close?.();
            } catch {
                // already closed
            }
            resolve(result);
        };
        const timer = setTimeout(() => done({ error: `no answer to the upgrade within ${timeoutMs} ms` }), timeoutMs);
        socket.on?.("unexpected-response", (_req: unknown, res: IncomingMessage) => done({ status: res.statusCode ?? 0 }));
        socket.on?.("open", () => done({ status: 101 }));
        socket.on?.("error", (error: Error & { code?: string }) => done({ error: error.code ?? error.message }));
    });
}

export async function realtimeBroadcastCheck(input: RealtimeCheckInput): Promise<RealtimeCheckOutcome> {
    const transport = input.transport ?? defaultTransport();
    const endpoint = `${input.apiUrl}/realtime/v1`;
    const ns = input.namespace;
    const logs = `\`kubectl -n ${ns} logs -l app.kubernetes.io/name=realtime --tail=50\``;

    const wsUrl = `${endpoint.replace(/^http/, "ws")}/websocket?apikey=${encodeURIComponent(input.anonKey)}&vsn=${REALTIME_VSN}`;
    const upgrade = await upgradeStatus(wsUrl, transport, input.timeoutMs);
    if ("error" in upgrade) {
        return { status: "fail", detail: `websocket to /realtime/v1/websocket: ${upgrade.error}`, hint: `Nothing completed the websocket upgrade; check the Kong pods and ${logs}.` };
    }
    if (upgrade.status !== 101) {
        const detail = `websocket upgrade of /realtime/v1/websocket with the anon key → ${upgrade.status}`;
        if (upgrade.status === 401 || upgrade.status === 403) {
            return { status: "fail", detail, hint: "Refused at the gateway or by Realtime: a key mismatch (Kong's consumers vs the anonKey output), or Realtime's tenant jwt_secret differs from the JWT secret (API_JWT_SECRET, re-seeded at every Realtime start)." };
        }
        if (upgrade.status === 404) return { status: "fail", detail, hint: "Kong has no /realtime/v1 route (components/services/kong/declarative-config.ts), or Realtime does not know the tenant: the tenant is the first label of the Host Kong sends (Service `realtime-dev` or SELF_HOST_TENANT_NAME)." };
        if (upgrade.status >= 502 && upgrade.status <= 504) return { status: "fail", detail, hint: `Kong can't reach Realtime: check \`kubectl -n ${ns} get pods -l app.kubernetes.io/name=realtime\` and ${logs}.` };
        return { status: "fail", detail, hint: `Unexpected answer to the upgrade; check ${logs}.` };
    }

    const client = new RealtimeClient(endpoint, { params: { apikey: input.anonKey }, transport, vsn: REALTIME_VSN, timeout: input.timeoutMs });
    const topic = `smoke-${crypto.randomBytes(4).toString("hex")}`;
    const marker = crypto.randomBytes(8).toString("hex");
    const channel = client.channel(topic, { config: { broadcast: { self: true }, private: false } });
    try {
        const received = new Promise<unknown>((resolve) => channel.on("broadcast", { event: "smoke" }, (message) => resolve(message.payload)));
        const joined = await new Promise<{ state: string; error?: string }>((resolve) => {
            channel.subscribe((state, err) => {
                if (state === REALTIME_SUBSCRIBE_STATES.SUBSCRIBED) resolve({ state });
                else resolve({ state, error: err?.message });
            }, input.timeoutMs);
        });
        if (joined.state !== REALTIME_SUBSCRIBE_STATES.SUBSCRIBED) {
            const detail = `join realtime:${topic} → ${joined.state}${joined.error ? `: ${joined.error}` : ""}`;
            const hint = /tenant/i.test(joined.error ?? "")
                ? "Realtime does not know the tenant: it is the first label of the Host header Kong forwards (name the Service `realtime-dev`, or set SELF_HOST_TENANT_NAME)."
                : `Realtime refused or ignored the join; check ${logs}.`;
            return { status: "fail", detail, hint };
        }
        const sent = await channel.send({ type: "broadcast", event: "smoke", payload: { marker } });
        const echo = await Promise.race([received, new Promise((resolve) => setTimeout(() => resolve(undefined), input.timeoutMs))]);
        const detail = `joined realtime:${topic} with the anon key, sent a broadcast with self: true (${sent})`;
        if ((echo as { marker?: string } | undefined)?.marker !== marker) {
            return { status: "fail", detail: `${detail}; nothing came back within ${input.timeoutMs} ms`, hint: `The join worked but the broadcast was not delivered back; check ${logs} (rate limits, TENANT_MAX_EVENTS_PER_SECOND).` };
        }
        return { status: "pass", detail: `${detail} and received it` };
    } finally {
        await client.removeAllChannels().catch(() => undefined);
        client.disconnect();
    }
}
