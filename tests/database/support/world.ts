// A real PostgreSQL in the state a fresh supabase/postgres pod leaves it, plus the program's
// own recorded run: the starting point of every database test file.
//
// Where the image's own scripts are readable (tools/sources.ts), the cluster is the release's
// major bootstrapped by them (sandbox/postgres-image.ts), then services.sql stands in for what
// GoTrue's and Storage's own migrations add. Otherwise the hand-written fixture/bootstrap.sql
// stands in for both, and the world says so in one line.
import * as fs from "fs";
import * as path from "path";
import { Client, escapeLiteral } from "pg";
import { ProgramRun, RecordedResource } from "../../../offline/engine";
import { Release } from "../../../releases";
import { bootstrapFromImage, ImageBootstrap, imageSourceFor, imageSourcesStatus } from "../../../sandbox/postgres-image";
import { replayRealtimeTenant } from "../../../sandbox/realtime-tenant";
import { startPostgres, TestPostgres } from "../../support/postgres";
import { AppliedResource, applyDatabaseLayer, Target } from "./apply";
import { runStack } from "../../support/program";
import { INIT_SCRIPTS } from "../../../components/services/postgres/env";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "..", "fixture", name), "utf8");
export const BOOTSTRAP_SQL = fixture("bootstrap.sql");
/** GoTrue's and Storage's part of what the tests rely on, over the image's own schemas. */
export const SERVICES_SQL = fixture("services.sql");

export type WorldBootstrap =
    | { kind: "image"; result: ImageBootstrap }
    | { kind: "fixture"; missing: string };

export interface World {
    pg: TestPostgres;
    target: Target;
    release: Release;
    bootstrap: WorldBootstrap;
}

export interface WorldOptions {
    release?: Release;
    /** Force the hand-written fixture (for comparing the two; reported like a missing source). */
    fixture?: boolean;
    /**
     * Leave out services.sql, the stand-in for GoTrue's and Storage's own migrations: for the
     * services tier, which runs the services themselves after the image's scripts.
     */
    withoutServicesSql?: boolean;
}

const reported = new Set<string>();
/** The one line a fallback prints, once per process and release. */
function reportFallback(release: Release, missing: string): void {
    if (reported.has(release)) return;
    reported.add(release);
    console.warn(`database tests (${release}): on the hand-written fixture/bootstrap.sql, not the supabase/postgres image's scripts: ${missing}`);
}

/** Starts a server and creates what the release's image provides (its scripts, or the fixture). */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
    const release = options.release ?? "seed";
    const source = imageSourceFor(release);
    const status = options.fixture ? { available: false as const, missing: "the fixture was asked for" } : imageSourcesStatus(release);
    if (!status.available) {
        reportFallback(release, status.missing);
        const pg = await startPostgres({ major: source.major });
        const admin = await pg.connect();
        await admin.query(BOOTSTRAP_SQL);
        return { pg, target: { host: "127.0.0.1", port: pg.port }, release, bootstrap: { kind: "fixture", missing: status.missing } };
    }
    const pg = await startPostgres({ major: source.major, bootstrapUser: source.bootstrapUser });
    const result = await bootstrapFromImage({ release, password: pg.password, connect: (role) => pg.connectAs(role) });
    // The image demotes postgres; supabase_admin is its superuser from here on.
    pg.superuser = "supabase_admin";
    if (!options.withoutServicesSql) {
        const admin = await pg.connect();
        await admin.query(SERVICES_SQL);
        await admin.end();
    }
    return { pg, target: { host: "127.0.0.1", port: pg.port }, release, bootstrap: { kind: "image", result } };
}

/** What the image adds for Realtime (publication, `realtime` schema): only the fixture needs it added. */
export async function addRealtimeImageParts(world: World): Promise<void> {
    if (world.bootstrap.kind === "image") return;
    const admin = await world.pg.connect();
    try {
        await admin.query(fixture("realtime-image.sql"));
    } finally {
        await admin.end();
    }
}

/**
 * Realtime's tenant migrations, as the Realtime pod runs them on a fresh database: its own
 * tenant dump and partitions where the sources are readable, else fixture/realtime-migrations.sql.
 */
export async function runRealtimeTenantMigrations(world: World): Promise<void> {
    const admin = await world.pg.connect();
    try {
        if (world.bootstrap.kind === "fixture") {
            await admin.query(fixture("realtime-migrations.sql"));
            return;
        }
        const status = imageSourcesStatus(world.release);
        if (!status.available) throw new Error(status.missing);
        await replayRealtimeTenant(admin, status.realtimeDir, world.pg.major);
    } finally {
        await admin.end();
    }
}

/**
 * The program's 99-roles.sql with psql's variable filled in as psql would, then migrate.sh's
 * `ALTER USER supabase_admin WITH PASSWORD`: every login role gets the bundle's password.
 */
export async function runImageInitScripts(world: World, password: string): Promise<void> {
    const sql = INIT_SCRIPTS["99-roles.sql"]
        .split("\n")
        .filter((line) => !line.startsWith("\\"))
        .join("\n")
        .replace(/:'pgpass'/g, escapeLiteral(password));
    const admin = await world.pg.connect();
    await admin.query(sql);
    await admin.query(`ALTER USER supabase_admin WITH PASSWORD ${escapeLiteral(password)}`);
}

export interface StackSecrets {
    postgresPassword: string;
    jwtSecret: string;
    anonKey: string;
    serviceRoleKey: string;
}

/** The secrets the program generated in this run, read from its recorded outputs and resources. */
export function stackSecrets(run: ProgramRun): StackSecrets {
    const output = (key: string) => {
        const value = run.outputs[key]?.value;
        if (typeof value !== "string" || !value) throw new Error(`stack output ${key} missing`);
        return value;
    };
    const provider = run.resources.find((r) => r.type === "pulumi:providers:postgresql");
    if (!provider) throw new Error("the program declares no postgresql provider");
    return { postgresPassword: provider.inputs.password, jwtSecret: output("jwtSecret"), anonKey: output("anonKey"), serviceRoleKey: output("serviceRoleKey") };
}

export function byType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** A client logged in as one of the image's roles (after the layer ran, `postgres` has the bundle's password too). */
export async function connectAs(world: World, user: string, password: string): Promise<Client> {
    const client = new Client({ ...world.target, user, password, database: "postgres" });
    await client.connect();
    return client;
}

export interface AppliedWorld {
    world: World;
    run: ProgramRun;
    secrets: StackSecrets;
    applied: AppliedResource[];
    /** supabase_admin, connected. */
    admin: Client;
}

/**
 * What most database test files start from: a fresh image state, the program's run of a stack,
 * the image's init scripts with that run's password, and the run's database layer applied.
 */
export async function appliedWorld(stack = "dev", options: WorldOptions = {}): Promise<AppliedWorld> {
    const [world, run] = await Promise.all([
        startWorld(options),
        runStack(stack, options.release ? { overrides: { release: options.release } } : {}),
    ]);
    const secrets = stackSecrets(run);
    await runImageInitScripts(world, secrets.postgresPassword);
    const applied = await applyDatabaseLayer(run, world.target);
    const admin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
    return { world, run, secrets, applied, admin };
}
