// The app's supabase-js client, bound to its own schema: every `from()` sends the
// Accept-Profile/Content-Profile headers that make PostgREST use that schema.
import { createClient, SupabaseClient } from "@supabase/supabase-js";

export interface AppClientOptions {
    /** Replaces global fetch (tests, server-side runtimes). */
    fetch?: typeof fetch;
}

/**
 * Node.js 20 has no global WebSocket and supabase-js refuses to build a client without one. This
 * app does not subscribe to realtime changes, so the transport only fails if someone tries.
 */
class RealtimeNotUsed {
    constructor() {
        throw new Error("this client does not use realtime; pass a WebSocket implementation (the ws package) to subscribe");
    }
}

export function createAppClient(apiUrl: string, anonKey: string, schema: string, options: AppClientOptions = {}): SupabaseClient<any, any, any> {
    return createClient<any, any>(apiUrl, anonKey, {
        db: { schema },
        // A server-side or build-time client keeps no session of its own.
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        global: options.fetch ? { fetch: options.fetch } : undefined,
        realtime: { transport: RealtimeNotUsed as never },
    });
}
