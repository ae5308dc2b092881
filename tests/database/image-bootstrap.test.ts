// PostgreSQL as the supabase/postgres image makes it (sandbox/image-bootstrap.ts, postgres-image.ts).
// Always, offline: migrate.sh's order and users on a throwaway image tree, the skip list's rules,
// and the fallback to bootstrap.sql with its one line. Where the image's sources are readable
// (tools/sources.ts), each release's real bootstrap: the roles, schemas and skips it leaves.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { checkReplayable, replayFiles, replayImage } from "../../sandbox/image-bootstrap";
import { ImageSkip, IMAGE_SKIPS } from "../../sandbox/image-skips";
import { PostgresImageSource, POSTGRES_IMAGE_SOURCES } from "../../sandbox/image-sources";
import { bootstrapFromImage, imageSourceFor, imageSourcesStatus, ImageBootstrap } from "../../sandbox/postgres-image";
import { messagePartitions } from "../../sandbox/realtime-tenant";
import { startPostgres, TestPostgres } from "../support/postgres";
import { startWorld } from "./support/world";

/** A minimal image tree: migrate.sh, one init script, one migration, the Dockerfile's two extras. */
function fakeImageTree(files: Record<string, string>): { dir: string; sha: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-image-"));
    const all: Record<string, string> = {
        "migrations/db/migrate.sh": "#!/bin/sh\n# a stand-in\n",
        "ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql": "create role pgbouncer;\n",
        "ansible/files/stat_extension.sql": "create schema if not exists extensions;\n",
        Dockerfile: [
            "COPY migrations/db /docker-entrypoint-initdb.d/",
            "COPY ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql /docker-entrypoint-initdb.d/init-scripts/00-schema.sql",
            "COPY ansible/files/stat_extension.sql /docker-entrypoint-initdb.d/migrations/00-extension.sql",
        ].join("\n"),
        ...files,
    };
    for (const [p, text] of Object.entries(all)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), text);
    }
    fs.mkdirSync(path.join(dir, "migrations/db/init-scripts"), { recursive: true });
    fs.mkdirSync(path.join(dir, "migrations/db/migrations"), { recursive: true });
    return { dir, sha: crypto.createHash("sha256").update(all["migrations/db/migrate.sh"]).digest("hex") };
}

const fakeSource = (sha: string, image: PostgresImageSource["image"] = "15.1.1.78"): PostgresImageSource => ({
    ...POSTGRES_IMAGE_SOURCES[image], ref: "fake", dockerfile: "Dockerfile", migrateShSha256: sha,
});

describe("the replay follows migrate.sh (offline, on a throwaway image tree)", () => {
    const tree = fakeImageTree({
        "migrations/db/init-scripts/00000000000000-initial-schema.sql": "create role supabase_admin superuser login;\ncreate role anon nologin;\n",
        "migrations/db/init-scripts/00000000000001-auth-schema.sql": "create schema auth authorization supabase_admin;\n",
        "migrations/db/migrations/10000000000000_demote-postgres.sql": "-- migrate:up\nalter role postgres nosuperuser;\n-- migrate:down\n",
        "migrations/db/migrations/20220118070449_needs-a-library.sql": "-- migrate:up\nalter role anon set statement_timeout = '3s';\ncreate extension no_such_extension;\n",
    });
    afterAll(() => fs.rmSync(tree.dir, { recursive: true, force: true }));

    it("runs the init scripts as postgres, sets supabase_admin's password, then the migrations as supabase_admin, in byte order", () => {
        const files = replayFiles(fakeSource(tree.sha), tree.dir, "pw'1").map((f) => `${f.user} ${f.name}`);
        expect(files).toEqual([
            "postgres init-scripts/00-schema.sql",
            "postgres init-scripts/00000000000000-initial-schema.sql",
            "postgres init-scripts/00000000000001-auth-schema.sql",
            "postgres migrate.sh (supabase_admin password)",
            "supabase_admin migrations/00-extension.sql",
            "supabase_admin migrations/10000000000000_demote-postgres.sql",
            "supabase_admin migrations/20220118070449_needs-a-library.sql",
            "supabase_admin migrate.sh (reset stats)",
        ]);
        expect(replayFiles(fakeSource(tree.sha), tree.dir, "pw'1")[3].sql).toBe("ALTER USER supabase_admin WITH PASSWORD 'pw''1'");
    });

    it("on an image whose bootstrap superuser is supabase_admin (17.x), first creates postgres as its migrate.sh does", () => {
        const [first] = replayFiles(fakeSource(tree.sha, "17.6.1.136"), tree.dir, "pw");
        expect(first).toMatchObject({ user: "supabase_admin", name: "migrate.sh (create postgres)" });
        expect(first.sql).toContain("create role postgres superuser login password 'pw';\n    alter database postgres owner to postgres;");
    });

    it("refuses a tree whose migrate.sh is not the one the replay follows, naming what to update", () => {
        expect(() => checkReplayable(fakeSource("0".repeat(64)), tree.dir)).toThrow(/migrate\.sh of supabase\/postgres at fake is not the script this replay follows .*update sandbox\/image-bootstrap\.ts/);
    });

    describe("on a real server", () => {
        let pg: TestPostgres;
        beforeAll(async () => {
            pg = await startPostgres();
        });
        afterAll(async () => pg?.stop());

        const skip: ImageSkip = {
            images: ["15.1.1.78"], file: "migrations/20220118070449_needs-a-library.sql",
            statement: /^create extension no_such_extension$/, reason: "not in these binaries",
        };

        it("skips exactly the listed statement, reports it with file, line and reason, and runs the rest as each role", async () => {
            const result = await replayImage(fakeSource(tree.sha), tree.dir, "pw", (role) => pg.connectAs(role), [skip]);
            expect(result.skipped).toEqual([{
                file: "migrations/20220118070449_needs-a-library.sql", line: 3, statement: "create extension no_such_extension", reason: "not in these binaries",
            }]);
            const c = await pg.connectAs("supabase_admin");
            const roles = await c.query("select rolname, rolsuper, (select array_agg(s) from unnest(rolconfig) s) as config from pg_roles where rolname in ('postgres', 'supabase_admin', 'anon') order by 1");
            expect(roles.rows).toEqual([
                { rolname: "anon", rolsuper: false, config: ["statement_timeout=3s"] },
                { rolname: "postgres", rolsuper: false, config: null },
                { rolname: "supabase_admin", rolsuper: true, config: null },
            ]);
            expect((await c.query("select nspowner::regrole::text as owner from pg_namespace where nspname = 'auth'")).rows).toEqual([{ owner: "supabase_admin" }]);
        });
    });

    describe("failures are loud", () => {
        let pg: TestPostgres;
        beforeAll(async () => {
            pg = await startPostgres();
        });
        afterAll(async () => pg?.stop());

        it("an error not in the skip list names the image, file, line and role, and how to list it", async () => {
            await expect(replayImage(fakeSource(tree.sha), tree.dir, "pw", (role) => pg.connectAs(role), [])).rejects.toThrow(
                /supabase\/postgres:15\.1\.1\.78 \(fake\) migrations\/20220118070449_needs-a-library\.sql:3 as supabase_admin failed: extension "no_such_extension" is not available[\s\S]*add it to sandbox\/image-skips\.ts/,
            );
        });
    });

    it("a skip rule that matches nothing is refused, so the list cannot outlive the scripts", async () => {
        const pg = await startPostgres();
        try {
            const stale: ImageSkip = { images: ["15.1.1.78"], file: "migrations/10000000000000_demote-postgres.sql", statement: /^drop everything$/, reason: "x" };
            await expect(replayImage(fakeSource(tree.sha), tree.dir, "pw", (role) => pg.connectAs(role), [skip(), stale]))
                .rejects.toThrow("sandbox/image-skips.ts: migrations/10000000000000_demote-postgres.sql /^drop everything$/ matched nothing in supabase/postgres:15.1.1.78; remove or correct it");
        } finally {
            await pg.stop();
        }
        function skip(): ImageSkip {
            return { images: ["15.1.1.78"], file: "migrations/20220118070449_needs-a-library.sql", statement: /no_such_extension/, reason: "r" };
        }
    });
});

describe("without the image's sources (as on a machine with neither the tools cache nor a snapshot)", () => {
    it("the database tests fall back to bootstrap.sql and say so in one line naming the repository, ref and command", async () => {
        const noTools = fs.mkdtempSync(path.join(os.tmpdir(), "no-tools-"));
        vi.stubEnv("SUPABASE_PLATFORM_TOOLS", noTools);
        vi.stubEnv("SUPABASE_PLATFORM_SOURCES", undefined);
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            const status = imageSourcesStatus("v0.8.2");
            expect(status.available).toBe(false);
            const world = await startWorld({ release: "v0.8.2" });
            try {
                expect(world.bootstrap.kind).toBe("fixture");
                expect(world.pg.major).toBe(17);
                const lines = warn.mock.calls.map((c) => String(c[0]));
                expect(lines).toHaveLength(1);
                expect(lines[0]).toMatch(/^database tests \(v0\.8\.2\): on the hand-written fixture\/bootstrap\.sql, not the supabase\/postgres image's scripts: missing the supabase\/postgres:17\.6\.1\.136 init scripts and migrations \(supabase\/postgres at f183a83f0bd0122c9dcc438f17a106533435c963\): .*git clone --bare https:\/\/github\.com\/supabase\/postgres/);
                const c = await world.pg.connect();
                expect((await c.query("select current_setting('server_version_num')::int / 10000 as major")).rows[0].major).toBe(17);
            } finally {
                await world.pg.stop();
            }
        } finally {
            warn.mockRestore();
            // unstubEnvs acts before the next test, which is after the next describe's beforeAll.
            vi.unstubAllEnvs();
            fs.rmSync(noTools, { recursive: true, force: true });
        }
    });
});

/** The skip list an image's replay must report, exactly. */
const EXPECTED_SKIPS: Record<string, string[]> = {
    "15.1.1.78": [
        "init-scripts/00000000000000-initial-schema.sql:22 create extension if not exists pgjwt            with schema extensions",
        "migrations/20220118070449_enable-safeupdate-postgrest.sql:2 ALTER ROLE authenticator SET session_preload_libraries = 'safeupdate'",
        "migrations/20230529180330_alter_api_roles_for_inherit.sql:7 GRANT pgsodium_keyholder to service_role",
    ],
    "17.6.1.136": [
        "migrations/20220118070449_enable-safeupdate-postgrest.sql:2 ALTER ROLE authenticator SET session_preload_libraries = 'safeupdate'",
    ],
};

for (const release of ["seed", "v0.8.2"] as const) {
    const source = imageSourceFor(release);
    const status = imageSourcesStatus(release);
    if (!status.available) console.log(`skipped: the real supabase/postgres:${source.image} bootstrap checks (${release}): ${status.missing}`);

    describe.runIf(status.available)(`release ${release}: PostgreSQL ${source.major} bootstrapped by supabase/postgres:${source.image}'s own scripts`, () => {
        let pg: TestPostgres;
        let result: ImageBootstrap;
        let admin: Client;
        const one = async (sql: string, params: unknown[] = []) => (await admin.query(sql, params)).rows[0];

        beforeAll(async () => {
            pg = await startPostgres({ major: source.major, bootstrapUser: source.bootstrapUser });
            result = await bootstrapFromImage({ release, password: pg.password, connect: (role) => pg.connectAs(role), realtime: true });
            admin = await pg.connectAs("supabase_admin");
        });
        afterAll(async () => pg?.stop());

        it(`runs PostgreSQL ${source.major}, with ${source.bootstrapUser} as initdb's bootstrap superuser (the image's POSTGRES_USER)`, async () => {
            expect((await one("select current_setting('server_version_num')::int / 10000 as major")).major).toBe(source.major);
            expect((await one("select rolname from pg_roles where oid = 10")).rolname).toBe(source.bootstrapUser);
        });

        it("supabase_admin is the superuser; postgres is demoted by the image's 10000000000000_demote-postgres.sql on both images", async () => {
            // The demote migration runs as supabase_admin. PostgreSQL 15 lets it demote even the
            // bootstrap user (15.1.1.78's POSTGRES_USER is postgres); 16+ refuses that, which is
            // why 17.x bootstraps as supabase_admin. Either way postgres ends up NOSUPERUSER.
            const roles = await admin.query("select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin from pg_roles where rolname in ('postgres', 'supabase_admin') order by 1");
            expect(roles.rows).toEqual([
                { rolname: "postgres", rolsuper: false, rolcreaterole: true, rolcreatedb: true, rolreplication: true, rolbypassrls: true, rolcanlogin: true },
                { rolname: "supabase_admin", rolsuper: true, rolcreaterole: true, rolcreatedb: true, rolreplication: true, rolbypassrls: true, rolcanlogin: true },
            ]);
        });

        it("makes the auth, storage and realtime schemas (owned by supabase_admin) and the empty supabase_realtime publication", async () => {
            const schemas = await admin.query("select nspname, nspowner::regrole::text as owner from pg_namespace where nspname in ('auth', 'storage', 'realtime', 'extensions', 'graphql_public') order by 1");
            expect(schemas.rows).toEqual([
                { nspname: "auth", owner: "supabase_admin" },
                { nspname: "extensions", owner: "postgres" },
                { nspname: "graphql_public", owner: "supabase_admin" },
                { nspname: "realtime", owner: "supabase_admin" },
                { nspname: "storage", owner: "supabase_admin" },
            ]);
            expect((await one("select count(*)::int as n from pg_publication where pubname = 'supabase_realtime'")).n).toBe(1);
            // auth.users comes from the image's init script, owned by GoTrue's role.
            expect((await one("select relowner::regrole::text as owner from pg_class where oid = 'auth.users'::regclass")).owner).toBe("supabase_auth_admin");
            // 15.1.1.78's storage init script creates Storage's first tables; 17.x leaves them to the storage service.
            expect((await one("select to_regclass('storage.buckets') is not null as x")).x).toBe(source.major === 15);
        });

        it("skips exactly the statements the skip list names, and reports each", () => {
            expect(result.skipped.map((s) => `${s.file}:${s.line} ${s.statement}`)).toEqual(EXPECTED_SKIPS[source.image]);
            expect(result.skipped.every((s) => IMAGE_SKIPS.some((rule) => rule.reason === s.reason))).toBe(true);
            expect(result.skew === undefined).toBe(source.ref === source.image);
        });

        it("authenticator logs in (the skipped safeupdate preload would refuse every login here)", async () => {
            await pg.connectAs("authenticator");
        });

        it("Realtime's tenant dump makes realtime.messages, partitioned, with today's partitions owned by supabase_realtime_admin", async () => {
            expect(result.realtimeRef).toBe("v2.129.8");
            expect((await one("select relkind::text, relowner::regrole::text as owner from pg_class where oid = 'realtime.messages'::regclass"))).toEqual({ relkind: "p", owner: "supabase_realtime_admin" });
            const parts = await admin.query("select c.relname, c.relowner::regrole::text as owner from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'realtime.messages'::regclass order by 1");
            expect(parts.rows).toEqual(messagePartitions().map((p) => ({ relname: p.name, owner: "supabase_realtime_admin" })));
            expect((await one("select count(*)::int as n from realtime.schema_migrations")).n).toBeGreaterThan(70);
        });
    });
}
