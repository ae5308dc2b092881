// One release's stack for the services tier, in the order a deployment runs it: PostgreSQL as the
// image's own scripts make it, then each service's own migrations (GoTrue's on its start, storage's
// on its start), then the program's database layer, then postgres-meta. Services start with the env
// the program renders for their Deployments (tests/services/support/services.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { toolsHome } from "../../tools/paths";
import { ProgramRun } from "../../offline/engine";
import { Release } from "../../releases";
import { applyDatabaseLayer } from "../database/support/apply";
import {
    addRealtimeImageParts, connectAs, runImageInitScripts, runRealtimeTenantMigrations, SERVICES_SQL, stackSecrets, StackSecrets, startWorld, World,
} from "../database/support/world";
import { startGoTrue, RunningGoTrue } from "../engine/support/gotrue";
import { findManifest, runStack } from "../support/program";
import {
    binaryPath, pointAtLocalDatabase, present, renderedEnv, RunningService, SERVICE_BUILDS, startOnFreePort,
} from "./support/services";

/** The migrations `npm run tools` installs beside a GoTrue build; missing means an older build. */
function gotrueMigrations(binary: string): string {
    const dir = path.join(toolsHome(), "services", binary, "migrations");
    if (!fs.existsSync(dir)) throw new Error(`no ${dir}: rebuild GoTrue with npm run tools -- --only ${binary === "gotrue" ? "gotrue" : "gotrue-seed"} (it installs the tag's migrations there)`);
    return dir;
}

export interface ServiceStack {
    release: Release;
    run: ProgramRun;
    world: World;
    secrets: StackSecrets;
    namespace: string;
    admin: Client;
    gotrue: RunningGoTrue;
    gotrueEnv: Record<string, string>;
    storage?: RunningService;
    storageEnv?: Record<string, string>;
    meta?: RunningService;
    metaEnv?: Record<string, string>;
    /** What stood in for a service that is not built (one line each, printed once). */
    standIns: string[];
    stop(): Promise<void>;
}

export async function startStack(release: Release): Promise<ServiceStack> {
    const builds = SERVICE_BUILDS[release];
    const [world, run] = await Promise.all([
        startWorld({ release, withoutServicesSql: true }),
        runStack("dev", { overrides: { release } }),
    ]);
    if (world.bootstrap.kind !== "image") throw new Error(`the services tier needs the image's scripts (${world.bootstrap.missing}); run npm run tools, or set SUPABASE_PLATFORM_SOURCES`);
    const secrets = stackSecrets(run);
    await runImageInitScripts(world, secrets.postgresPassword);
    const namespace = findManifest(run, "Deployment", "gotrue").metadata.namespace!;
    const local = (env: Record<string, string>) => pointAtLocalDatabase(env, namespace, world.target.port);
    const standIns: string[] = [];
    const stoppers: (() => Promise<void>)[] = [async () => world.pg.stop()];
    const stop = async () => {
        for (const s of stoppers.reverse()) await s().catch(() => undefined);
    };
    try {
        // GoTrue migrates the auth schema before it listens (its CMD: migrate, then serve).
        // The image's own ENV: GoTrue's migrations beside the binary (supabase/auth Dockerfile at
        // both tags: ENV GOTRUE_DB_MIGRATIONS_PATH /usr/local/etc/auth/migrations); npm run tools
        // installs the tag's migrations/ into <cache>/services/<binary>/.
        const gotrueEnv = { ...local(renderedEnv(run, "gotrue", "gotrue")), GOTRUE_DB_MIGRATIONS_PATH: gotrueMigrations(builds.gotrue.binary) };
        const gotrue = await startGoTrue(gotrueEnv, binaryPath(builds.gotrue.binary));
        stoppers.push(() => gotrue.stop());

        let storage: RunningService | undefined;
        let storageEnv: Record<string, string> | undefined;
        if (present(builds.storage.binary)) {
            // The file backend's directory: the PVC mount in the cluster, a scratch directory here.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "storage-"));
            stoppers.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
            const rendered = local(renderedEnv(run, "storage", "storage"));
            const started = await startOnFreePort(builds.storage.binary, (port) => ({
                // The program's PORT, and HOST, read at both tags (supabase/storage@v0.43.11
                // src/config.ts:198-199; @v1.70.6 :346-347 reads SERVER_HOST/SERVER_PORT, then HOST/PORT).
                ...rendered, PORT: String(port), HOST: "127.0.0.1",
                ...(rendered.FILE_STORAGE_BACKEND_PATH ? { FILE_STORAGE_BACKEND_PATH: dir } : {}),
            }), "/status");
            storage = started.service;
            storageEnv = started.env;
            stoppers.push(() => storage!.stop());
        } else {
            standIns.push(`storage ${builds.storage.version} not built (npm run tools -- --only ${builds.storage.component}): its schema comes from tests/database/fixture/services.sql`);
            const admin = await world.pg.connect();
            await admin.query(SERVICES_SQL).finally(() => admin.end());
        }

        if (release !== "seed") {
            await addRealtimeImageParts(world);
            await runRealtimeTenantMigrations(world);
        }
        await applyDatabaseLayer(run, world.target);
        const admin = await connectAs(world, "supabase_admin", secrets.postgresPassword);
        stoppers.push(() => admin.end());

        let meta: RunningService | undefined;
        let metaEnv: Record<string, string> | undefined;
        if (present(builds.meta.binary)) {
            const rendered = local(renderedEnv(run, "meta", "meta"));
            // PG_META_PORT is the program's; PG_META_HOST is read at both tags (src/server/constants.ts:3 at v0.68.0, :7 at v0.98.0).
            const started = await startOnFreePort(builds.meta.binary, (port) => ({ ...rendered, PG_META_PORT: String(port), PG_META_HOST: "127.0.0.1" }), "/health");
            meta = started.service;
            metaEnv = started.env;
            stoppers.push(() => meta!.stop());
        } else {
            standIns.push(`postgres-meta ${builds.meta.version} not built (npm run tools -- --only ${builds.meta.component}): its checks are not run`);
        }
        return { release, run, world, secrets, namespace, admin, gotrue, gotrueEnv, storage, storageEnv, meta, metaEnv, standIns, stop };
    } catch (error) {
        await stop();
        throw error;
    }
}
