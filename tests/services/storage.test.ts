// The real storage-api of each release, started with the env the program renders, after GoTrue's
// and its own migrations and the program's database layer (tests/services/stack.ts), with two
// GoTrue users and anon: the cross-user matrix over the operations the client library exposes
// (upload, update, download, list, sign, copy, move, remove), the move route spelled as a raw HTTP
// client can (item 1), the owners' own operations, the control with the guard dropped, and the
// public bucket with crafted content types (item 2) as the gateway serves them.
import * as net from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KongDeclarativeConfig, parseKongYaml } from "../../components/services/kong/declarative-config";
import { MIME_GUARD_TRIGGER, MOVE_GUARD_SQL, MOVE_GUARD_TRIGGER } from "../../components/database/providers/move-guard";
import { RELEASE_NAMES, Release } from "../../releases";
import { simulateKong } from "../support/kong";
import { findManifest } from "../support/program";
import { bucketProvider } from "../../components/database/providers/bucket";
import { DbConnection } from "../../components/database/providers/connection";
import { retarget } from "../database/support/apply";
import { connectAs } from "../database/support/world";
import { connectionsOf, http, observe, present, printObservations, SERVICE_BUILDS } from "./support/services";
import { ServiceStack, startStack } from "./stack";
import { storageMoveUnsafe } from "../../components/services/storage/env";

const PASSWORD = "correct-horse-battery-staple";
const PRIVATE = "money-tracker-receipts";
const PUBLIC = "home-portal-assets";
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c1d1f40000000049454e44ae426082", "hex");

for (const release of RELEASE_NAMES) {
    const b = SERVICE_BUILDS[release];
    if (!present(b.storage.binary) || !present(b.gotrue.binary)) {
        console.log(`services tier (${release}): storage checks not run: ${!present(b.storage.binary) ? `no storage ${b.storage.version}` : `no gotrue ${b.gotrue.version}`} build; build it with: npm run tools -- --only ${!present(b.storage.binary) ? b.storage.component : b.gotrue.component}`);
    }
}
afterAll(() => printObservations());

/** One HTTP/1.1 request with the request-target exactly as given (fetch normalises it). */
function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let data = "";
        socket.on("data", (d) => (data += d));
        socket.on("error", reject);
        socket.on("end", () => {
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
            resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
        });
        const lines = [`${method} ${target} HTTP/1.1`, "host: 127.0.0.1", "connection: close", `content-length: ${Buffer.byteLength(body)}`,
            ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
        socket.write(lines.join("\r\n") + "\r\n\r\n" + body);
    });
}

describe.each(RELEASE_NAMES.filter((r) => present(SERVICE_BUILDS[r].storage.binary) && present(SERVICE_BUILDS[r].gotrue.binary)))("release %s: real storage-api", (release: Release) => {
    let s: ServiceStack;
    let kong: KongDeclarativeConfig;
    const token: Record<"A" | "B" | "anon" | "service", string> = { A: "", B: "", anon: "", service: "" };
    const id: Record<"A" | "B", string> = { A: "", B: "" };
    const auth = (who: keyof typeof token) => ({ authorization: `Bearer ${token[who]}`, apikey: token.anon });
    const st = (method: string, route: string, who: keyof typeof token, body?: unknown, raw?: { body: string | Uint8Array; contentType: string }) =>
        http(s.storage!.url, method, route, auth(who), body, raw);
    const upload = (who: keyof typeof token, bucket: string, key: string, contentType = "image/png", body: string | Uint8Array = PNG) =>
        st("POST", `/object/${bucket}/${key}`, who, undefined, { body, contentType });
    /** storage answers refusals with HTTP 400 and the real status in the body (README, Storage). */
    const refused = (r: { status: number; json: any }) => r.status >= 400 && r.status < 500;
    const rows = async (bucket: string) =>
        (await s.admin.query("select name, owner::text as owner from storage.objects where bucket_id = $1 order by name", [bucket])).rows;
    const guarded = () => storageMoveUnsafe(findManifest(s.run, "Deployment", "storage").spec.template.spec.containers[0].image);

    beforeAll(async () => {
        s = await startStack(release);
        kong = parseKongYaml(findManifest(s.run, "Secret", "kong-config").stringData["kong.yml"]);
        token.anon = s.secrets.anonKey;
        token.service = s.secrets.serviceRoleKey;
        const admin = { apikey: token.service, authorization: `Bearer ${token.service}` };
        for (const who of ["A", "B"] as const) {
            const email = `storage-${who.toLowerCase()}-${release}@example.com`;
            const created = await http(s.gotrue.url, "POST", "/admin/users", admin, { email, password: PASSWORD, email_confirm: true });
            expect(created.status, JSON.stringify(created.json)).toBe(200);
            const t = await http(s.gotrue.url, "POST", "/token?grant_type=password", { apikey: token.anon }, { email, password: PASSWORD });
            token[who] = t.json.access_token;
            id[who] = created.json.id;
        }
    });
    afterAll(async () => {
        await s?.stop();
    });

    it("runs the release's storage tag with the rendered env, its migrations done, and the gateway routes /storage/v1 to it", async () => {
        const version = await http(s.storage!.url, "GET", "/version");
        const migrations = await s.admin.query("select count(*)::int as n from storage.migrations");
        expect(migrations.rows[0].n).toBeGreaterThan(5);
        const route = simulateKong(kong, { path: "/storage/v1/object/move", apikey: token.anon });
        expect(route).toMatchObject({ status: 200, service: expect.stringMatching(/storage/) });
        observe({ release, flow: `storage ${SERVICE_BUILDS[release].storage.version} (pinned ${SERVICE_BUILDS[release].storage.pinned}) starts and migrates`, expected: "migrations run, /storage/v1 routed", observed: `version ${JSON.stringify(version.json)}, ${migrations.rows[0].n} migrations` });
    });

    it("owners' own operations work: upload, update, download, list, sign, copy and move within their folder, remove", async () => {
        const out: string[] = [];
        const step = async (name: string, p: Promise<{ status: number; json: any }>) => {
            const r = await p;
            out.push(`${name} ${r.status}`);
            expect(r.status, `${name}: ${JSON.stringify(r.json)}`).toBe(200);
            return r;
        };
        await step("upload", upload("A", PRIVATE, `${id.A}/r1.png`));
        await step("update", st("PUT", `/object/${PRIVATE}/${id.A}/r1.png`, "A", undefined, { body: PNG, contentType: "image/png" }));
        await step("download", st("GET", `/object/authenticated/${PRIVATE}/${id.A}/r1.png`, "A"));
        const list = await step("list", st("POST", `/object/list/${PRIVATE}`, "A", { prefix: `${id.A}/` }));
        expect((list.json as { name: string }[]).map((o) => o.name)).toContain("r1.png");
        await step("sign", st("POST", `/object/sign/${PRIVATE}/${id.A}/r1.png`, "A", { expiresIn: 60 }));
        await step("copy", st("POST", "/object/copy", "A", { bucketId: PRIVATE, sourceKey: `${id.A}/r1.png`, destinationKey: `${id.A}/r2.png` }));
        await step("move", st("POST", "/object/move", "A", { bucketId: PRIVATE, sourceKey: `${id.A}/r2.png`, destinationKey: `${id.A}/sub/r2.png` }));
        await step("remove", st("DELETE", `/object/${PRIVATE}`, "A", { prefixes: [`${id.A}/sub/r2.png`] }));
        await upload("B", PRIVATE, `${id.B}/b1.png`);
        observe({ release, flow: "owner A: upload, update, download, list, sign, copy, move, remove in own folder", expected: "all 200", observed: out.join(", ") });
    });

    it("cross-user matrix: A and anon reach nothing of B's", async () => {
        const attempts: [string, () => Promise<{ status: number; json: any }>][] = [
            ["A uploads into B's folder", () => upload("A", PRIVATE, `${id.B}/x.png`)],
            ["A updates B's file", () => st("PUT", `/object/${PRIVATE}/${id.B}/b1.png`, "A", undefined, { body: PNG, contentType: "image/png" })],
            ["A downloads B's file", () => st("GET", `/object/authenticated/${PRIVATE}/${id.B}/b1.png`, "A")],
            ["A signs a URL for B's file", () => st("POST", `/object/sign/${PRIVATE}/${id.B}/b1.png`, "A", { expiresIn: 60 })],
            ["A copies B's file to A's folder", () => st("POST", "/object/copy", "A", { bucketId: PRIVATE, sourceKey: `${id.B}/b1.png`, destinationKey: `${id.A}/stolen.png` })],
            ["A copies own file into B's folder", () => st("POST", "/object/copy", "A", { bucketId: PRIVATE, sourceKey: `${id.A}/r1.png`, destinationKey: `${id.B}/planted.png` })],
            ["A moves B's file to A's folder", () => st("POST", "/object/move", "A", { bucketId: PRIVATE, sourceKey: `${id.B}/b1.png`, destinationKey: `${id.A}/taken.png` })],
            ["anon uploads into B's folder", () => upload("anon", PRIVATE, `${id.B}/anon.png`)],
            ["anon downloads B's file", () => st("GET", `/object/authenticated/${PRIVATE}/${id.B}/b1.png`, "anon")],
            ["anon signs a URL for B's file", () => st("POST", `/object/sign/${PRIVATE}/${id.B}/b1.png`, "anon", { expiresIn: 60 })],
        ];
        for (const [name, attempt] of attempts) {
            const r = await attempt();
            expect(refused(r), `${name}: ${r.status} ${JSON.stringify(r.json)}`).toBe(true);
            observe({ release, flow: name, expected: "refused", observed: `${r.status} ${typeof r.json === "object" ? `statusCode ${r.json.statusCode ?? "-"}` : ""}`.trim() });
        }
        // Listing and removing are filtered rather than refused: nothing of B's shows or goes.
        const list = await st("POST", `/object/list/${PRIVATE}`, "A", { prefix: `${id.B}/` });
        expect(list.json).toEqual([]);
        const removed = await st("DELETE", `/object/${PRIVATE}`, "A", { prefixes: [`${id.B}/b1.png`] });
        expect(removed.json).toEqual([]);
        const anonList = await st("POST", `/object/list/${PRIVATE}`, "anon", { prefix: `${id.B}/` });
        expect(anonList.json).toEqual([]);
        expect(await rows(PRIVATE)).toEqual(expect.arrayContaining([{ name: `${id.B}/b1.png`, owner: id.B }]));
        expect((await rows(PRIVATE)).filter((r) => r.name.startsWith(id.B)).map((r) => r.name)).toEqual([`${id.B}/b1.png`]);
        observe({ release, flow: "A lists / removes B's files; anon lists", expected: "empty, nothing removed, empty", observed: `${JSON.stringify(list.json)}, ${JSON.stringify(removed.json)}, ${JSON.stringify(anonList.json)}` });
    });

    it("A cannot move own file into B's folder by any spelling of the move route a raw HTTP client can send", async () => {
        const body = (dest: string) => JSON.stringify({ bucketId: PRIVATE, sourceKey: `${id.A}/r1.png`, destinationKey: `${id.B}/${dest}` });
        const headers = { ...auth("A"), "content-type": "application/json" };
        const variants = ["/object/move", "/object/move?x=1", "/object/move#x", "/object/move;x", "http://storage/object/move", "https://h:1/object/move", "//object/move", "/object/mov%65", "/object/move/", "/Object/move"];
        for (const [i, target] of variants.entries()) {
            const r = await rawRequest(s.storage!.port, "POST", target, headers, body(`moved-${i}.png`));
            const landed = (await rows(PRIVATE)).some((row) => row.name === `${id.B}/moved-${i}.png`);
            expect(landed, `${target}: ${r.status} ${r.body}`).toBe(false);
            observe({ release, flow: `A moves own file into B's folder via POST ${target}`, expected: "not moved", observed: `${r.status}, ${landed ? "MOVED" : "not moved"}` });
        }
        expect((await rows(PRIVATE)).some((r) => r.name === `${id.A}/r1.png`)).toBe(true);
    });

    it("control: with the guard dropped, the move attack succeeds where storage-api has the hole (seed), and not where it is fixed", async () => {
        const hadGuard = (await s.admin.query("select 1 from pg_trigger where tgname = $1", [MOVE_GUARD_TRIGGER])).rowCount === 1;
        expect(hadGuard).toBe(guarded());
        if (hadGuard) await s.admin.query(`drop trigger ${MOVE_GUARD_TRIGGER} on storage.objects`);
        try {
            const r = await st("POST", "/object/move", "A", { bucketId: PRIVATE, sourceKey: `${id.A}/r1.png`, destinationKey: `${id.B}/control.png` });
            const moved = (await rows(PRIVATE)).find((row) => row.name === `${id.B}/control.png`);
            if (release === "seed") {
                expect(r.status).toBe(200);
                expect(moved).toBeDefined();
            } else {
                expect(refused(r)).toBe(true);
                expect(moved).toBeUndefined();
            }
            observe({ release, flow: "control: A moves own file into B's folder with no guard", expected: release === "seed" ? "moved (the v0.43.11 hole)" : "refused by storage itself", observed: `${r.status}, ${moved ? `moved, owner ${moved.owner ?? "NULL"}` : "not moved"}` });
        } finally {
            if (hadGuard) await s.admin.query(MOVE_GUARD_SQL);
        }
    });

    it("control for item 1: with the guard's route match as it was before this fix, the absolute-form and '#' spellings move the file", async () => {
        if (!guarded()) {
            // This storage has the service's own move check (v0.48.3 and later); no guard is installed.
            expect((await s.admin.query("select 1 from pg_trigger where tgname = $1", [MOVE_GUARD_TRIGGER])).rowCount).toBe(0);
            return;
        }
        // The previous normalisation cut only at ? and ; (components/database/providers/move-guard.ts before issue 20).
        const current = "  route := regexp_replace(route, '^[a-z][a-z0-9+.-]*://[^/]*', '');\n  route := split_part(split_part(split_part(route, '?', 1), ';', 1), '#', 1);";
        expect(MOVE_GUARD_SQL).toContain(current);
        const previous = MOVE_GUARD_SQL.replace(current, "  route := split_part(split_part(route, '?', 1), ';', 1);");
        await s.admin.query(previous);
        const headers = { ...auth("A"), "content-type": "application/json" };
        try {
            for (const [i, target] of ["http://storage/object/move", "/object/move#x"].entries()) {
                await upload("A", PRIVATE, `${id.A}/prev-${i}.png`);
                const r = await rawRequest(s.storage!.port, "POST", target, headers, JSON.stringify({ bucketId: PRIVATE, sourceKey: `${id.A}/prev-${i}.png`, destinationKey: `${id.B}/prev-${i}.png` }));
                const moved = (await rows(PRIVATE)).find((row) => row.name === `${id.B}/prev-${i}.png`);
                expect(r.status, r.body).toBe(200);
                expect(moved).toBeDefined();
                observe({ release, flow: `control: previous guard, A moves own file into B's folder via POST ${target}`, expected: "moved (the gap)", observed: `${r.status}, moved, owner ${moved?.owner ?? "NULL"}` });
            }
        } finally {
            await s.admin.query(MOVE_GUARD_SQL);
        }
    });

    it("buckets through the program's provider: storage serves them as declared; removal keeps them; the storage API deletes an emptied one", async () => {
        const declared = s.run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/database:Bucket");
        expect(declared.length).toBeGreaterThan(0);
        for (const r of declared) {
            const got = await st("GET", `/bucket/${r.inputs.bucketId}`, "service");
            expect(got.status, JSON.stringify(got.json)).toBe(200);
            expect({ public: got.json.public, limit: Number(got.json.file_size_limit), types: [...(got.json.allowed_mime_types ?? [])].sort() })
                .toEqual({ public: r.inputs.public, limit: r.inputs.fileSizeLimit, types: [...r.inputs.allowedMimeTypes].sort() });
        }
        // A bucket the provider creates, as `pulumi up` would, then a file in it.
        const connection = retarget(declared[0].inputs, s.world.target).connection as DbConnection;
        const bucketId = `svc-tier-${release.replace(/\./g, "-")}`;
        await bucketProvider.create!({ connection, bucketId, public: false, fileSizeLimit: 1024 * 1024, allowedMimeTypes: ["image/png"] });
        expect((await st("GET", `/bucket/${bucketId}`, "service")).status).toBe(200);
        // Leaving the program deletes nothing: the provider has no delete (retainOnDelete in app.ts).
        expect(bucketProvider.delete).toBeUndefined();
        // A direct delete of the (still empty) bucket's row, rolled back: storage v1 refuses it
        // (migrations/tenant/0055-prevent-direct-deletes.sql, protect_buckets_delete, since v1.35.0).
        await s.admin.query("begin");
        const direct = await s.admin.query("delete from storage.buckets where id = $1", [bucketId]).then(() => "deleted", (e: Error) => e.message)
            .finally(() => s.admin.query("rollback"));
        expect((await upload("service", bucketId, "f.png")).status).toBe(200);
        // Through the storage API, with the service role: empty, then delete.
        const emptied = await st("POST", `/bucket/${bucketId}/empty`, "service");
        const deleted = await st("DELETE", `/bucket/${bucketId}`, "service");
        expect(emptied.status, JSON.stringify(emptied.json)).toBe(200);
        expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
        expect((await s.admin.query("select 1 from storage.buckets where id = $1", [bucketId])).rowCount).toBe(0);
        expect(direct).toBe(release === "seed" ? "deleted" : "Direct deletion from storage tables is not allowed. Use the Storage API instead.");
        observe({ release, flow: "bucket: provider create, storage serves it; provider delete; direct SQL delete; storage API empty + delete", expected: release === "seed" ? "served; no delete; allowed; 200, 200" : "served; no delete; refused; 200, 200", observed: `served; ${bucketProvider.delete ? "delete" : "no delete"}; ${direct === "deleted" ? "allowed" : `refused (${direct.slice(0, 60)})`}; ${emptied.status}, ${deleted.status}` });
    });

    it("holds no more connections than the pool the budget counts, under concurrent requests (storage and GoTrue)", async () => {
        const watcher = await connectAs(s.world, "supabase_admin", s.secrets.postgresPassword);
        try {
            const peakOf = async (role: string, load: () => Promise<unknown>[]) => {
                let peak = 0;
                let done = false;
                const all = Promise.all(load()).finally(() => (done = true));
                while (!done) {
                    peak = Math.max(peak, await connectionsOf(watcher, role));
                    await new Promise((r) => setTimeout(r, 20));
                }
                await all;
                return Math.max(peak, await connectionsOf(watcher, role));
            };
            const storagePool = Number(s.storageEnv!.DATABASE_MAX_CONNECTIONS);
            const storagePeak = await peakOf("supabase_storage_admin", () => Array.from({ length: 40 }, () => st("POST", `/object/list/${PRIVATE}`, "A", { prefix: `${id.A}/` })));
            // The pool, plus storage's migration client (components/configured-budget.ts STORAGE_MIGRATION_CLIENT).
            expect(storagePeak).toBeLessThanOrEqual(storagePool + 1);
            const gotruePool = Number(s.gotrueEnv.GOTRUE_DB_MAX_POOL_SIZE);
            const gotruePeak = await peakOf("supabase_auth_admin", () => Array.from({ length: 40 }, () =>
                http(s.gotrue.url, "POST", "/token?grant_type=password", { apikey: token.anon }, { email: `storage-a-${release}@example.com`, password: PASSWORD })));
            expect(gotruePeak).toBeLessThanOrEqual(gotruePool);
            observe({ release, flow: "40 concurrent storage lists / 40 concurrent GoTrue sign-ins: peak connections", expected: `≤ ${storagePool} + 1 (storage), ≤ ${gotruePool} (GoTrue)`, observed: `${storagePeak} (supabase_storage_admin), ${gotruePeak} (supabase_auth_admin)` });
        } finally {
            await watcher.end();
        }
    });

    it("public bucket: crafted content types, and what a browser gets through the gateway", async () => {
        const html = "<html><script>alert(document.domain)</script></html>";
        // v0.43.11 checks only the first two '/'-separated parts against the allowed types
        // (src/storage/uploader.ts:227-249), so "image/png/html" passes and is stored as sent.
        const crafted = ["text/html", "image/png", "image/png/html", "image/png/../../text/html", "image/png; text/html", "image/png, text/html", "IMAGE/PNG"];
        for (const [i, type] of crafted.entries()) {
            const key = `${id.A}/c${i}.html`;
            const up = await upload("A", PUBLIC, key, type, html);
            let served = "-";
            if (up.status === 200) {
                const res = await fetch(`${s.storage!.url}/object/public/${PUBLIC}/${key}`);
                const headers = Object.fromEntries(res.headers);
                const gateway = simulateKong(kong, { path: `/storage/v1/object/public/${PUBLIC}/${key}`, upstreamHeaders: headers });
                expect(gateway.status).toBe(200);
                const out = gateway.status === 200 ? gateway.headers : {};
                // Whatever storage stored and answers, the gateway's response never renders as a page of the API's origin.
                expect(out["content-disposition"] ?? "", type).toMatch(/^attachment/);
                expect(out["content-security-policy"] ?? "", type).toMatch(/sandbox/);
                expect(out["x-content-type-options"], type).toBe("nosniff");
                served = `served ${res.status} as ${headers["content-type"]}; via gateway ${out["content-disposition"]?.split(";")[0]}, CSP sandbox, nosniff`;
            }
            // Only a type the bucket allows exactly is stored (the guard's mimetype check on v0.43.11, storage itself on v1).
            expect(up.status === 200, `${type}: ${up.status}`).toBe(["image/png"].includes(type));
            observe({ release, flow: `public bucket: HTML body with Content-Type ${JSON.stringify(type)}`, expected: type === "image/png" ? "stored; served only as an attachment in a sandbox" : "refused", observed: `upload ${up.status}; ${served}` });
        }
        if (!guarded()) return;
        // Control for item 2: without the guard's mimetype trigger, v0.43.11 stores the crafted type.
        await s.admin.query(`drop trigger ${MIME_GUARD_TRIGGER} on storage.objects`);
        try {
            const up = await upload("A", PUBLIC, `${id.A}/control.html`, "image/png/html", html);
            const stored = (await s.admin.query("select metadata->>'mimetype' as m from storage.objects where bucket_id = $1 and name = $2", [PUBLIC, `${id.A}/control.html`])).rows[0]?.m;
            expect(up.status).toBe(200);
            expect(stored).toBe("image/png/html");
            observe({ release, flow: "control: public bucket, Content-Type \"image/png/html\" with the mimetype guard dropped", expected: "stored (the v0.43.11 gap)", observed: `upload ${up.status}, stored as ${stored}` });
        } finally {
            await s.admin.query(MOVE_GUARD_SQL);
        }
    });
});

if (RELEASE_NAMES.every((r) => !present(SERVICE_BUILDS[r].storage.binary))) {
    describe("services tier: storage", () => {
        it.skip(`needs the storage builds: npm run tools -- --only ${SERVICE_BUILDS.seed.storage.component}`, () => undefined);
    });
}
