// How the base-backup CronJob runs the rendered scripts beside the server: `kubectl exec` into
// postgres-0's postgres container, as the postgres user (gosu, which both images ship at
// /usr/local/bin/gosu: 15.1.1.78 Dockerfile:916, f183a83 Dockerfile-17:99), with the connection
// and retention inputs on an `env` prefix. The exec'd process inherits the container's env: wal-g's
// storage settings and the credentials from the postgres Secret. Pure; args only (the kubectl
// image's entrypoint is kubectl).
import { IMAGE_DATA_DIRECTORY } from "./settings";
import { IMAGE_CONNECTION, PITR_SCRIPTS, PitrScriptName } from "./render";

export const DATABASE_POD = "postgres-0";
export const DATABASE_CONTAINER = "postgres";

/** The inputs every script run in the pod gets besides the container's own env. */
export function execEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
        PGHOST: IMAGE_CONNECTION.host,
        PGPORT: String(IMAGE_CONNECTION.port),
        PGUSER: IMAGE_CONNECTION.user,
        PGDATABASE: IMAGE_CONNECTION.database,
        PGDATA: IMAGE_DATA_DIRECTORY,
        ...extra,
    };
}

/**
 * kubectl args running one rendered script in the database container. `walgDir` goes first on
 * PATH when the wal-g is a supplied copy (the scripts call `wal-g` from PATH).
 */
export function execScriptArgs(namespace: string, name: PitrScriptName, env: Record<string, string>, walgDir?: string): string[] {
    const script = (walgDir ? `PATH="${walgDir}:$PATH"; export PATH\n` : "") + PITR_SCRIPTS[name];
    return [
        "exec", DATABASE_POD, "--namespace", namespace, "--container", DATABASE_CONTAINER, "--",
        "gosu", "postgres", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "sh", "-c", script,
    ];
}
