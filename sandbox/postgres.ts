// The sandbox's PostgreSQL: what the program's database layer connects to, since the fake node
// runs no containers. The release picks the major (seed → 15, v0.8.2 → 17) and the image whose
// own init scripts and migrations bootstrap it (sandbox/postgres-image.ts): `postgres` demoted
// as the image demotes it, `supabase_admin` the superuser the layer logs in as. Where those
// scripts are not readable here, tests/database/fixture/bootstrap.sql stands in, said in one line
// (and readable by the engine tier: sandboxPostgresBootstrap). Loopback only; trust for the
// bootstrap's and the layer's superusers, passwords for every other role (PG_HBA).
//
// What the services' own migrations would add (the fake node runs no GoTrue or Storage pod) comes
// from tests/database/fixture/services.sql, as in the database tests. Realtime's tenant schema is
// created too when the release deploys Realtime (v0.8.2): the Realtime pod would create it on
// boot, and the layer waits for realtime.messages.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { Release } from "../releases";
import { REPO_ROOT } from "../tools/paths";
import { describeSkips } from "./image-bootstrap";
import { SandboxLayout } from "./layout";
import { nativeDir, serverUser } from "./postgres-binaries";
import { bootstrapFromImage, imageSourceFor, imageSourcesStatus, realImageBootstrapAvailable } from "./postgres-image";
import { logTail, runningPid, sleep, startProcess } from "./processes";

export { realImageBootstrapAvailable };

/** The superuser on both bootstraps (the image's, and bootstrap.sql's). */
export const POSTGRES_SUPERUSER = "supabase_admin";
/** POSTGRES_PASSWORD of the bootstrap; trust on loopback accepts any, the layer sets its own. */
const BOOTSTRAP_PASSWORD = "sandbox";
const FIXTURE = (name: string) => fs.readFileSync(path.join(REPO_ROOT, "tests", "database", "fixture", name), "utf8");

/** Realtime is deployed by default in v0.8.2 only (config `realtime: auto`). */
const realtimeByDefault = (release: Release) => release === "v0.8.2";

export interface SandboxPostgresBootstrap {
    release: Release;
    major: number;
    /** "image": the image's own scripts; "fixture": bootstrap.sql, with `missing` saying why. */
    kind: "image" | "fixture";
    ref?: string;
    skew?: string;
    skipped?: string[];
    missing?: string;
    realtime: boolean;
}

const bootstrapRecord = (layout: SandboxLayout) => path.join(layout.stateDir, "postgres-bootstrap.json");

/** How the running sandbox's database was bootstrapped (undefined before the first start). */
export function sandboxPostgresBootstrap(layout: SandboxLayout): SandboxPostgresBootstrap | undefined {
    const file = bootstrapRecord(layout);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) as SandboxPostgresBootstrap : undefined;
}

export function postgresClient(layout: SandboxLayout, database = "postgres", user = POSTGRES_SUPERUSER): Client {
    return new Client({ host: "127.0.0.1", port: layout.postgresPort, user, database });
}

/**
 * Who may log in without a password, on loopback only: the roles the bootstrap and the program's
 * database layer connect as (in a cluster the image sets their password from the same Secret on
 * first start; here the first `pulumi up` generates it after the server started). Every other role,
 * the services' login roles among them, needs its password, so a rotation shows.
 */
const PG_HBA = [
    "local all all trust",
    `host all ${POSTGRES_SUPERUSER} 127.0.0.1/32 trust`,
    "host all postgres 127.0.0.1/32 trust",
    "host all all 127.0.0.1/32 scram-sha-256",
    "",
].join("\n");

/**
 * As root the server runs as the unprivileged `postgres` user, which cannot enter root's home;
 * its data directory then lives under the system temp directory, still one per sandbox.
 */
export function postgresDir(layout: SandboxLayout, asOtherUser: boolean): string {
    if (!asOtherUser) return path.join(layout.stateDir, "postgres");
    const tag = crypto.createHash("sha256").update(layout.stateDir).digest("hex").slice(0, 12);
    return path.join(os.tmpdir(), `supabase-platform-sandbox-postgres-${tag}`);
}

export async function startPostgres(layout: SandboxLayout, release: Release = "seed"): Promise<SandboxPostgresBootstrap> {
    const source = imageSourceFor(release);
    const bin = path.join(nativeDir(source.major), "bin");
    const user = serverUser();
    const dir = postgresDir(layout, user !== undefined);
    const dataDir = path.join(dir, "data");
    const fresh = !fs.existsSync(path.join(dataDir, "PG_VERSION"));
    if (!fresh) {
        const existing = Number(fs.readFileSync(path.join(dataDir, "PG_VERSION"), "utf8").trim());
        if (existing !== source.major) {
            throw new Error(`sandbox: its database is PostgreSQL ${existing}, release ${release} runs ${source.major}; `
                + `stop the sandbox (npm run sandbox -- stop) and start it again with --release ${release}`);
        }
    }
    const status = imageSourcesStatus(release);
    if (fresh) {
        fs.mkdirSync(dir, { recursive: true });
        if (user) fs.chownSync(dir, user.uid, user.gid);
        // The image's POSTGRES_USER is initdb's bootstrap superuser; bootstrap.sql expects postgres.
        const bootstrapUser = status.available ? source.bootstrapUser : "postgres";
        execFileSync(path.join(bin, "initdb"), [
            "--pgdata", dataDir, "--username", bootstrapUser, "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync",
        ], { uid: user?.uid, gid: user?.gid, stdio: "pipe" });
        fs.writeFileSync(path.join(dataDir, "pg_hba.conf"), PG_HBA);
    }
    if (!runningPid(layout.stateDir, "postgres")) {
        startProcess(layout.stateDir, {
            name: "postgres", command: path.join(bin, "postgres"), uid: user?.uid, gid: user?.gid, cwd: dir,
            args: [
                "-D", dataDir, "-p", String(layout.postgresPort), "-c", "listen_addresses=127.0.0.1",
                "-c", `unix_socket_directories=${dir}`, "-c", "fsync=off", "-c", "max_connections=200",
            ],
        });
    }
    const deadline = Date.now() + 60_000;
    const firstUser = fresh ? (status.available ? source.bootstrapUser : "postgres") : POSTGRES_SUPERUSER;
    for (;;) {
        const client = postgresClient(layout, "postgres", firstUser);
        try {
            await client.connect();
            await client.end();
            break;
        } catch (err) {
            await client.end().catch(() => undefined);
            if (!runningPid(layout.stateDir, "postgres") || Date.now() > deadline) {
                throw new Error(`sandbox: PostgreSQL did not start (${(err as Error).message}); its log ends:\n${logTail(layout.stateDir, "postgres")}`);
            }
            await sleep(300);
        }
    }
    if (!fresh) return sandboxPostgresBootstrap(layout) ?? { release, major: source.major, kind: "fixture", realtime: false, missing: "bootstrapped before this record existed" };

    const record = status.available ? await fromImage(layout, release) : await fromFixture(layout, release, status.missing);
    fs.writeFileSync(bootstrapRecord(layout), JSON.stringify(record, null, 2));
    return record;
}

async function fromImage(layout: SandboxLayout, release: Release): Promise<SandboxPostgresBootstrap> {
    const realtime = realtimeByDefault(release);
    const result = await bootstrapFromImage({
        release, password: BOOTSTRAP_PASSWORD, realtime,
        connect: async (role) => {
            const client = postgresClient(layout, "postgres", role);
            await client.connect();
            return client;
        },
    });
    // GoTrue's and Storage's part, as their pods would migrate it (the buckets need Storage's columns).
    const admin = postgresClient(layout);
    await admin.connect();
    try {
        await admin.query(FIXTURE("services.sql"));
    } finally {
        await admin.end();
    }
    return { release, major: imageSourceFor(release).major, kind: "image", ref: result.ref, skew: result.skew, skipped: describeSkips(result), realtime };
}

async function fromFixture(layout: SandboxLayout, release: Release, missing: string): Promise<SandboxPostgresBootstrap> {
    console.warn(`sandbox: PostgreSQL for ${release} from the hand-written bootstrap.sql, not the supabase/postgres image's scripts: ${missing}`);
    const realtime = realtimeByDefault(release);
    const client = postgresClient(layout, "postgres", "postgres");
    await client.connect();
    try {
        await client.query(FIXTURE("bootstrap.sql"));
        if (realtime) {
            await client.query(FIXTURE("realtime-image.sql"));
            await client.query(FIXTURE("realtime-migrations.sql"));
        }
    } finally {
        await client.end();
    }
    return { release, major: imageSourceFor(release).major, kind: "fixture", missing, realtime };
}

/** One line for `npm run sandbox -- status` and start. */
export function describeBootstrap(b: SandboxPostgresBootstrap): string {
    const how = b.kind === "image"
        ? `bootstrapped by supabase/postgres's own scripts at ${b.ref}${b.skew ? " (a stand-in for the image's tag: sandbox/image-sources.ts)" : ""}`
            + `${b.skipped?.length ? `, ${b.skipped.length} statement${b.skipped.length === 1 ? "" : "s"} skipped` : ""}`
        : `bootstrapped by the hand-written bootstrap.sql (${b.missing})`;
    return `PostgreSQL ${b.major} for release ${b.release}, ${how}${b.realtime ? ", with Realtime's tenant schema" : ""}`;
}
