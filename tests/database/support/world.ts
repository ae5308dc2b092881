// A real PostgreSQL in the state a fresh supabase/postgres pod leaves it, plus the program's
// own recorded run: the starting point of every database test file.
import * as fs from "fs";
import * as path from "path";
import { Client, escapeLiteral } from "pg";
import { INIT_SCRIPTS } from "../../../components/postgres";
import { ProgramRun, RecordedResource } from "../../../offline/engine";
import { startPostgres, TestPostgres } from "../../support/postgres";
import { AppliedResource, applyDatabaseLayer, Target } from "./apply";
import { runStack } from "../../support/program";

export const BOOTSTRAP_SQL = fs.readFileSync(path.join(__dirname, "..", "fixture", "bootstrap.sql"), "utf8");

export interface World {
    pg: TestPostgres;
    target: Target;
}

/** Starts a server and creates what the image provides (fixture/bootstrap.sql). */
export async function startWorld(): Promise<World> {
    const pg = await startPostgres();
    const admin = await pg.connect();
    await admin.query(BOOTSTRAP_SQL);
    return { pg, target: { host: "127.0.0.1", port: pg.port } };
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
export async function appliedWorld(stack = "dev"): Promise<AppliedWorld> {
    const [world, run] = await Promise.all([startWorld(), runStack(stack)]);
    const secrets = stackSecrets(run);
    await runImageInitScripts(world, secrets.postgresPassword);
    const applied = await applyDatabaseLayer(run, world.target);
    const admin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
    return { world, run, secrets, applied, admin };
}
