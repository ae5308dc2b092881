// How an app takes part in Realtime, as plain data: which of its tables Realtime streams
// (postgres_changes, through the publication) and who may join which private channel (RLS on
// realtime.messages). Shared by the program, the review report and the tests.
//
// How Realtime decides a private channel (supabase/realtime@v2.129.8:lib/realtime/tenants/authorization.ex):
// in one transaction it inserts one probe row per extension (broadcast, presence) into
// realtime.messages as its own superuser connection (lines 254-267), then sets `role`,
// `realtime.topic` (the channel name without the `realtime:` prefix), `request.jwt.claims`,
// `request.jwt.claim.sub`/`.role` and `request.headers` with set_config(..., true) (lines 228-240)
// and selects the probe rows back under RLS (lines 313-328): a row it sees is read (join)
// permission. Write permission is an INSERT of a probe row under the user's role in a savepoint
// (lines 331-350); an RLS refusal (42501) means no write. Everything is rolled back.
import { AppDefinition, CURRENT_USER_ID, PolicyDefinition } from "./model";

/** The publication Realtime's postgres_changes read by default (v2.129.8 lib/extensions/postgres_cdc_rls/db_settings.ex:11). */
export const REALTIME_PUBLICATION = "supabase_realtime";
/** Where Realtime keeps its own metadata tables (tenants, extensions, schema_migrations). */
export const REALTIME_METADATA_SCHEMA = "_realtime";
/** Realtime's tenant objects (messages, subscription, topic(), …); created by its tenant migrations. */
export const REALTIME_SCHEMA = "realtime";
export const REALTIME_MESSAGES = "messages";
/** Realtime's DB_AFTER_CONNECT_QUERY: its metadata Repo then lands in _realtime. */
export const REALTIME_AFTER_CONNECT_QUERY = `SET search_path TO ${REALTIME_METADATA_SCHEMA}`;

/** The channel name Realtime authorizes, read once per statement. */
export const CURRENT_TOPIC = "(select realtime.topic())";

/**
 * A private channel per user: a signed-in user may join (receive broadcast and presence) and send
 * on `<prefix><their user id>` only. Anon and every other topic get nothing.
 */
export function userChannelPolicies(app: string, prefix = "user:"): PolicyDefinition[] {
    const own = `extension in ('broadcast', 'presence') and ${CURRENT_TOPIC} = '${prefix.replace(/'/g, "''")}' || ${CURRENT_USER_ID}::text`;
    return [
        { name: `${app}: join own user channel`, command: "select", roles: ["authenticated"], using: own },
        { name: `${app}: send on own user channel`, command: "insert", roles: ["authenticated"], withCheck: own },
    ];
}

/** The tables of an app that joined the publication. */
export const realtimeTables = (app: AppDefinition) => app.tables.filter((t) => t.realtime).map((t) => t.name);

/**
 * Mistakes in the apps' Realtime declarations: realtime.messages is one table shared by every app,
 * so policy names must be unique across apps and carry the app's name; a channel policy must look
 * at the topic, or it opens every private channel.
 */
export function realtimeProblems(apps: AppDefinition[]): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const app of apps) {
        for (const policy of app.realtimeChannels ?? []) {
            const where = `${app.schema}: realtime.messages policy "${policy.name}"`;
            if (seen.has(policy.name)) problems.push(`${where} is defined twice`);
            seen.add(policy.name);
            if (!policy.name.startsWith(`${app.schema}: `)) problems.push(`${where} must start with "${app.schema}: " (realtime.messages is shared by every app)`);
            if (!/realtime\.topic\(\)/.test(`${policy.using ?? ""} ${policy.withCheck ?? ""}`)) problems.push(`${where} does not look at realtime.topic(); it would open every private channel`);
        }
    }
    return problems;
}
