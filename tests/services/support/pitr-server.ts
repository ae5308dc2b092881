// PostgreSQL started on a data directory that already exists (a restored one), as the restore Job
// would start the image on the new volume: recovery runs first, and the server is usable once it
// has promoted. tests/support/postgres.ts always initialises a fresh cluster, hence this.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { Client } from "pg";
import { nativeDir, PostgresMajor, serverUser } from "../../../sandbox/postgres-binaries";
import { freePort } from "../../support/postgres";

export interface ExistingServer {
    port: number;
    socketDir: string;
    log(): string;
    connect(user: string): Promise<Client>;
    stop(): Promise<void>;
}

/** Starts the server and waits until it accepts sessions and has left recovery (promoted). */
export async function startExistingServer(options: {
    major: PostgresMajor; dataDir: string; socketDir: string; env: NodeJS.ProcessEnv; user: string; timeoutMs?: number;
}): Promise<ExistingServer> {
    const owner = serverUser();
    const port = await freePort();
    const server: ChildProcess = spawn(path.join(nativeDir(options.major), "bin", "postgres"), [
        "-D", options.dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${options.socketDir}`,
    ], { uid: owner?.uid, gid: owner?.gid, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => server.on("exit", (code) => { exitCode = code; resolve(); }));
    const connect = async (user: string) => {
        const client = new Client({ host: options.socketDir, port, user, database: "postgres" });
        await client.connect();
        return client;
    };
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
        if (exitCode !== undefined) throw new Error(`restored PostgreSQL exited ${exitCode}:\n${log.slice(-3000)}`);
        if (Date.now() > deadline) {
            server.kill("SIGKILL");
            throw new Error(`restored PostgreSQL did not promote in time:\n${log.slice(-3000)}`);
        }
        const client = await connect(options.user).catch(() => undefined);
        if (client) {
            const { rows } = await client.query("SELECT pg_is_in_recovery() AS recovering").finally(() => client.end());
            if (!rows[0].recovering) break;
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return {
        port, socketDir: options.socketDir, log: () => log, connect,
        async stop() {
            if (exitCode !== undefined) return;
            server.kill("SIGINT");
            await exited;
        },
    };
}
