// postgrest/postgrest:v12.0.2. Read at PostgREST/postgrest@v12.0.2: the config parser
// (src/PostgREST/Config.hs), the admin server (src/PostgREST/Admin.hs) and the image recipes
// (nix/tools/docker/default.nix for x64, pushed by .github/workflows/ci.yaml:489-496;
// .github/scripts/arm/docker-env/Dockerfile for arm64).
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const POSTGREST = (path: string, line?: number): SourceRef => ({ repo: "PostgREST/postgrest", tag: "v12.0.2", path, line });
const CONFIG = "src/PostgREST/Config.hs";

/**
 * Every config key at v12.0.2: [key, default, line of its parser in Config.hs, aliases]. Each is
 * read from PGRST_<KEY with - as _, upper case> (Config.hs:393), so "db-uri" is PGRST_DB_URI.
 * db-use-legacy-gucs is gone in this version (CHANGELOG.md:61).
 */
const KEYS: [string, string | undefined, number, string[]?][] = [
    ["db-aggregates-enabled", "false", 238],
    ["db-anon-role", undefined, 239],
    ["db-channel", "pgrst", 240],
    ["db-channel-enabled", "true", 241],
    ["db-extra-search-path", "public", 242],
    ["db-max-rows", undefined, 243, ["max-rows"]],
    ["db-plan-enabled", "false", 245],
    ["db-pool", "10", 246],
    ["db-pool-acquisition-timeout", "10", 247],
    ["db-pool-max-lifetime", "1800", 248],
    ["db-pool-max-idletime", "30", 249, ["db-pool-timeout"]],
    ["db-pool-automatic-recovery", "true", 251],
    ["db-pre-request", undefined, 252, ["pre-request"]],
    ["db-prepared-statements", "true", 254],
    ["db-root-spec", undefined, 255, ["root-spec"]],
    ["db-schemas", "public", 257, ["db-schema"]],
    ["db-config", "true", 259],
    ["db-pre-config", undefined, 260],
    ["db-tx-end", "commit", 261],
    ["db-uri", "postgresql://", 263],
    ["jwt-aud", undefined, 266],
    ["jwt-role-claim-key", ".role", 267, ["role-claim-key"]],
    ["jwt-secret", undefined, 268],
    ["jwt-secret-is-base64", "false", 269, ["secret-is-base64"]],
    ["jwt-cache-max-lifetime", "0", 272],
    ["log-level", "error", 273],
    ["openapi-mode", "follow-privileges", 274],
    ["openapi-security-active", "false", 275],
    ["openapi-server-proxy-uri", undefined, 276],
    ["server-cors-allowed-origins", undefined, 277],
    ["server-host", "!4", 278],
    ["server-port", "3000", 279],
    ["server-trace-header", undefined, 280],
    ["server-timing-enabled", "false", 281],
    ["server-unix-socket", undefined, 282],
    ["server-unix-socket-mode", "660", 283],
    ["admin-server-port", undefined, 284],
    ["internal-schema-cache-sleep", undefined, 287],
];

/** A PostgREST config key as its env var: "db-uri" → PGRST_DB_URI (Config.hs reads PGRST_<KEY>). */
export const envName = (key: string) => `PGRST_${key.replace(/-/g, "_").toUpperCase()}`;

/** A key table ([key, default, parser line, aliases]) as the env facts of one PostgREST version. */
export function postgrestReads(
    keys: [string, string | undefined, number, string[]?][], source: (line: number) => SourceRef, notes: Record<string, string> = {},
): EnvVarFact[] {
    return keys.map(([key, value, line, aliases]) => ({
        name: envName(key),
        // The default "postgresql://" is the local socket: nothing to connect to in a pod of its own.
        required: key === "db-uri",
        ...(value === undefined ? {} : { default: value }),
        ...(aliases ? { aliases: aliases.map(envName) } : {}),
        source: source(line),
        ...(notes[key] ? { note: notes[key] } : {}),
    }));
}

const reads = postgrestReads(KEYS, (line) => POSTGREST(CONFIG, line));

export const REST_CONTRACT: ImageContract = {
    service: "rest",
    image: "postgrest/postgrest",
    tag: "v12.0.2",
    env: {
        reads,
        prefixes: [
            { prefix: "PGRST_APP_SETTINGS_", source: POSTGREST(CONFIG, 294), note: "Each becomes the GUC app.settings.<rest, lower case> on every request." },
        ],
    },
    ports: [
        { port: 3000, protocol: "TCP", purpose: "REST API", env: "PGRST_SERVER_PORT", source: POSTGREST(CONFIG, 279) },
        // The admin server only exists when admin-server-port is set (Admin.hs:27, Config.hs:284).
        { port: 0, protocol: "TCP", purpose: "admin server (/live, /ready)", env: "PGRST_ADMIN_SERVER_PORT", offUnlessEnvSet: true, source: POSTGREST("src/PostgREST/Admin.hs", 27) },
    ],
    health: [
        { path: "/ready", port: 0, source: POSTGREST("src/PostgREST/Admin.hs", 44), note: "Admin server: 200 once the main socket answers, the pool/listener is up and the schema cache is loaded." },
        { path: "/live", port: 0, source: POSTGREST("src/PostgREST/Admin.hs", 46), note: "Admin server: 200 while the main socket accepts connections." },
    ],
    user: { uid: 1000, source: POSTGREST("nix/tools/docker/default.nix", 24) },
    shippedPaths: [
        { path: "/bin/postgrest", source: POSTGREST("nix/tools/docker/default.nix", 23), note: "x64 image (nix store closure copied to /)." },
        { path: "/nix", source: POSTGREST("nix/tools/docker/default.nix", 11), note: "copyToRoot = postgrest: the binary's nix store closure." },
        { path: "/usr/bin/postgrest", source: POSTGREST(".github/scripts/arm/docker-env/Dockerfile", 10), note: "arm64 image." },
    ],
    // Nothing in the source writes to the filesystem unless server-unix-socket is set.
    writablePaths: [],
    entrypoint: {
        command: ["/bin/postgrest"],
        source: POSTGREST("nix/tools/docker/default.nix", 23),
        note: "Cmd, no Entrypoint; with no config-file argument every setting comes from PGRST_* (Config.hs:215-217).",
    },
    unknowns: [
        {
            fact: "libpq environment variables (PGHOST, PGSSLMODE, ...)",
            why: "PostgREST connects through libpq, which reads its own PG* variables; that is libpq's source (postgres/postgres), not read here.",
        },
    ],
};
