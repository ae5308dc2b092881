// postgrest/postgrest:v14.17. Read at PostgREST/postgrest@v14.17 (064e5fe): the config parser
// (src/PostgREST/Config.hs), the admin server (src/PostgREST/Admin.hs), the socket set-up
// (src/PostgREST/App.hs), the `--ready` client (src/PostgREST/Client.hs, src/PostgREST/CLI.hs),
// CHANGELOG.md, and the image recipes (nix/tools/docker/default.nix for x64, pushed by
// .github/workflows/release.yaml:152-160; Dockerfile for arm64, built by release.yaml:140-151).
// JWT verification goes through jose-jwt 0.9.6 (nix/overlays/haskell-packages.nix:101-108), read at
// tekul/jose-jwt@8c46ae1 ("Release 0.9.6"): Jose/Jwk.hs.
import { postgrestReads } from "./v12.0.2";
import { ImageContract, SourceRef } from "../../contract-types";

const POSTGREST = (path: string, line?: number): SourceRef => ({ repo: "PostgREST/postgrest", tag: "v14.17", path, line });
const CONFIG = "src/PostgREST/Config.hs";

/**
 * Every config key at v14.17: [key, default, line of its parser in Config.hs, aliases]. Each is
 * read from PGRST_<KEY with - as _, upper case> (Config.hs:428), so "db-uri" is PGRST_DB_URI. An
 * in-database setting (pgrst.<key with _>, read when db-config is true) wins over the env var
 * (Config.hs:422).
 * Against v12.0.2: jwt-cache-max-lifetime is gone, replaced by jwt-cache-max-entries
 * (CHANGELOG.md:157); internal-schema-cache-sleep became internal-schema-cache-query-sleep;
 * db-hoisted-tx-settings (CHANGELOG.md:388), admin-server-host (CHANGELOG.md:225) and log-query
 * (a boolean since 14.0, CHANGELOG.md:158) are new. db-use-legacy-gucs is still not read.
 */
const KEYS: [string, string | undefined, number, string[]?][] = [
    ["db-aggregates-enabled", "false", 251],
    ["db-anon-role", undefined, 252],
    ["db-channel", "pgrst", 253],
    ["db-channel-enabled", "true", 254],
    ["db-extra-search-path", "public", 255],
    // Default list at Config.hs:457.
    ["db-hoisted-tx-settings", "statement_timeout,plan_filter.statement_cost_limit,default_transaction_isolation", 256],
    ["db-max-rows", undefined, 257, ["max-rows"]],
    ["db-plan-enabled", "false", 259],
    ["db-pool", "10", 260],
    ["db-pool-acquisition-timeout", "10", 261],
    ["db-pool-max-lifetime", "1800", 262],
    // The parser tries db-pool-timeout first, then db-pool-max-idletime (Config.hs:263-264).
    ["db-pool-max-idletime", "30", 263, ["db-pool-timeout"]],
    ["db-pool-automatic-recovery", "true", 265],
    ["db-pre-request", undefined, 266, ["pre-request"]],
    ["db-prepared-statements", "true", 268],
    ["db-root-spec", undefined, 269, ["root-spec"]],
    ["db-schemas", "public", 271, ["db-schema"]],
    ["db-config", "true", 273],
    ["db-pre-config", undefined, 274],
    ["db-tx-end", "commit", 275],
    ["db-uri", "postgresql://", 277],
    ["jwt-aud", undefined, 280],
    ["jwt-role-claim-key", ".role", 281, ["role-claim-key"]],
    ["jwt-secret", undefined, 282],
    ["jwt-secret-is-base64", "false", 283, ["secret-is-base64"]],
    ["jwt-cache-max-entries", "1000", 286],
    ["log-level", "error", 287],
    ["log-query", "false", 288],
    ["openapi-mode", "follow-privileges", 289],
    ["openapi-security-active", "false", 290],
    ["openapi-server-proxy-uri", undefined, 291],
    ["server-cors-allowed-origins", undefined, 292],
    ["server-host", "!4", 293],
    ["server-port", "3000", 294],
    ["server-trace-header", undefined, 295],
    ["server-timing-enabled", "false", 296],
    ["server-unix-socket", undefined, 297],
    ["server-unix-socket-mode", "660", 298],
    // Unset, it takes server-host's value, and then "!4" (Config.hs:299-300, 460).
    ["admin-server-host", "!4", 299, ["server-host"]],
    ["admin-server-port", undefined, 301],
    ["internal-schema-cache-query-sleep", undefined, 304],
];

const NOTES: Record<string, string> = {
    "jwt-secret":
        "A plain secret (HS256, at least 32 bytes or startup fails, Config.hs:506-509), a single JWK, or a JWKS " +
        "{\"keys\":[...]} (Config.hs:498-505); a leading @ reads it from a file (Config.hs:465-473). A JWKS may mix " +
        "EC P-256 (ES256) and oct (HS256) keys. JSON that does not parse as a JWKS or JWK falls through to the " +
        "plain-secret branch silently.",
    "jwt-aud": "When set, a token's aud must match; a value with ':' must be a valid URI or startup fails (Config.hs:398-410).",
    "admin-server-port": "Unset: no admin server. Equal to server-port: startup fails (Config.hs:316-322).",
    "db-schemas": "A schema that does not exist fails the schema cache load (CHANGELOG.md:263).",
    "openapi-mode": "follow-privileges | ignore-privileges | disabled (Config.hs:337-344); disabled answers 404 PGRST126 on / for every role (ApiRequest.hs:121, Error.hs:143).",
};

const reads = postgrestReads(KEYS, (line) => POSTGREST(CONFIG, line), NOTES);

export const REST_V14_17_CONTRACT: ImageContract = {
    service: "rest",
    image: "postgrest/postgrest",
    tag: "v14.17",
    env: {
        reads,
        prefixes: [
            { prefix: "PGRST_APP_SETTINGS_", source: POSTGREST(CONFIG, 311), note: "Each becomes the GUC app.settings.<rest, as written> on every request." },
        ],
    },
    ports: [
        { port: 3000, protocol: "TCP", purpose: "REST API", env: "PGRST_SERVER_PORT", source: POSTGREST(CONFIG, 294) },
        // The admin socket is only bound when admin-server-port is set (App.hs:267-271, Admin.hs:29).
        { port: 0, protocol: "TCP", purpose: "admin server (/live, /ready, /metrics, /schema_cache)", env: "PGRST_ADMIN_SERVER_PORT", offUnlessEnvSet: true, source: POSTGREST("src/PostgREST/App.hs", 267) },
    ],
    health: [
        { path: "/ready", port: 0, source: POSTGREST("src/PostgREST/Admin.hs", 55), note: "Admin server: 200 once the main socket answers and the schema cache is loaded; 503 while recovering; 500 otherwise." },
        { path: "/live", port: 0, source: POSTGREST("src/PostgREST/Admin.hs", 53), note: "Admin server: 200 while the main socket accepts connections, else 500." },
        {
            path: "exec",
            port: 0,
            source: POSTGREST("src/PostgREST/Client.hs", 57),
            note: "`postgrest --ready` (CLI.hs:141-144) GETs http://<admin-server-host>:<admin-server-port>/ready; it exits 1 if the admin port is unset or the admin host is a special name (*, *4, !4, *6, !6: Network.hs:55-61), so it needs PGRST_ADMIN_SERVER_HOST set to a real address.",
        },
    ],
    user: { uid: 1000, source: POSTGREST("nix/tools/docker/default.nix", 24) },
    shippedPaths: [
        { path: "/bin/postgrest", source: POSTGREST("nix/tools/docker/default.nix", 23), note: "x64 image: static binary (the root default.nix:165 passes postgrestStatic), copied to /." },
        { path: "/nix", source: POSTGREST("nix/tools/docker/default.nix", 11), note: "copyToRoot = postgrest: its nix store closure." },
        { path: "/usr/bin/postgrest", source: POSTGREST("Dockerfile", 12), note: "arm64 image (ubuntu base, USER 1000 at Dockerfile:17)." },
    ],
    // Nothing in the source writes to the filesystem unless server-unix-socket is set (Unix.hs:51).
    writablePaths: [],
    entrypoint: {
        command: ["/bin/postgrest"],
        source: POSTGREST("nix/tools/docker/default.nix", 23),
        note: "Cmd, no Entrypoint (x64); the arm64 Dockerfile's CMD is [\"postgrest\"] (Dockerfile:21). With no config-file argument every setting comes from PGRST_* (CLI.hs:33, Config.hs:228).",
    },
    unknowns: [
        {
            fact: "libpq environment variables (PGHOST, PGSSLMODE, ...)",
            why: "PostgREST connects through libpq, which reads its own PG* variables; that is libpq's source (postgres/postgres), not read here.",
        },
        {
            fact: "whether the x64 image's config sets PATH (so that a bare `postgrest` command resolves)",
            why: "default.nix sets no Env; a default PATH, if any, comes from the container runtime, which is not this repository.",
        },
    ],
};
