// The custom resources' real create/diff/update/delete against PostgreSQL 15, fed with what the
// program records: a changed definition shows up as a diff, updates in place, and goes away when
// removed; an unchanged program diffs to nothing; a rotated password reaches the login roles.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Client } from "pg";
import { ProgramRun, RecordedResource } from "../../offline/engine";
import { bucketProvider } from "../../components/database/providers/bucket";
import { UNKNOWN } from "../../components/database/providers/connection";
import { policyProvider } from "../../components/database/providers/policy";
import { rolePasswordsProvider } from "../../components/database/providers/role-passwords";
import { adoptionProblems, tableProvider } from "../../components/database/providers/table";
import { AppDefinition } from "../../components/database/model";
import { AppliedResource, DYNAMIC_PROVIDERS, DynamicType, retarget } from "./support/apply";
import { appliedWorld, connectAs, World } from "./support/world";
import { runStack } from "../support/program";

let world: World;
let run: ProgramRun;
let applied: AppliedResource[];
let admin: Client;
const USER = "c0000000-0000-4000-8000-00000000000c";

beforeAll(async () => {
    ({ world, run, applied, admin } = await appliedWorld("dev"));
    await admin.query(`insert into auth.users (id, email) values ('${USER}', 'c@example.com')`);
});

afterAll(async () => {
    await admin?.end();
    await world?.pg.stop();
});

const appliedNamed = (name: string) => {
    const found = applied.find((a) => a.resource.name === name);
    if (!found?.outs) throw new Error(`no applied custom resource ${name}`);
    return found as Required<AppliedResource>;
};
const inputsOf = (r: RecordedResource) => retarget(r.inputs, world.target);
const policyRow = async (schema: string, table: string, name: string) =>
    (await admin.query("select cmd, roles::text[] as roles, qual, with_check from pg_policies where schemaname = $1 and tablename = $2 and policyname = $3", [schema, table, name])).rows[0];

/** A program run with one app definition replaced, as if its file had been edited. */
async function runWithDefinition(file: string, exportName: string, edit: (app: AppDefinition) => AppDefinition): Promise<ProgramRun> {
    const path = `../../components/database/apps/${file}`;
    const original = await vi.importActual<Record<string, AppDefinition>>(path);
    vi.doMock(path, () => ({ [exportName]: edit(structuredClone(original[exportName])) }));
    try {
        return await runStack("dev", { fresh: true });
    } finally {
        vi.doUnmock(path);
    }
}
const recordedNamed = (r: ProgramRun, name: string) => {
    const found = r.resources.find((x) => x.name === name);
    if (!found) throw new Error(`run declares no ${name}`);
    return found;
};

describe("an unchanged program", () => {
    it("diffs to no change on every custom resource", async () => {
        const again = await runStack("dev", { fresh: true });
        const dynamic = applied.filter((a) => a.resource.type in DYNAMIC_PROVIDERS);
        expect(dynamic.length).toBeGreaterThan(30);
        for (const a of dynamic) {
            const provider = DYNAMIC_PROVIDERS[a.resource.type as DynamicType];
            const diff = await provider.diff!(a.id!, a.outs, inputsOf(recordedNamed(again, a.resource.name)));
            expect(diff.changes, a.resource.name).toBe(false);
        }
    });
});

describe("policies", () => {
    const name = "money_tracker-transactions-owners-read";

    it("a changed USING shows in the diff, updates in place, and pg_policies follows", async () => {
        const edited = await runWithDefinition("money_tracker", "moneyTracker", (app) => {
            const policy = app.tables.find((t) => t.name === "transactions")!.policies.find((p) => p.command === "select")!;
            policy.using = `${policy.using} and amount < 0`;
            policy.roles = ["authenticated", "anon"];
            return app;
        });
        const before = appliedNamed(name);
        const news = inputsOf(recordedNamed(edited, name));
        const diff = await policyProvider.diff!(before.id, before.outs, news);
        expect(diff).toMatchObject({ changes: true, replaces: [] });
        const changed = ["command", "roles", "using", "withCheck"].filter((k) => JSON.stringify((before.outs as any)[k]) !== JSON.stringify((news as any)[k]));
        expect(changed).toEqual(["roles", "using"]);

        await policyProvider.update!(before.id, before.outs, news);
        const row = await policyRow("money_tracker", "transactions", before.outs.name);
        expect(row.cmd).toBe("SELECT");
        expect(row.roles.sort()).toEqual(["anon", "authenticated"]);
        expect(row.qual).toMatch(/amount < \(?0/);
        // Back to the program's definition.
        await policyProvider.update!(before.id, news, before.outs);
        expect((await policyRow("money_tracker", "transactions", before.outs.name)).qual).not.toMatch(/amount/);
    });

    it("a changed command is replaced within one transaction", async () => {
        const before = appliedNamed(name);
        const news: Record<string, any> = { ...before.outs, command: "all", withCheck: before.outs.using };
        expect(await policyProvider.diff!(before.id, before.outs, news)).toMatchObject({ changes: true, replaces: [] });
        await policyProvider.update!(before.id, before.outs, news);
        expect((await policyRow("money_tracker", "transactions", news.name)).cmd).toBe("ALL");
        await policyProvider.update!(before.id, news, before.outs);
        expect((await policyRow("money_tracker", "transactions", news.name)).cmd).toBe("SELECT");
    });

    it("a failed replacement leaves the old policy in place", async () => {
        const before = appliedNamed(name);
        const broken = { ...before.outs, command: "all", using: "no_such_column = 1" };
        await expect(policyProvider.update!(before.id, before.outs, broken)).rejects.toThrow(/no_such_column/);
        expect((await policyRow("money_tracker", "transactions", before.outs.name)).cmd).toBe("SELECT");
    });

    it("a renamed policy or another table means a replacement", async () => {
        const before = appliedNamed(name);
        expect(await policyProvider.diff!(before.id, before.outs, { ...before.outs, name: "renamed" })).toMatchObject({ changes: true, replaces: ["name"] });
        expect(await policyProvider.diff!(before.id, before.outs, { ...before.outs, table: "budgets" })).toMatchObject({ changes: true, replaces: ["table"] });
    });

    it("a policy removed from the program is dropped; creating it again restores it", async () => {
        const before = appliedNamed(name);
        await policyProvider.delete!(before.id, before.outs);
        expect(await policyRow("money_tracker", "transactions", before.outs.name)).toBeUndefined();
        await policyProvider.create(before.outs);
        expect((await policyRow("money_tracker", "transactions", before.outs.name)).cmd).toBe("SELECT");
    });

    it("check refuses inconsistent definitions and tolerates unknown preview values", async () => {
        const base = appliedNamed(name).outs;
        const failures = async (p: object) => ((await policyProvider.check!({}, { ...base, ...p })).failures ?? []).map((f) => f.property);
        expect(await failures({ command: "insert" })).toEqual(["using"]);
        expect(await failures({ command: "select", withCheck: "true" })).toEqual(["withCheck"]);
        expect(await failures({ command: "upsert" })).toEqual(["command"]);
        expect(await failures({ roles: [] })).toEqual(["roles"]);
        expect(await failures({ using: UNKNOWN, roles: UNKNOWN, command: UNKNOWN })).toEqual([]);
        expect(await policyProvider.diff!("x", base, { ...base, using: UNKNOWN })).toMatchObject({ changes: true, replaces: [] });
    });
});

describe("tables", () => {
    const columns = async (table: string) =>
        (await admin.query("select column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'money_tracker' and table_name = $1 order by ordinal_position", [table])).rows;

    it("adding a column and an index, changing a default and a check: one in-place update", async () => {
        const edited = await runWithDefinition("money_tracker", "moneyTracker", (app) => {
            const table = app.tables.find((t) => t.name === "transactions")!;
            table.columns.push({ name: "note", type: "text", nullable: true });
            table.columns.find((c) => c.name === "description")!.default = "'(none)'";
            table.columns.find((c) => c.name === "amount")!.check = "amount <> 0 and abs(amount) < 1000000";
            table.indexes!.push({ name: "transactions_note_idx", columns: ["note"] });
            return app;
        });
        const before = appliedNamed("money_tracker-transactions");
        const news = inputsOf(recordedNamed(edited, "money_tracker-transactions"));
        expect(await tableProvider.diff!(before.id, before.outs, news)).toMatchObject({ changes: true, replaces: [] });
        await tableProvider.update!(before.id, before.outs, news);
        const cols = await columns("transactions");
        expect(cols.find((c) => c.column_name === "note")).toMatchObject({ data_type: "text", is_nullable: "YES" });
        expect(cols.find((c) => c.column_name === "description")!.column_default).toBe("'(none)'::text");
        await expect(admin.query("insert into money_tracker.transactions (user_id, amount) values ($1, 2000000)", [USER])).rejects.toThrow(/transactions_amount_check/);
        expect((await admin.query("select count(*)::int as n from pg_indexes where indexname = 'transactions_note_idx'")).rows[0].n).toBe(1);

        // And back: the column and index go away again.
        await tableProvider.update!(before.id, news, before.outs);
        expect((await columns("transactions")).map((c) => c.column_name)).not.toContain("note");
        expect((await admin.query("select count(*)::int as n from pg_indexes where indexname = 'transactions_note_idx'")).rows[0].n).toBe(0);
    });

    it("RLS switched off by hand is switched back on by the next update", async () => {
        const before = appliedNamed("money_tracker-budgets");
        await admin.query("alter table money_tracker.budgets disable row level security");
        const news = { ...before.outs, indexes: [...before.outs.indexes, { name: "budgets_month_idx", columns: ["month"] }] };
        await tableProvider.update!(before.id, before.outs, news);
        expect((await admin.query("select relrowsecurity from pg_class where oid = 'money_tracker.budgets'::regclass")).rows[0].relrowsecurity).toBe(true);
        await tableProvider.update!(before.id, news, before.outs);
    });

    it("a renamed table is a replacement; a new table is created with RLS on; a table kept in the database is adopted with its rows, or refused when it differs", async () => {
        const base = appliedNamed("money_tracker-budgets").outs;
        expect(await tableProvider.diff!("x", base, { ...base, name: "budgets2" })).toMatchObject({ replaces: ["name"] });
        // Tables are never dropped by the program (retainOnDelete in app.ts): the provider has no delete.
        expect(tableProvider.delete).toBeUndefined();
        const scratch = { ...base, name: "scratch", unique: [], indexes: [], columns: base.columns.filter((c: any) => c.name !== "category_id") };
        await tableProvider.create(scratch);
        expect((await admin.query("select relrowsecurity from pg_class where oid = 'money_tracker.scratch'::regclass")).rows[0].relrowsecurity).toBe(true);
        await admin.query("insert into money_tracker.scratch (user_id, month, amount) values ($1, date '2026-01-01', 5)", [USER]);
        await admin.query("alter table money_tracker.scratch disable row level security");
        // The app comes back: the same definition adopts the table (its row kept, RLS on again).
        await tableProvider.create(scratch);
        expect((await admin.query("select amount::int from money_tracker.scratch")).rows).toEqual([{ amount: 5 }]);
        expect((await admin.query("select relrowsecurity from pg_class where oid = 'money_tracker.scratch'::regclass")).rows[0].relrowsecurity).toBe(true);
        // A definition that differs is refused, naming each difference and the fix.
        const differs = { ...scratch, columns: [...scratch.columns.filter((c: any) => c.name !== "month"), { name: "extra", type: "text", nullable: true }] };
        await expect(tableProvider.create(differs)).rejects.toThrow(
            /table money_tracker\.scratch already exists .*no column extra; column month is not in the definition.*rename or drop/);
        await admin.query("drop table money_tracker.scratch");
    });

    it("adoption compares names and the catalog's types, so a type alias is the same type", () => {
        expect(adoptionProblems(
            [{ name: "id", type: "uuid" }, { name: "at", type: "timestamp with time zone" }, { name: "n", type: "integer" }],
            [{ name: "id", type: "uuid" }, { name: "at", type: "timestamp with time zone" }, { name: "n", type: "bigint" }, { name: "m", type: "text" }],
        )).toEqual(["no column m", "column n is integer, not bigint"]);
    });

    it("check refuses keys and indexes on columns that do not exist", async () => {
        const base = appliedNamed("money_tracker-budgets").outs;
        const result = await tableProvider.check!({}, { ...base, primaryKey: ["nope"], indexes: [{ name: "i", columns: ["missing"] }] });
        expect(result.failures?.map((f) => f.property)).toEqual(["primaryKey", "indexes"]);
    });
});

describe("buckets", () => {
    it("limits and MIME types update in place; a bucket is never deleted by the program, and re-adding one adopts it", async () => {
        const before = appliedNamed("money_tracker-bucket-money-tracker-receipts");
        const news = { ...before.outs, fileSizeLimit: 1024, allowedMimeTypes: ["application/pdf"] };
        expect(await bucketProvider.diff!(before.id, before.outs, news)).toMatchObject({ changes: true, replaces: [] });
        expect(await bucketProvider.diff!(before.id, before.outs, { ...before.outs, allowedMimeTypes: [...before.outs.allowedMimeTypes].reverse() })).toMatchObject({ changes: false });
        await bucketProvider.update!(before.id, before.outs, news);
        const row = (await admin.query("select file_size_limit::int as l, allowed_mime_types from storage.buckets where id = $1", [before.id])).rows[0];
        expect(row).toEqual({ l: 1024, allowed_mime_types: ["application/pdf"] });

        // Buckets hold files: retained (retainOnDelete in app.ts), so the provider has no delete.
        expect(bucketProvider.delete).toBeUndefined();
        await admin.query("insert into storage.objects (bucket_id, name, owner) values ($1, $2, $3)", [before.id, `${USER}/x.pdf`, USER]);
        await bucketProvider.create(before.outs);
        expect((await admin.query("select file_size_limit::int as l from storage.buckets where id = $1", [before.id])).rows[0].l).toBe(before.outs.fileSizeLimit);
        expect((await admin.query("select count(*)::int as n from storage.objects where bucket_id = $1", [before.id])).rows[0].n).toBe(1);
        await admin.query("delete from storage.objects where bucket_id = $1", [before.id]);
    });
});

describe("password rotation (issue #6)", () => {
    it("bumping rotation changes the password input, and the update moves every login role to it", async () => {
        const rotated = await runStack("dev", { overrides: { rotation: 1 } });
        const before = appliedNamed("database-role-passwords");
        const news = inputsOf(recordedNamed(rotated, "database-role-passwords"));
        const oldPassword = before.outs.connection.password as string;
        const newPassword = news.connection.password as string;
        expect(newPassword).not.toBe(oldPassword);
        expect(await rolePasswordsProvider.diff!(before.id, before.outs, news)).toMatchObject({ changes: true, replaces: [] });

        await rolePasswordsProvider.update!(before.id, before.outs, news);
        for (const role of news.roles as string[]) {
            const client = await connectAs(world, role, newPassword);
            await client.end();
            await expect(connectAs(world, role, oldPassword), role).rejects.toMatchObject({ code: "28P01" });
        }
        // Running the same update again (the database already has the new password) still succeeds.
        await rolePasswordsProvider.update!(before.id, before.outs, news);
        await rolePasswordsProvider.update!(before.id, news, before.outs);
        const back = await connectAs(world, "authenticator", oldPassword);
        await back.end();
    });
});
