// `npm run bench:rls`: what row-level security costs on a realistic table. Applies the program's
// database layer to a fresh PostgreSQL 15 as the image makes it (timed), loads 1,000,000 money_tracker transactions for
// 1,000 users, then compares the p50 latency of one user's `select *` under RLS, run the way
// PostgREST runs it, with the same rows fetched by the table owner through an explicit filter.
import * as jwt from "jsonwebtoken";
import { Client } from "pg";
import { runProgram } from "../offline/engine";
import { applyDatabaseLayer } from "../tests/database/support/apply";
import { runImageInitScripts, stackSecrets, startWorld } from "../tests/database/support/world";

const USERS = 1_000;
const PER_USER = 1_000;
const SAMPLES = 500;
const WARMUP = 30;
const TARGET_RATIO = 1.1;

const ms = (ns: bigint) => Number(ns) / 1e6;
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
    const world = await startWorld();
    const { pg, target } = world;
    try {
        const run = await runProgram({ stack: "dev", load: () => import("../index") });
        const secrets = stackSecrets(run);
        await runImageInitScripts(world, secrets.postgresPassword);

        const applyStart = process.hrtime.bigint();
        const applied = await applyDatabaseLayer(run, target);
        const applyMs = ms(process.hrtime.bigint() - applyStart);

        const owner = new Client({ ...target, user: "supabase_admin", password: secrets.postgresPassword, database: "postgres" });
        await owner.connect();
        owner.on("error", () => undefined);
        const loadStart = process.hrtime.bigint();
        await owner.query(`insert into auth.users (id, aud, role, email)
            select gen_random_uuid(), 'authenticated', 'authenticated', 'user' || n || '@example.com' from generate_series(1, ${USERS}) n`);
        await owner.query(`insert into money_tracker.transactions (user_id, amount, occurred_on, description)
            select u.id, (1 + floor(random() * 9999))::numeric / 100 * (case when n % 5 = 0 then 1 else -1 end), date '2025-01-01' + (n % 365), 'purchase ' || n
            from (select id, row_number() over (order by id) as rn from auth.users) u, generate_series(1, ${PER_USER}) n`);
        await owner.query("analyze money_tracker.transactions");
        const loadMs = ms(process.hrtime.bigint() - loadStart);
        const total = (await owner.query("select count(*)::int as n from money_tracker.transactions")).rows[0].n;
        const user: string = (await owner.query("select id from auth.users order by email limit 1")).rows[0].id;

        // As PostgREST: logged in as authenticator, a transaction per request, role and claims local to it.
        const api = new Client({ ...target, user: "authenticator", password: secrets.postgresPassword, database: "postgres" });
        await api.connect();
        api.on("error", () => undefined);
        const claims = jwt.verify(jwt.sign({ sub: user, role: "authenticated", aud: "authenticated" }, secrets.jwtSecret, { expiresIn: 3600 }), secrets.jwtSecret);
        // The two queries alternate, so both see the same cache and CPU state (no order bias).
        let rlsRows = 0;
        let ownerRows = 0;
        const rls: number[] = [];
        const direct: number[] = [];
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
            await api.query("BEGIN");
            await api.query("SET LOCAL ROLE authenticated");
            await api.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
            let begin = process.hrtime.bigint();
            const underRls = await api.query("select * from money_tracker.transactions");
            if (i >= WARMUP) rls.push(ms(process.hrtime.bigint() - begin));
            rlsRows = underRls.rowCount ?? 0;
            await api.query("COMMIT");

            begin = process.hrtime.bigint();
            const filtered = await owner.query("select * from money_tracker.transactions where user_id = $1", [user]);
            if (i >= WARMUP) direct.push(ms(process.hrtime.bigint() - begin));
            ownerRows = filtered.rowCount ?? 0;
        }

        const rlsP50 = p50(rls);
        const directP50 = p50(direct);
        const ratio = rlsP50 / directP50;
        console.log([
            `PostgreSQL 15 (embedded), ${total.toLocaleString("en")} transactions for ${USERS.toLocaleString("en")} users (loaded in ${(loadMs / 1000).toFixed(1)} s)`,
            `Database layer applied from empty: ${applied.length} resources in ${applyMs.toFixed(0)} ms`,
            `One user's select * under RLS (authenticator → SET LOCAL ROLE authenticated + claims), ${rlsRows} rows: p50 ${rlsP50.toFixed(3)} ms`,
            `Same rows as the table owner with where user_id = $1, ${ownerRows} rows:                     p50 ${directP50.toFixed(3)} ms`,
            `Ratio RLS / explicit filter: ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO.toFixed(2)}) ${ratio <= TARGET_RATIO ? "OK" : "ABOVE TARGET"}`,
            `(${SAMPLES} samples each after ${WARMUP} warm-up runs, the two queries alternating; statement time only, measured in the client)`,
        ].join("\n"));
        if (rlsRows !== PER_USER || ownerRows !== PER_USER) throw new Error(`expected ${PER_USER} rows each, got ${rlsRows} and ${ownerRows}`);
        await api.end();
        await owner.end();
        if (ratio > TARGET_RATIO) process.exitCode = 1;
    } catch (error) {
        console.error(error);
        process.exitCode = 1;
    } finally {
        await pg.stop();
    }
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
