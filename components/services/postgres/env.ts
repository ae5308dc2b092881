// PostgreSQL's init scripts and pod security, pure: what the image runs on an empty volume.
import * as k8s from "../../k8s";
import { PlatformConfig } from "../../../config";

/**
 * Init SQL the official stack mounts into /docker-entrypoint-initdb.d/init-scripts. It runs once,
 * as the bootstrap superuser, on an empty data directory. It holds no secret: psql reads the
 * values from the container's environment (PGPASSWORD comes from the Secret).
 */
export const INIT_SCRIPTS: Record<string, string> = {
    "99-roles.sql": [
        "-- Service login roles share the database password (as in the official stack).",
        "\\set pgpass `echo \"$PGPASSWORD\"`",
        "ALTER USER authenticator WITH PASSWORD :'pgpass';",
        "ALTER USER pgbouncer WITH PASSWORD :'pgpass';",
        "ALTER USER supabase_auth_admin WITH PASSWORD :'pgpass';",
        "ALTER USER supabase_storage_admin WITH PASSWORD :'pgpass';",
        "",
    ].join("\n"),
    "99-jwt.sql": [
        "-- Session JWT lifetime for SQL that reads it; the secret itself stays out of the database.",
        "\\set jwt_exp `echo \"$JWT_EXP\"`",
        "ALTER DATABASE postgres SET \"app.settings.jwt_exp\" TO :'jwt_exp';",
        "",
    ].join("\n"),
};

/**
 * With Realtime, a fresh volume also gets `_realtime`, where Realtime's metadata Repo lands
 * (DB_AFTER_CONNECT_QUERY) and which its own migrations do not create; the database layer creates
 * it on a volume that predates Realtime (components/database/realtime.ts).
 */
export const REALTIME_INIT_SCRIPT = {
    "99-realtime.sql": [
        "-- Realtime's metadata schema (tenants, extensions, its schema_migrations).",
        "CREATE SCHEMA IF NOT EXISTS _realtime;",
        "ALTER SCHEMA _realtime OWNER TO supabase_admin;",
        "",
    ].join("\n"),
};

/**
 * With the pooler, `pgbouncer` never gets the shared password, not even for a moment on a fresh
 * volume: the database layer gives it its own (components/database/layer.ts), and until then it has
 * none and the pooler refuses every login.
 */
function withoutSharedPoolerPassword(scripts: Record<string, string>): Record<string, string> {
    const roles = scripts["99-roles.sql"].split("\n").filter((line) => line !== "ALTER USER pgbouncer WITH PASSWORD :'pgpass';").join("\n");
    return { ...scripts, "99-roles.sql": roles };
}

/** The init scripts of a stack: Realtime's only when it is deployed, so the seed's stay as they were. */
export function initScripts(config: PlatformConfig): Record<string, string> {
    const base = config.pooler ? withoutSharedPoolerPassword(INIT_SCRIPTS) : INIT_SCRIPTS;
    return { ...base, ...(config.realtime.enabled ? REALTIME_INIT_SCRIPT : {}) };
}

/** The documented exemption from *restricted*: see the comment on the pod security context. */
export function databaseSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
