// One release's stack for the services tier, in the order a deployment runs it: PostgreSQL as the
// image's own scripts make it, then each service's own migrations (GoTrue's on its start, storage's
// on its start), then the program's database layer, then postgres-meta. Services start with the env
// the program renders for their Deployments (tests/services/support/services.ts).
import { Client } from "pg";
import { ProgramRun } from "../../offline/engine";
import { Release } from "../../policies/rules/releases";
import { applyDatabaseLayer } from "../database/support/apply";
import {
    addRealtimeImageParts, connectAs, runImageInitScripts, runRealtimeTenantMigrations, SERVICES_SQL, stackSecrets, StackSecrets, startWorld, World,
} from "../database/support/world";
import { startGoTrue, RunningGoTrue } from "../engine/support/gotrue";
import { findManifest, runStack } from "../support/program";
import {
    binaryPath, freePort, pointAtLocalDatabase, present, renderedEnv, RunningService, SERVICE_BUILDS, startService,
} from "./support/services";

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
        const gotrueEnv = local(renderedEnv(run, "gotrue", "gotrue"));
        const gotrue = await startGoTrue(gotrueEnv, binaryPath(builds.gotrue.binary));
        stoppers.push(() => gotrue.stop());

        let storage: RunningService | undefined;
        let storageEnv: Record<string, string> | undefined;
        if (present(builds.storage.binary)) {
            const port = await freePort();
            storageEnv = { ...local(renderedEnv(run, "storage", "storage")), PORT: String(port), SERVER_PORT: String(port), SERVER_HOST: "127.0.0.1" };
            if (storageEnv.FILE_STORAGE_BACKEND_PATH || storageEnv.STORAGE_BACKEND === "file") {
                const dir = await import("fs").then((fs) => fs.mkdtempSync(`${require("os").tmpdir()}/storage-`));
                storageEnv.FILE_STORAGE_BACKEND_PATH = dir;
                stoppers.push(async () => (await import("fs")).rmSync(dir, { recursive: true, force: true }));
            }
            storage = await startService(builds.storage.binary, storageEnv, port, "/status");
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
            const port = await freePort();
            metaEnv = { ...local(renderedEnv(run, "meta", "meta")), PG_META_PORT: String(port), PG_META_HOST: "127.0.0.1" };
            meta = await startService(builds.meta.binary, metaEnv, port, "/health");
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
