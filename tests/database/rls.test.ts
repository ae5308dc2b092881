// The program's database layer applied to a real PostgreSQL 15, then probed the way the API
// reaches it: every app table and every bucket, for anon, two users and service_role, for each
// of select/insert/update/delete. Expected outcomes are written from the apps' intent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { ProgramRun } from "../../offline/engine";
import { Api, Outcome, userToken } from "./support/session";
import { appliedWorld, stackSecrets, StackSecrets, World } from "./support/world";

const A = "a0000000-0000-4000-8000-00000000000a";
const B = "b0000000-0000-4000-8000-00000000000b";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

// Seeded rows: label → key.
const ROWS = {
    pages: { A_pub: uuid(1), A_draft: uuid(2), B_pub: uuid(3), B_draft: uuid(4) },
    page_revisions: { A_rev: uuid(11), B_rev: uuid(12) },
    site_settings: { title: "site.title", theme: "site.theme" },
    categories: { A_cat: uuid(21), B_cat: uuid(22) },
    transactions: { A_t1: uuid(31), A_t2: uuid(32), B_t1: uuid(33), B_t2: uuid(34) },
    budgets: { A_bud: uuid(41), B_bud: uuid(42) },
};

const SEED = `
insert into auth.users (id, aud, role, email) values
  ('${A}', 'authenticated', 'authenticated', 'a@example.com'),
  ('${B}', 'authenticated', 'authenticated', 'b@example.com');
insert into home_portal.pages (id, slug, title, published, author_id) values
  ('${ROWS.pages.A_pub}', 'a-pub', 'A public', true, '${A}'),
  ('${ROWS.pages.A_draft}', 'a-draft', 'A draft', false, '${A}'),
  ('${ROWS.pages.B_pub}', 'b-pub', 'B public', true, '${B}'),
  ('${ROWS.pages.B_draft}', 'b-draft', 'B draft', false, '${B}');
insert into home_portal.page_revisions (id, page_id, author_id, title, body) values
  ('${ROWS.page_revisions.A_rev}', '${ROWS.pages.A_draft}', '${A}', 'v1', 'old'),
  ('${ROWS.page_revisions.B_rev}', '${ROWS.pages.B_draft}', '${B}', 'v1', 'old');
insert into home_portal.site_settings (key, value) values ('site.title', '"Home"'), ('site.theme', '"dark"');
insert into money_tracker.categories (id, user_id, name) values
  ('${ROWS.categories.A_cat}', '${A}', 'Food'), ('${ROWS.categories.B_cat}', '${B}', 'Food');
insert into money_tracker.transactions (id, user_id, amount, category_id) values
  ('${ROWS.transactions.A_t1}', '${A}', -12.50, '${ROWS.categories.A_cat}'),
  ('${ROWS.transactions.A_t2}', '${A}', 1000, null),
  ('${ROWS.transactions.B_t1}', '${B}', -3.20, '${ROWS.categories.B_cat}'),
  ('${ROWS.transactions.B_t2}', '${B}', 2500, null);
insert into money_tracker.budgets (id, user_id, category_id, month, amount) values
  ('${ROWS.budgets.A_bud}', '${A}', '${ROWS.categories.A_cat}', '2026-01-01', 300),
  ('${ROWS.budgets.B_bud}', '${B}', '${ROWS.categories.B_cat}', '2026-01-01', 200);
insert into storage.objects (bucket_id, name, owner) values
  ('home-portal-assets', '${A}/logo.png', '${A}'),
  ('home-portal-assets', '${B}/banner.png', '${B}'),
  ('money-tracker-receipts', '${A}/2026/receipt-1.pdf', '${A}'),
  ('money-tracker-receipts', '${B}/2026/receipt-2.pdf', '${B}');
`;

type Who = "anon" | "A" | "B" | "service_role";
const WHO: Who[] = ["anon", "A", "B", "service_role"];
const uidOf = (who: Who) => (who === "B" ? B : A);

/** A refusal: no table privilege, or a row the policies reject. */
const denied = (table: string) => ({ error: `permission denied for table ${table}` });
const rejected = (table: string) => ({ error: `new row violates row-level security policy for table "${table}"` });
type Expect = string[] | "inserted" | { error: string };

interface TableCase {
    schema: string;
    table: keyof typeof ROWS;
    key: string;
    touch: string;
    insert(owner: string): [string, unknown[]];
    expect: Record<Who, { select: Expect; insert: Expect; update: Expect; delete: Expect }>;
}

const all = (table: keyof typeof ROWS) => Object.keys(ROWS[table]);
const own = (table: keyof typeof ROWS, who: "A" | "B") => Object.keys(ROWS[table]).filter((l) => l.startsWith(`${who}_`));
const nothing = (table: string) => ({ select: denied(table), insert: denied(table), update: denied(table), delete: denied(table) });
const everything = (table: keyof typeof ROWS) => ({ select: all(table), insert: "inserted" as const, update: all(table), delete: all(table) });
const ownerOnly = (table: keyof typeof ROWS, who: "A" | "B") => ({ select: own(table, who), insert: "inserted" as const, update: own(table, who), delete: own(table, who) });

const CASES: TableCase[] = [
    {
        schema: "home_portal", table: "pages", key: "id", touch: "title = title",
        insert: (owner) => ["insert into home_portal.pages (slug, title, author_id) values ($1, 'New', $2) returning id", [`new-${owner.slice(0, 4)}`, owner]],
        expect: {
            anon: { select: ["A_pub", "B_pub"], insert: denied("pages"), update: denied("pages"), delete: denied("pages") },
            A: { select: ["A_pub", "A_draft", "B_pub"], insert: "inserted", update: ["A_pub", "A_draft"], delete: ["A_pub", "A_draft"] },
            B: { select: ["A_pub", "B_pub", "B_draft"], insert: "inserted", update: ["B_pub", "B_draft"], delete: ["B_pub", "B_draft"] },
            service_role: everything("pages"),
        },
    },
    {
        schema: "home_portal", table: "page_revisions", key: "id", touch: "title = title",
        insert: (owner) => [
            "insert into home_portal.page_revisions (page_id, author_id, title, body) values ($1, $2, 'v2', 'new') returning id",
            [owner === B ? ROWS.pages.B_draft : ROWS.pages.A_draft, owner],
        ],
        expect: {
            anon: nothing("page_revisions"),
            // History is append-only: no UPDATE privilege at all.
            A: { select: ["A_rev"], insert: "inserted", update: denied("page_revisions"), delete: ["A_rev"] },
            B: { select: ["B_rev"], insert: "inserted", update: denied("page_revisions"), delete: ["B_rev"] },
            service_role: everything("page_revisions"),
        },
    },
    {
        schema: "home_portal", table: "site_settings", key: "key", touch: "value = value",
        insert: () => ["insert into home_portal.site_settings (key, value) values ('site.new', '1') returning key", []],
        expect: {
            anon: { select: ["title", "theme"], insert: denied("site_settings"), update: denied("site_settings"), delete: denied("site_settings") },
            A: { select: ["title", "theme"], insert: denied("site_settings"), update: denied("site_settings"), delete: denied("site_settings") },
            B: { select: ["title", "theme"], insert: denied("site_settings"), update: denied("site_settings"), delete: denied("site_settings") },
            service_role: everything("site_settings"),
        },
    },
    {
        schema: "money_tracker", table: "categories", key: "id", touch: "name = name",
        insert: (owner) => ["insert into money_tracker.categories (user_id, name) values ($1, 'Rent') returning id", [owner]],
        expect: { anon: nothing("categories"), A: ownerOnly("categories", "A"), B: ownerOnly("categories", "B"), service_role: everything("categories") },
    },
    {
        schema: "money_tracker", table: "transactions", key: "id", touch: "amount = amount",
        insert: (owner) => [
            "insert into money_tracker.transactions (user_id, amount, description, category_id) values ($1, -9.99, 'lunch', $2) returning id",
            [owner, owner === B ? ROWS.categories.B_cat : ROWS.categories.A_cat],
        ],
        expect: { anon: nothing("transactions"), A: ownerOnly("transactions", "A"), B: ownerOnly("transactions", "B"), service_role: everything("transactions") },
    },
    {
        schema: "money_tracker", table: "budgets", key: "id", touch: "amount = amount",
        insert: (owner) => [
            "insert into money_tracker.budgets (user_id, category_id, month, amount) values ($1, $2, '2026-02-01', 150) returning id",
            [owner, owner === B ? ROWS.categories.B_cat : ROWS.categories.A_cat],
        ],
        expect: { anon: nothing("budgets"), A: ownerOnly("budgets", "A"), B: ownerOnly("budgets", "B"), service_role: everything("budgets") },
    },
];

let world: World;
let run: ProgramRun;
let api: Api;
let admin: Client;
const tokens = {} as Record<Who, string>;

beforeAll(async () => {
    let secrets: StackSecrets;
    ({ world, run, secrets, admin } = await appliedWorld("dev"));
    await admin.query(SEED);
    api = await Api.connect(world.target, secrets.postgresPassword, secrets.jwtSecret);
    tokens.anon = secrets.anonKey;
    tokens.service_role = secrets.serviceRoleKey;
    tokens.A = userToken(secrets.jwtSecret, A, "a@example.com");
    tokens.B = userToken(secrets.jwtSecret, B, "b@example.com");
});

afterAll(async () => {
    await api?.end();
    await admin?.end();
    await world?.pg.stop();
});

/** Maps returned keys back to seed labels; a key that was not seeded shows up as itself. */
function labels(table: keyof typeof ROWS, outcome: Outcome, key: string): string[] | { error: string } {
    if (!outcome.ok) return { error: outcome.message };
    const byKey = Object.fromEntries(Object.entries(ROWS[table]).map(([label, k]) => [k, label]));
    return outcome.rows.map((r) => byKey[r[key]] ?? r[key]).sort();
}
const sorted = (e: Expect) => (Array.isArray(e) ? [...e].sort() : e);

describe.each(CASES.map((c) => [`${c.schema}.${c.table}`, c] as const))("%s", (qualified, c) => {
    describe.each(WHO)("as %s", (who) => {
        const e = c.expect[who];
        it("select", async () => {
            expect(labels(c.table, await api.request(tokens[who], `select ${c.key} from ${qualified}`), c.key)).toEqual(sorted(e.select));
        });
        it("insert", async () => {
            const [sql, params] = c.insert(uidOf(who));
            const outcome = await api.request(tokens[who], sql, params);
            if (e.insert === "inserted") {
                expect(outcome.ok ? outcome.rowCount : outcome.message).toBe(1);
            } else {
                expect(outcome.ok ? outcome.rows : outcome.message).toBe((e.insert as { error: string }).error);
            }
        });
        it("update", async () => {
            const outcome = await api.request(tokens[who], `update ${qualified} set ${c.touch} returning ${c.key}`);
            expect(labels(c.table, outcome, c.key)).toEqual(sorted(e.update));
        });
        it("delete", async () => {
            const outcome = await api.request(tokens[who], `delete from ${qualified} returning ${c.key}`);
            expect(labels(c.table, outcome, c.key)).toEqual(sorted(e.delete));
        });
    });
});

describe("a user cannot write rows in someone else's name", () => {
    it.each(CASES.filter((c) => c.expect.A.insert === "inserted").map((c) => [`${c.schema}.${c.table}`, c] as const))("%s: A inserting a row owned by B", async (_name, c) => {
        const [sql, params] = c.insert(B);
        const outcome = await api.request(tokens.A, sql, params);
        expect(outcome.ok ? outcome.rows : outcome.message).toBe(rejected(c.table).error);
    });
    it("A cannot file a transaction under B's category", async () => {
        const outcome = await api.request(tokens.A, "insert into money_tracker.transactions (user_id, amount, category_id) values ($1, -1, $2)", [A, ROWS.categories.B_cat]);
        expect(outcome.ok ? outcome.rows : outcome.message).toBe(rejected("transactions").error);
    });
    it("A cannot move their transaction to B", async () => {
        const outcome = await api.request(tokens.A, "update money_tracker.transactions set user_id = $1 where id = $2", [B, ROWS.transactions.A_t1]);
        expect(outcome.ok ? outcome.rows : outcome.message).toBe(rejected("transactions").error);
    });
});

describe("one shared auth.users, isolated apps", () => {
    it("the same user sees only their own rows in each app", async () => {
        for (const [who, uid] of [["A", A], ["B", B]] as const) {
            const pages = await api.request(tokens[who], "select distinct author_id from home_portal.pages where not published");
            const money = await api.request(tokens[who], "select distinct user_id from money_tracker.transactions");
            expect(pages.ok && pages.rows.map((r) => r.author_id)).toEqual([uid]);
            expect(money.ok && money.rows.map((r) => r.user_id)).toEqual([uid]);
        }
    });

    it("an app's own service role reaches its schema only", async () => {
        const { jwtSecret } = stackSecrets(run);
        const token = userToken(jwtSecret, A, "backend@example.com", "money_tracker_service");
        const mine = await api.request(token, "select count(*)::int as n from money_tracker.transactions");
        expect(mine.ok && mine.rows[0].n).toBe(Object.keys(ROWS.transactions).length);
        const other = await api.request(token, "select 1 from home_portal.pages");
        expect(other.ok ? other.rows : other.message).toBe("permission denied for schema home_portal");
    });
});

const OBJECTS = {
    "home-portal-assets": { A_obj: `${A}/logo.png`, B_obj: `${B}/banner.png` },
    "money-tracker-receipts": { A_obj: `${A}/2026/receipt-1.pdf`, B_obj: `${B}/2026/receipt-2.pdf` },
};
const objectLabels = (bucket: keyof typeof OBJECTS, outcome: Outcome) => {
    if (!outcome.ok) return { error: outcome.message };
    const byName = Object.fromEntries(Object.entries(OBJECTS[bucket]).map(([l, n]) => [n, l]));
    return outcome.rows.map((r) => byName[r.name] ?? r.name).sort();
};

describe.each(Object.keys(OBJECTS) as (keyof typeof OBJECTS)[])("storage.objects in bucket %s", (bucket) => {
    const expectations: Record<Who, { select: string[]; insert: "inserted" | { error: string }; update: string[]; delete: string[] }> = {
        // No listing for anon even in the public bucket: public files are served by URL, not by query.
        anon: { select: [], insert: rejected("objects"), update: [], delete: [] },
        A: { select: ["A_obj"], insert: "inserted", update: ["A_obj"], delete: ["A_obj"] },
        B: { select: ["B_obj"], insert: "inserted", update: ["B_obj"], delete: ["B_obj"] },
        service_role: { select: ["A_obj", "B_obj"], insert: "inserted", update: ["A_obj", "B_obj"], delete: ["A_obj", "B_obj"] },
    };
    describe.each(WHO)("as %s", (who) => {
        const e = expectations[who];
        it("select", async () => {
            expect(objectLabels(bucket, await api.request(tokens[who], "select name from storage.objects where bucket_id = $1", [bucket]))).toEqual(e.select);
        });
        it("insert into the principal's own folder", async () => {
            const outcome = await api.request(tokens[who], "insert into storage.objects (bucket_id, name, owner) values ($1, $2, $3) returning name", [bucket, `${uidOf(who)}/new.png`, uidOf(who)]);
            if (e.insert === "inserted") expect(outcome.ok ? outcome.rowCount : outcome.message).toBe(1);
            else expect(outcome.ok ? outcome.rows : outcome.message).toBe(e.insert.error);
        });
        it("update", async () => {
            expect(objectLabels(bucket, await api.request(tokens[who], "update storage.objects set metadata = '{}' where bucket_id = $1 returning name", [bucket]))).toEqual(e.update);
        });
        it("delete", async () => {
            expect(objectLabels(bucket, await api.request(tokens[who], "delete from storage.objects where bucket_id = $1 returning name", [bucket]))).toEqual(e.delete);
        });
    });
    it("a user cannot upload into another user's folder", async () => {
        const outcome = await api.request(tokens.A, "insert into storage.objects (bucket_id, name, owner) values ($1, $2, $3)", [bucket, `${B}/sneaky.png`, A]);
        expect(outcome.ok ? outcome.rows : outcome.message).toBe(rejected("objects").error);
    });
});

// Catalog checks in the spirit of Supabase's splinter lints, over the schemas the API exposes.
// Each runs against the applied database (must find nothing) and, as a control, against the same
// database with one planted violation inside a rolled-back transaction (must find exactly it).
describe("lints on the applied database", () => {
    const exposed = () => run.resources.filter((r) => r.type === "postgresql:index/schema:Schema").map((r) => r.inputs.name as string).concat("public");

    const LINTS: Record<string, { sql: string; plant: string; finds: string }> = {
        "tables without RLS (0013)": {
            sql: `select n.nspname || '.' || c.relname as hit from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where c.relkind in ('r', 'p') and n.nspname = any($1) and not c.relrowsecurity`,
            plant: "create table money_tracker.planted (id int primary key)",
            finds: "money_tracker.planted",
        },
        "policies re-evaluating auth functions per row (0003)": {
            sql: `select schemaname || '.' || tablename || '/' || policyname as hit from pg_policies
                  where schemaname = any($1::text[] || '{storage}'::text[])
                    and (select count(*) from regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), '(auth\\.(uid|jwt|role|email)\\(\\)|current_setting\\()', 'g'))
                     <> (select count(*) from regexp_matches(coalesce(qual, '') || ' ' || coalesce(with_check, ''), 'SELECT (auth\\.(uid|jwt|role|email)\\(\\)|current_setting\\()', 'g'))`,
            plant: "create policy planted on money_tracker.budgets for select to authenticated using (user_id = auth.uid())",
            finds: "money_tracker.budgets/planted",
        },
        "foreign keys without a covering index (0001)": {
            sql: `select n.nspname || '.' || c.relname || '.' || a.attname as hit
                  from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
                  join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
                  where k.contype = 'f' and n.nspname = any($1)
                    and not exists (select 1 from pg_index i where i.indrelid = k.conrelid
                                    and (i.indkey::int2[])[0:array_length(k.conkey, 1) - 1] = k.conkey)`,
            plant: "alter table money_tracker.budgets add column planted uuid references auth.users (id)",
            finds: "money_tracker.budgets.planted",
        },
        "functions with a mutable search_path (0011)": {
            sql: `select n.nspname || '.' || p.proname as hit from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = any($1)
                    and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
                    and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')`,
            plant: "create function home_portal.planted() returns int language sql as 'select 1'",
            finds: "home_portal.planted",
        },
    };

    it.each(Object.entries(LINTS))("%s: none on the applied database, and the planted one is found", async (_name, lint) => {
        await admin.query("BEGIN");
        try {
            // An empty search_path makes the deparsed expressions show every schema name.
            await admin.query("SET LOCAL search_path = ''");
            const clean = await admin.query(lint.sql, [exposed()]);
            expect(clean.rows.map((r) => r.hit)).toEqual([]);
            await admin.query(lint.plant);
            const planted = await admin.query(lint.sql, [exposed()]);
            expect(planted.rows.map((r) => r.hit)).toEqual([lint.finds]);
        } finally {
            await admin.query("ROLLBACK");
        }
    });

    it("every owner column of the definitions leads an index", async () => {
        const { APP_DEFINITIONS } = await import("../../components/database/apps");
        const owners = Object.values(APP_DEFINITIONS).flatMap((app) => app.tables.filter((t) => t.ownerColumn).map((t) => [app.schema, t.name, t.ownerColumn!]));
        expect(owners.length).toBeGreaterThan(4);
        for (const [schema, table, column] of owners) {
            const indexed = await admin.query(
                `select count(*)::int as n from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                 where i.indrelid = to_regclass($1) and a.attname = $2`, [`${schema}.${table}`, column]);
            expect(indexed.rows[0].n, `${schema}.${table}.${column}`).toBeGreaterThan(0);
        }
    });

    it("the seed's extensions live in the extensions schema", async () => {
        const found = await admin.query("select e.extname, n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = any($1) order by 1",
            [["uuid-ossp", "pgcrypto", "pg_stat_statements", "pg_trgm"]]);
        expect(found.rows).toEqual(["pg_stat_statements", "pg_trgm", "pgcrypto", "uuid-ossp"].map((extname) => ({ extname, nspname: "extensions" })));
    });

    it("buckets carry the declared visibility, size limit and MIME types", async () => {
        const { APP_DEFINITIONS } = await import("../../components/database/apps");
        const declared = Object.values(APP_DEFINITIONS).flatMap((a) => a.buckets)
            .map((b) => ({ id: b.id, public: b.public, file_size_limit: String(b.fileSizeLimit), allowed_mime_types: b.allowedMimeTypes }))
            .sort((x, y) => x.id.localeCompare(y.id));
        const rows = await admin.query("select id, public, file_size_limit::text, allowed_mime_types from storage.buckets order by id");
        expect(rows.rows).toEqual(declared);
    });
});
