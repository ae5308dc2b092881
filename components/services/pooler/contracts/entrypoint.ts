// What edoburu/pgbouncer's entrypoint.sh reads, shared by the contracts of its tags: the env
// variables it turns into pgbouncer.ini settings (each `${NAME:+key = ${NAME}}` line), those it
// reads to write userlist.txt, and the rule that makes all of them moot here: the entrypoint renders
// nothing when /etc/pgbouncer/pgbouncer.ini exists, and adds to userlist.txt only when DB_USER and
// DB_PASSWORD (or a DATABASE_URL with both) are set. The program mounts both files and sets none.
import { EnvVarFact, SourceRef } from "../../contract-types";

export const EDOBURU = "edoburu/docker-pgbouncer";

/** [variable, default the entrypoint applies (undefined: the line is left out), line in entrypoint.sh, note]. */
export type EntrypointKey = [string, string | undefined, number, string?];

const ONLY_WITHOUT_INI = "Read only when /etc/pgbouncer/pgbouncer.ini is absent (the entrypoint then renders it); the program mounts its own ini, so this is not read.";

/** The table of one tag as contract facts. Every variable is optional: the program's ini replaces them all. */
export function entrypointReads(keys: EntrypointKey[], source: (line: number) => SourceRef, userlistVars: string[]): EnvVarFact[] {
    return keys.map(([name, value, line, note]) => ({
        name,
        required: false,
        ...(value === undefined ? {} : { default: value }),
        source: source(line),
        note: note ?? (userlistVars.includes(name)
            ? "Also writes a userlist.txt line when DB_USER and DB_PASSWORD are both known; the program sets neither."
            : ONLY_WITHOUT_INI),
    }));
}
