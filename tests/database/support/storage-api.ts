// The SQL supabase/storage-api sends for one HTTP request, replayed statement by statement. Read
// from its source at v0.43.11 (the seed's tag) and, for the move, at v0.48.3 (the upstream fix):
//   src/database/connection.ts:207-232  setScope: role and request.* settings, local to the transaction
//   src/http/plugins/db.ts:20-31         request.headers = every request header, request.path = request.url
//   src/http/plugins/jwt.ts:15           the user's token is the verified `authorization: Bearer` header
//   src/storage/database/knex.ts:470-524 a superuser query inside a user transaction runs in a
//                                        nested transaction (a SAVEPOINT) with its own scope, then
//                                        the parent's scope is set again
//   src/storage/database/knex.ts:95-108  testPermission: run, then roll back ("permission_ok")
// Statements are knex's rendering (columns of an insert sorted, undefined values left out, search
// path storage, public, extensions); nothing of storage-api's code is copied here.
import { Client } from "pg";

export interface Principal {
    /** The token as it travels in `authorization: Bearer …` (the user's, or the service key). */
    jwt: string;
    payload: { role?: string; sub?: string; [k: string]: unknown };
}

export interface Request {
    method: string;
    /** request.url as Fastify sees it behind Kong's strip_path, e.g. `/object/move`. */
    path: string;
    user: Principal;
    /** The service key user every instance holds (getServiceKeyUser). */
    superUser: Principal;
}

export type Outcome = { ok: true } | { ok: false; code: string; message: string; detail?: string };

type Scope = "user" | "super";

/** One storage-api connection (a pool of one is enough: requests are replayed one at a time). */
export class StorageReplay {
    constructor(private readonly client: Client) {}

    static async connect(client: Client): Promise<StorageReplay> {
        // knex's searchPath option, set on every new pool connection.
        await client.query(`set search_path to "storage", "public", "extensions"`);
        return new StorageReplay(client);
    }

    private async setScope(req: Request, scope: Scope): Promise<void> {
        const who = scope === "user" ? req.user : req.superUser;
        const role = who.payload.role || "anon";
        await this.client.query(
            `SELECT set_config('role', $1, true), set_config('request.jwt.claim.role', $2, true), set_config('request.jwt', $3, true),
                    set_config('request.jwt.claim.sub', $4, true), set_config('request.jwt.claims', $5, true), set_config('request.headers', $6, true),
                    set_config('request.method', $7, true), set_config('request.path', $8, true)`,
            [role, role, who.jwt, who.payload.sub ?? "", JSON.stringify(who.payload),
                JSON.stringify({ authorization: `Bearer ${req.user.jwt}`, "content-type": "application/json" }), req.method, req.path],
        );
    }

    /** A transaction in the given scope (withTransaction / runQuery's own transaction). */
    private async transaction(req: Request, scope: Scope, body: () => Promise<void>, rollback = false): Promise<void> {
        await this.client.query("BEGIN");
        try {
            await this.setScope(req, scope);
            await body();
            await this.client.query(rollback ? "ROLLBACK" : "COMMIT");
        } catch (error) {
            await this.client.query("ROLLBACK");
            throw error;
        }
    }

    /** A superuser query inside a user transaction: savepoint, superuser scope, back to the user's. */
    private async asSuperUserInside(req: Request, body: () => Promise<unknown>): Promise<void> {
        await this.client.query("SAVEPOINT trx2");
        try {
            await this.setScope(req, "super");
            await body();
            await this.client.query("RELEASE SAVEPOINT trx2");
        } catch (error) {
            await this.client.query("ROLLBACK TO SAVEPOINT trx2");
            throw error;
        }
        await this.setScope(req, "user");
    }

    private q(sql: string, params: unknown[]) {
        return this.client.query(sql, params);
    }

    private async findObject(bucket: string, name: string, columns: string, forUpdate = false) {
        const result = await this.q(`select ${columns} from "objects" where "name" = $1 and "bucket_id" = $2 limit $3${forUpdate ? " for update" : ""}`, [name, bucket, 1]);
        return result.rows[0] as Record<string, any> | undefined;
    }

    private async mustFind(bucket: string, name: string, columns: string, forUpdate = false) {
        const row = await this.findObject(bucket, name, columns, forUpdate);
        if (!row) throw Object.assign(new Error("Object not found"), { code: "404" });
        return row;
    }

    private createObject(bucket: string, name: string, version: string, owner?: string, metadata?: object) {
        const cols: [string, unknown][] = [["bucket_id", bucket], ...(metadata ? [["metadata", metadata] as [string, unknown]] : []), ["name", name],
            ...(owner ? [["owner", owner], ["owner_id", owner]] as [string, unknown][] : []), ["version", version]];
        return this.q(`insert into "objects" (${cols.map(([c]) => `"${c}"`).join(", ")}) values (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, cols.map(([, v]) => v));
    }

    private async updateObject(bucket: string, name: string, set: { name: string; owner?: string; version: string; metadata?: object }) {
        const cols: [string, unknown][] = [["name", set.name], ...(set.owner ? [["owner", set.owner], ["owner_id", set.owner]] as [string, unknown][] : []),
            ...(set.metadata ? [["metadata", set.metadata] as [string, unknown]] : []), ["version", set.version]];
        const result = await this.q(`update "objects" set ${cols.map(([c], i) => `"${c}" = $${i + 1}`).join(", ")} where "bucket_id" = $${cols.length + 1} and "name" = $${cols.length + 2} returning *`,
            [...cols.map(([, v]) => v), bucket, name]);
        if (result.rowCount === 0) throw Object.assign(new Error("object not found"), { code: "404" });
    }

    private upsertObject(bucket: string, name: string, version: string, owner?: string, metadata?: object) {
        return this.q(`insert into "objects" ("bucket_id", "metadata", "name", "owner", "owner_id", "version") values ($1, $2, $3, $4, $5, $6)
            on conflict ("name", "bucket_id") do update set "metadata" = $7, "version" = $8, "owner" = $9, "owner_id" = $10 returning *`,
        [bucket, metadata ?? null, name, owner ?? null, owner ?? null, version, metadata ?? null, version, owner ?? null, owner ?? null]);
    }

    private deleteObject(bucket: string, name: string, version?: string) {
        return this.q(`delete from "objects" where "name" = $1 and "bucket_id" = $2${version ? ` and "version" = $3` : ""} returning *`,
            version ? [name, bucket, version] : [name, bucket]);
    }

    private async run(fn: () => Promise<void>): Promise<Outcome> {
        try {
            await fn();
            return { ok: true };
        } catch (error) {
            const e = error as { code?: string; message: string; detail?: string };
            return { ok: false, code: e.code ?? "", message: e.message, detail: e.detail };
        }
    }

    /** Uploader.canUpload then completeUpload (src/storage/uploader.ts:39-63, 132-166). */
    private async upload(req: Request, bucket: string, name: string, upsert: boolean, mimetype = "image/png") {
        const owner = req.user.payload.sub;
        await this.transaction(req, "user", async () => {
            if (upsert) await this.upsertObject(bucket, name, "1", owner);
            else await this.createObject(bucket, name, "1", owner);
        }, true);
        // (the file is written to the backend here)
        await this.transaction(req, "user", async () => {
            await this.q("SELECT pg_advisory_xact_lock($1)", [42]);
            await this.asSuperUserInside(req, () => this.findObject(bucket, name, "id, version, metadata", true));
            await this.asSuperUserInside(req, () => this.upsertObject(bucket, name, `v-${Date.now()}`, owner, { size: 1, mimetype }));
        });
    }

    /** POST /object/:bucket/*, no x-upsert (object.ts:56-73). */
    uploadNew(req: Request, bucket: string, name: string, mimetype?: string): Promise<Outcome> {
        return this.run(() => this.upload(req, bucket, name, false, mimetype));
    }

    /** POST with x-upsert: true, or PUT /object/:bucket/* (object.ts:75-101): an update under RLS first. */
    uploadOverriding(req: Request, bucket: string, name: string): Promise<Outcome> {
        return this.run(async () => {
            await this.transaction(req, "user", () => this.updateObject(bucket, name, { name, owner: req.user.payload.sub, version: "1" }), true);
            await this.upload(req, bucket, name, true);
        });
    }

    /** POST /object/copy (object.ts:250-320): every statement as the user. */
    copy(req: Request, bucket: string, from: string, to: string): Promise<Outcome> {
        return this.run(async () => {
            const owner = req.user.payload.sub;
            let origin: Record<string, any> = {};
            await this.transaction(req, "user", async () => { origin = await this.mustFind(bucket, from, `"bucket_id", "metadata", "version"`); });
            await this.transaction(req, "user", () => this.createObject(bucket, to, "1", owner).then(() => undefined), true);
            await this.transaction(req, "user", () => this.createObject(bucket, to, `v-${Date.now()}`, owner, origin.metadata ?? {}).then(() => undefined));
        });
    }

    /** DELETE /object/:bucket/* (object.ts:108-135): locked as superuser, deleted as the user. */
    remove(req: Request, bucket: string, name: string): Promise<Outcome> {
        return this.run(() => this.transaction(req, "user", async () => {
            await this.asSuperUserInside(req, () => this.findObject(bucket, name, `"id", "version"`, true));
            const deleted = await this.deleteObject(bucket, name);
            if (deleted.rowCount === 0) throw Object.assign(new Error("Object Not Found"), { code: "404" });
        }));
    }

    /**
     * POST /object/move at v0.43.11 (object.ts:328-422): the source checked with an UPDATE under
     * the user's RLS and the destination *created as superuser* in the same test transaction; then,
     * after the backend copy, the destination inserted and the source deleted, both as superuser.
     */
    moveV043(req: Request, bucket: string, from: string, to: string): Promise<Outcome> {
        return this.run(async () => {
            const owner = req.user.payload.sub;
            const version = `v-${Date.now()}`;
            await this.transaction(req, "user", async () => {
                await this.mustFind(bucket, from, `"id"`);
                await this.updateObject(bucket, from, { name: from, version: "1", owner });
                await this.asSuperUserInside(req, () => this.createObject(bucket, to, version, owner));
            }, true);
            let source: Record<string, any> = {};
            await this.transaction(req, "super", async () => { source = await this.mustFind(bucket, from, `"id", "version"`); });
            // (backend copy of the file to the destination key here)
            await this.transaction(req, "super", async () => {
                // owner: sourceObj.owner, which was never selected: knex leaves it out, the row gets NULL.
                await this.createObject(bucket, to, version, undefined, { size: 1 });
                await this.deleteObject(bucket, from, source.version);
            });
        });
    }

    /** Only the last, superuser transaction of moveV043: what the guard must refuse on its own. */
    moveV043FinalStep(req: Request, bucket: string, from: string, to: string): Promise<Outcome> {
        return this.run(() => this.transaction(req, "super", async () => {
            await this.createObject(bucket, to, `v-${Date.now()}`, undefined, { size: 1 });
            await this.deleteObject(bucket, from);
        }));
    }

    /** POST /object/move at v0.48.3 (the fix, commit 2af9fe9): the rename itself is tested under RLS. */
    moveV048(req: Request, bucket: string, from: string, to: string): Promise<Outcome> {
        return this.run(async () => {
            const version = `v-${Date.now()}`;
            await this.transaction(req, "user", async () => {
                await this.mustFind(bucket, from, `"id"`);
                await this.updateObject(bucket, from, { name: to, version, owner: req.user.payload.sub });
            }, true);
            await this.transaction(req, "super", async () => {
                await this.mustFind(bucket, from, `"id"`, true);
                await this.updateObject(bucket, from, { name: to, version, metadata: { size: 1 } });
            });
        });
    }
}
