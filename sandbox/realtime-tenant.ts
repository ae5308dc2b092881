// Realtime's tenant schema, created the way the running service creates it on a fresh database
// (supabase/realtime at REALTIME_SOURCE.ref, image-sources.ts):
//   lib/realtime/tenants/migrations.ex: with realtime.schema_migrations empty or absent, Realtime
//     sends priv/repo/tenant_db_dump_<server major>.sql as ONE text query (load_db_dump), and runs
//     its Ecto migrations one by one only if that fails;
//   lib/realtime/tenants.ex create_messages_partitions: then one daily partition of
//     realtime.messages from yesterday to three days ahead (UTC), each owned by
//     supabase_realtime_admin, an existing one being fine.
// Both as its DB_USER, supabase_admin. Both files are checked for those steps, so a tag that
// creates the schema differently is refused rather than replayed wrongly.
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { REALTIME_SOURCE } from "./image-sources";

export const realtimeDumpPath = (major: number) => `priv/repo/tenant_db_dump_${major}.sql`;

export function checkRealtimeTree(dir: string): void {
    const migrations = fs.readFileSync(path.join(dir, "lib/realtime/tenants/migrations.ex"), "utf8");
    const tenants = fs.readFileSync(path.join(dir, "lib/realtime/tenants.ex"), "utf8");
    if (!migrations.includes('"priv/repo/tenant_db_dump_#{major}.sql"') || !migrations.includes("load_db_dump?(0 = _migrations_ran, repo)")) {
        throw new Error(`supabase/realtime at ${REALTIME_SOURCE.ref}: lib/realtime/tenants/migrations.ex no longer loads tenant_db_dump_<major>.sql on a fresh tenant; update sandbox/realtime-tenant.ts`);
    }
    if (!tenants.includes("def create_messages_partitions") || !tenants.includes("Date.add(today, 3)") || !tenants.includes("Date.add(today, -1)")) {
        throw new Error(`supabase/realtime at ${REALTIME_SOURCE.ref}: lib/realtime/tenants.ex create_messages_partitions changed; update sandbox/realtime-tenant.ts`);
    }
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/** The partitions create_messages_partitions makes on `today` (UTC): name, from, to. */
export function messagePartitions(today: Date = new Date()): { name: string; from: string; to: string }[] {
    const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
    return [-1, 0, 1, 2, 3].map((offset) => {
        const day = addDays(start, offset);
        return { name: `messages_${isoDay(day).replace(/-/g, "_")}`, from: isoDay(day), to: isoDay(addDays(day, 1)) };
    });
}

/** Runs Realtime's fresh-tenant path on `client`, a session of Realtime's DB_USER (supabase_admin). */
export async function replayRealtimeTenant(client: Client, dir: string, major: number): Promise<void> {
    checkRealtimeTree(dir);
    const dump = fs.readFileSync(path.join(dir, realtimeDumpPath(major)), "utf8");
    // The dump sets search_path to '' for its session; a session of its own keeps that contained.
    await client.query(dump);
    for (const p of messagePartitions()) {
        await client.query("BEGIN");
        try {
            await client.query(`CREATE TABLE IF NOT EXISTS realtime.${p.name}\nPARTITION OF realtime.messages\nFOR VALUES FROM ('${p.from}') TO ('${p.to}');\n`);
            await client.query(`ALTER TABLE realtime.${p.name} OWNER TO supabase_realtime_admin`);
            await client.query("COMMIT");
        } catch (err) {
            await client.query("ROLLBACK");
            throw err;
        }
    }
}
