// A real PgBouncer for the services tier: Debian's package as `npm run tools -- --only pgbouncer`
// unpacks it into the tools cache, started on an ini file and stopped again. PgBouncer refuses to
// run as root; as root it runs as the unprivileged user the test PostgreSQL runs as, from a
// world-readable copy (the cache is under root's home).
import { spawn, ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { serverUser } from "../../../sandbox/postgres-binaries";
import { toolsBin } from "../../../tools/paths";

export interface PgbouncerBuild {
    version: string;
    binary: string;
    libDir: string;
}

/** The unpacked build, or one line naming the command that provides it. */
export function pgbouncerBuild(): PgbouncerBuild | string {
    const record = path.join(toolsBin(), "pgbouncer.version");
    if (!fs.existsSync(record)) return `no PgBouncer in ${toolsBin()}; build it with: npm run tools -- --only pgbouncer`;
    const [version, binary, libDir] = fs.readFileSync(record, "utf8").trim().split(" ");
    if (!fs.existsSync(binary)) return `${record} names ${binary}, which is gone; rebuild it with: npm run tools -- --only pgbouncer`;
    return { version, binary, libDir };
}

/** The build where the server user can execute it: itself, or a copy under the temp dir when root. */
function runnable(build: PgbouncerBuild): PgbouncerBuild {
    if (!serverUser()) return build;
    const root = path.dirname(path.dirname(path.dirname(build.binary))); // <cache>/pgbouncer/root
    // One copy per version, shared by test runs (as sandbox/postgres-binaries.ts does for PostgreSQL).
    const copy = path.join(os.tmpdir(), `pgbouncer-debian-${build.version}`);
    if (!fs.existsSync(path.join(copy, path.relative(root, build.binary)))) {
        const staging = `${copy}.${process.pid}.tmp`;
        fs.rmSync(staging, { recursive: true, force: true });
        fs.cpSync(root, staging, { recursive: true, verbatimSymlinks: true });
        fs.chmodSync(staging, 0o755);
        try {
            fs.renameSync(staging, copy);
        } catch {
            fs.rmSync(staging, { recursive: true, force: true }); // another run won the race; its copy is identical
        }
    }
    return { version: build.version, binary: path.join(copy, path.relative(root, build.binary)), libDir: path.join(copy, path.relative(root, build.libDir)) };
}

export interface RunningPgbouncer {
    port: number;
    log(): string;
    stop(): Promise<void>;
}

async function accepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
    });
}

/** Starts PgBouncer on `ini` (readable by the server user) and waits until `port` accepts. */
export async function startPgbouncer(build: PgbouncerBuild, ini: string, port: number): Promise<RunningPgbouncer> {
    const run = runnable(build);
    const user = serverUser();
    const child: ChildProcess = spawn(run.binary, [ini], {
        uid: user?.uid, gid: user?.gid, stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, LD_LIBRARY_PATH: run.libDir },
    });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    let exited: number | null | undefined;
    child.on("exit", (code) => (exited = code));
    for (const deadline = Date.now() + 15_000; !(await accepts(port));) {
        if (exited !== undefined || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`PgBouncer ${build.version} did not listen on ${port} (${exited !== undefined ? `exited ${exited}` : "timed out"}):\n${log.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return {
        port,
        log: () => log,
        stop: async () => {
            if (exited !== undefined) return;
            const gone = new Promise((r) => child.once("exit", r));
            child.kill("SIGINT"); // safe shutdown: waits for clients' transactions
            await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
            if (exited === undefined) child.kill("SIGKILL");
        },
    };
}
