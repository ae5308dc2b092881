// Issue #11: storage-api < v0.48.3 lets user A move their object into user B's folder, because
// the destination row is written as the service role. The SQL the service sends (support/
// storage-api.ts, read from its source) is replayed against the program's real database layer:
// the attack is refused by the move guard, and the owner's own operations still pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "pg";
import { ProgramRun } from "../../offline/engine";
import { Principal, Request, StorageReplay } from "./support/storage-api";
import { userToken } from "./support/session";
import { appliedWorld, connectAs, StackSecrets, World } from "./support/world";
import { runStack } from "../support/program";
import * as jwt from "jsonwebtoken";

const A = "a0000000-0000-4000-8000-00000000000a";
const B = "b0000000-0000-4000-8000-00000000000b";
const BUCKETS = ["home-portal-assets", "money-tracker-receipts"];
const RLS_REFUSAL = 'new row violates row-level security policy for table "objects"';

let world: World;
let run: ProgramRun;
let admin: Client;
let storageLogin: Client;
let storage: StorageReplay;
const principals = {} as Record<"A" | "B" | "service", Principal>;

const principal = (token: string): Principal => ({ jwt: token, payload: jwt.decode(token) as Principal["payload"] });
const request = (who: keyof typeof principals, method: string, path: string): Request =>
    ({ method, path, user: principals[who], superUser: principals.service });
const move = (who: keyof typeof principals, path = "/object/move") => request(who, "POST", path);

async function objects(bucket: string): Promise<{ name: string; owner: string | null }[]> {
    const rows = await admin.query("select name, owner::text from storage.objects where bucket_id = $1 order by name", [bucket]);
    return rows.rows;
}

async function seed(bucket: string): Promise<void> {
    await admin.query("delete from storage.objects where bucket_id = $1", [bucket]);
    await admin.query("insert into storage.objects (bucket_id, name, owner, owner_id, version) values ($1, $2, $3::uuid, $3::text, 'v1'), ($1, $4, $5::uuid, $5::text, 'v1')",
        [bucket, `${A}/logo.png`, A, `${B}/banner.png`, B]);
}

beforeAll(async () => {
    let secrets: StackSecrets;
    ({ world, run, secrets, admin } = await appliedWorld("dev"));
    await admin.query("insert into auth.users (id, aud, role, email) values ($1, 'authenticated', 'authenticated', 'a@example.com'), ($2, 'authenticated', 'authenticated', 'b@example.com')", [A, B]);
    // storage-api logs in as supabase_storage_admin (its DATABASE_URL) and switches role per request.
    storageLogin = await connectAs(world, "supabase_storage_admin", secrets.postgresPassword);
    storage = await StorageReplay.connect(storageLogin);
    principals.A = principal(userToken(secrets.jwtSecret, A, "a@example.com"));
    principals.B = principal(userToken(secrets.jwtSecret, B, "b@example.com"));
    principals.service = principal(secrets.serviceRoleKey);
});

afterAll(async () => {
    await storageLogin?.end();
    await admin?.end();
    await world?.pg.stop();
});

describe.each(BUCKETS)("bucket %s, storage-api v0.43.11", (bucket) => {
    beforeAll(() => seed(bucket));

    it("A's move into B's folder is refused, and nothing changes", async () => {
        const outcome = await storage.moveV043(move("A"), bucket, `${A}/logo.png`, `${B}/logo.png`);
        expect(outcome).toMatchObject({ ok: false, code: "42501", message: RLS_REFUSAL });
        expect(await objects(bucket)).toEqual([{ name: `${A}/logo.png`, owner: A }, { name: `${B}/banner.png`, owner: B }]);
    });

    it("the final superuser step alone is refused too (the guard does not rely on the pre-check)", async () => {
        expect(await storage.moveV043FinalStep(move("A"), bucket, `${A}/logo.png`, `${B}/x.png`)).toMatchObject({ ok: false, code: "42501" });
    });

    it.each([
        ["percent-encoded", "/object/mov%65"],
        ["with a query string", "/object/move?x=1"],
        ["with a trailing slash", "/object/move/"],
        ["unstripped gateway prefix", "/storage/v1/object/move"],
        // Issue 20 item 1: what Fastify 4's router (find-my-way 7.6, storage-api v0.43.11) also
        // dispatches to the move handler, while request.path holds the raw request.url.
        ["in absolute form (find-my-way strips ^https?://host/)", "http://storage.internal/object/move"],
        ["in absolute form over https with a port", "https://x:1/object/move?y=1"],
        ["cut at a fragment (find-my-way splits at ?, ; and #)", "/object/move#x"],
        ["cut at a semicolon", "/object/move;x=1"],
    ])("the route %s is still recognised as a move", async (_how, path) => {
        expect(await storage.moveV043(move("A", path), bucket, `${A}/logo.png`, `${B}/logo.png`)).toMatchObject({ ok: false, code: "42501" });
    });

    it("A cannot move into the bucket root either (only the service role writes there)", async () => {
        expect(await storage.moveV043(move("A"), bucket, `${A}/logo.png`, "logo.png")).toMatchObject({ ok: false, code: "42501" });
    });

    it("B cannot take A's object into B's folder (the source check under RLS refuses it)", async () => {
        const outcome = await storage.moveV043(move("B"), bucket, `${A}/logo.png`, `${B}/stolen.png`);
        expect(outcome.ok).toBe(false);
        expect(await objects(bucket)).toHaveLength(2);
    });

    it("A moves within A's own folder, and keeps ownership (the service alone would write NULL)", async () => {
        expect(await storage.moveV043(move("A"), bucket, `${A}/logo.png`, `${A}/img/logo.png`)).toEqual({ ok: true });
        expect(await objects(bucket)).toEqual([{ name: `${A}/img/logo.png`, owner: A }, { name: `${B}/banner.png`, owner: B }]);
        expect(await storage.moveV043(move("A"), bucket, `${A}/img/logo.png`, `${A}/logo.png`)).toEqual({ ok: true });
    });

    it("the service role still moves anywhere", async () => {
        expect(await storage.moveV043(move("service"), bucket, `${B}/banner.png`, `${A}/banner.png`)).toEqual({ ok: true });
        expect(await storage.moveV043(move("service"), bucket, `${A}/banner.png`, `${B}/banner.png`)).toEqual({ ok: true });
        // The service key has no user, so the row comes back without an owner, as upstream writes it.
        expect(await objects(bucket)).toEqual([{ name: `${A}/logo.png`, owner: A }, { name: `${B}/banner.png`, owner: null }]);
        await seed(bucket);
    });

    describe("A's other operations are untouched", () => {
        const path = `/object/${bucket}/${A}/new.png`;
        it("upload", async () => {
            expect(await storage.uploadNew(request("A", "POST", path), bucket, `${A}/new.png`)).toEqual({ ok: true });
        });
        it("upsert and update (PUT) of the own object", async () => {
            expect(await storage.uploadOverriding(request("A", "POST", path), bucket, `${A}/new.png`)).toEqual({ ok: true });
            expect(await storage.uploadOverriding(request("A", "PUT", path), bucket, `${A}/new.png`)).toEqual({ ok: true });
        });
        it("copy within A's folder", async () => {
            expect(await storage.copy(request("A", "POST", "/object/copy"), bucket, `${A}/new.png`, `${A}/copy.png`)).toEqual({ ok: true });
        });
        it("delete", async () => {
            expect(await storage.remove(request("A", "DELETE", `/object/${bucket}/${A}/copy.png`), bucket, `${A}/copy.png`)).toEqual({ ok: true });
            expect(await storage.remove(request("A", "DELETE", path), bucket, `${A}/new.png`)).toEqual({ ok: true });
        });
        it("an upload whose type is exactly one the bucket allows is stored; a crafted one that storage's own check lets through is refused (issue 20 item 2)", async () => {
            // v0.43.11 compares only the first two '/'-separated parts (src/storage/uploader.ts:227-249).
            expect(await storage.uploadNew(request("A", "POST", path), bucket, `${A}/typed.png`, "image/jpeg")).toEqual({ ok: true });
            for (const [i, crafted] of ["image/png/html", "image/png/../../text/html", "text/html"].entries()) {
                const outcome = await storage.uploadNew(request("A", "POST", path), bucket, `${A}/crafted-${i}.html`, crafted);
                expect(outcome, crafted).toMatchObject({ ok: false, code: "22023" });
            }
            expect((await objects(bucket)).map((o) => o.name).filter((n) => n.includes("crafted"))).toEqual([]);
            await storage.remove(request("A", "DELETE", path), bucket, `${A}/typed.png`);
        });
        it("while copying or uploading into B's folder stays refused by the bucket policies", async () => {
            expect(await storage.copy(request("A", "POST", "/object/copy"), bucket, `${A}/logo.png`, `${B}/copy.png`)).toMatchObject({ ok: false, code: "42501" });
            expect(await storage.uploadNew(request("A", "POST", `/object/${bucket}/${B}/x.png`), bucket, `${B}/x.png`)).toMatchObject({ ok: false, code: "42501" });
        });
    });

    it("control: without the guard the same SQL moves A's file into B's folder with owner NULL", async () => {
        await withoutGuard(async () => {
            expect(await storage.moveV043(move("A"), bucket, `${A}/logo.png`, `${B}/evil.png`)).toEqual({ ok: true });
            expect(await objects(bucket)).toEqual([{ name: `${B}/banner.png`, owner: B }, { name: `${B}/evil.png`, owner: null }]);
        });
        await seed(bucket);
    });
});

/** Runs fn with the guard's trigger dropped (committed: the replay has its own transactions), then restores it. */
async function withoutGuard(fn: () => Promise<void>): Promise<void> {
    await admin.query("drop trigger platform_guard_object_move on storage.objects");
    try {
        await fn();
    } finally {
        await admin.query("create trigger platform_guard_object_move before insert or update of name, bucket_id on storage.objects for each row execute function storage.platform_guard_object_move()");
    }
}

describe("storage-api v0.48.3 (the upstream fix) needs no guard", () => {
    it("the program declares the guard only for versions before v0.48.3", async () => {
        const guards = (r: ProgramRun) => r.resources.filter((x) => x.type === "pulumi-nodejs:dynamic/database:StorageMoveGuard").length;
        expect(guards(run)).toBe(1);
        expect(guards(await runStack("dev", { overrides: { storageImage: "supabase/storage-api:v0.48.3" } }))).toBe(0);
        expect(guards(await runStack("dev", { overrides: { storageImage: "supabase/storage-api:v0.48.2" } }))).toBe(1);
    });

    it("its move checks the destination under the user's RLS: into B's folder refused, within A's allowed", async () => {
        const bucket = BUCKETS[0];
        await seed(bucket);
        await withoutGuard(async () => {
            expect(await storage.moveV048(move("A"), bucket, `${A}/logo.png`, `${B}/logo.png`)).toMatchObject({ ok: false, code: "42501", message: RLS_REFUSAL });
            expect(await storage.moveV048(move("A"), bucket, `${A}/logo.png`, `${A}/moved.png`)).toEqual({ ok: true });
            expect(await objects(bucket)).toEqual([{ name: `${A}/moved.png`, owner: A }, { name: `${B}/banner.png`, owner: B }]);
        });
    });
});
