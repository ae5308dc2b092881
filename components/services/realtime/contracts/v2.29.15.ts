// supabase/realtime:v2.29.15, the Realtime pinned by supabase/cli@06133db0 (pkg/config/constants.go:19),
// the commit that pins the seed's Studio 20240729-ce42139 (constants.go:13). Read at
// supabase/realtime@v2.29.15: the image recipe (Dockerfile), its entrypoint (run.sh), the release
// scripts (rel/env.sh.eex, rel/overlays/bin/{server,migrate}), the runtime config
// (config/runtime.exs), the self-host seed (priv/repo/seeds.exs, lib/realtime/release.ex), the router
// and endpoint (lib/realtime_web/{router,endpoint}.ex) and the tenant plug / socket
// (lib/realtime_web/plugs/assign_tenant.ex, lib/realtime_web/channels/user_socket.ex,
// lib/realtime/database.ex). The Elixir release's runtime-config write was read in
// elixir-lang/elixir (lib/elixir/lib/config/provider.ex, commit 0293894, not the image's Elixir 1.16.2).
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const TAG = "v2.29.15";
const RT = (path: string, line?: number): SourceRef => ({ repo: "supabase/realtime", tag: TAG, path, line });
const RUNTIME = "config/runtime.exs";
const RUN_SH = "run.sh";
const ENV_SH = "rel/env.sh.eex";

/** [name, required, default, path, line, note] */
const READS: [string, boolean, string | undefined, string, number, string?][] = [
    // config/runtime.exs (evaluated by the release at every start and every `eval`)
    ["LOGFLARE_LOGGER_BACKEND_URL", false, "https://api.logflare.app", RUNTIME, 4],
    ["APP_NAME", true, "", RUNTIME, 6, "prod raises \"APP_NAME not available\" when empty (runtime.exs:34-36); also the node basename (rel/env.sh.eex:22)"],
    ["DB_HOST", false, "localhost", RUNTIME, 7, "metadata DB (tenants table) and, via the seed, the tenant's own DB (seeds.exs:26)"],
    ["DB_USER", false, "postgres", RUNTIME, 8, "the seed's tenant extension defaults to supabase_admin instead (seeds.exs:27)"],
    ["DB_PASSWORD", false, "postgres", RUNTIME, 9],
    ["DB_NAME", false, "postgres", RUNTIME, 10],
    ["DB_PORT", false, "5432", RUNTIME, 11],
    ["SLOT_NAME_SUFFIX", false, undefined, RUNTIME, 12, "the Dockerfile bakes it from a build arg (Dockerfile:66-68)"],
    ["TENANT_MAX_BYTES_PER_SECOND", false, "100000", RUNTIME, 16],
    ["TENANT_MAX_CHANNELS_PER_CLIENT", false, "100", RUNTIME, 18],
    ["TENANT_MAX_CONCURRENT_USERS", false, "200", RUNTIME, 20],
    ["TENANT_MAX_EVENTS_PER_SECOND", false, "100", RUNTIME, 22],
    ["TENANT_MAX_JOINS_PER_SECOND", false, "100", RUNTIME, 24],
    ["SECRET_KEY_BASE", true, undefined, RUNTIME, 28, "prod raises when unset (runtime.exs:27-32)"],
    ["PORT", false, "4000", RUNTIME, 42],
    ["MAX_HEADER_LENGTH", false, "4096", RUNTIME, 44],
    ["MAX_CONNECTIONS", false, "1000", RUNTIME, 51],
    ["NUM_ACCEPTORS", false, "100", RUNTIME, 52],
    ["AWS_EXECUTION_ENV", false, undefined, RUNTIME, 62, "also picks the node IP in rel/env.sh.eex:11"],
    ["SECURE_CHANNELS", false, "true", RUNTIME, 65, "when not \"true\" the socket connect/1 clause does nothing (user_socket.ex:23)"],
    ["JWT_CLAIM_VALIDATORS", false, "{}", RUNTIME, 66],
    ["API_JWT_SECRET", true, undefined, RUNTIME, 67,
        "HS key for the /api/tenants* bearer (router.ex:132-148) and, via SEED_SELF_HOST, the seeded tenant's jwt_secret (seeds.exs:19-20; unset there means a public default secret)"],
    ["API_TOKEN_BLOCKLIST", false, "", RUNTIME, 68],
    ["METRICS_TOKEN_BLOCKLIST", false, "", RUNTIME, 69],
    ["METRICS_JWT_SECRET", false, undefined, RUNTIME, 70, "HS key for /metrics (router.ex:40-42); optional at this tag"],
    ["DB_ENC_KEY", true, undefined, RUNTIME, 71,
        "AES-128-ECB key (lib/realtime/encryption.ex:13) for the tenant's secrets in _realtime: must be exactly 16 bytes; the seed encrypts with it, so nil fails"],
    ["REGION", false, undefined, RUNTIME, 72],
    ["PROM_POLL_RATE", false, "5000", RUNTIME, 73],
    ["DB_QUEUE_TARGET", false, "5000", RUNTIME, 77],
    ["DB_QUEUE_INTERVAL", false, "5000", RUNTIME, 78],
    ["DB_AFTER_CONNECT_QUERY", false, undefined, RUNTIME, 81, "upstream sets 'SET search_path TO _realtime' so the metadata tables land in _realtime"],
    ["DB_POOL_SIZE", false, "5", RUNTIME, 92],
    ["DB_HOST_REPLICA_FRA", false, undefined, RUNTIME, 101, "defaults to DB_HOST"],
    ["DB_HOST_REPLICA_IAD", false, undefined, RUNTIME, 102, "defaults to DB_HOST"],
    ["DB_HOST_REPLICA_SIN", false, undefined, RUNTIME, 103, "defaults to DB_HOST"],
    ["DB_HOST_REPLICA_SJC", false, undefined, RUNTIME, 104, "defaults to DB_HOST"],
    ["DB_REPLICA_POOL_SIZE", false, "5", RUNTIME, 121],
    ["CLUSTER_STRATEGIES", false, "DNS", RUNTIME, 138, "prod default DNS (runtime.exs:130-135)"],
    ["DNS_NODES", false, undefined, RUNTIME, 151, "the DNSPoll query; upstream compose sets it to \"''\""],
    ["POSTGRES_CLUSTER_CHANNEL_NAME", false, undefined, RUNTIME, 175, "only with CLUSTER_STRATEGIES=POSTGRES"],
    ["LOGS_ENGINE", false, undefined, RUNTIME, 201],
    ["LOGFLARE_API_KEY", false, undefined, RUNTIME, 202, "required only with LOGS_ENGINE=logflare"],
    ["LOGFLARE_SOURCE_ID", false, undefined, RUNTIME, 202, "required only with LOGS_ENGINE=logflare"],
    // read at request time
    ["DASHBOARD_USER", false, undefined, "lib/realtime_web/router.ex", 151, "fetch_env! on /admin requests only (a 500 there when unset), not at boot"],
    ["DASHBOARD_PASSWORD", false, undefined, "lib/realtime_web/router.ex", 152, "fetch_env! on /admin requests only"],
    // the entrypoint
    ["RLIMIT_NOFILE", true, undefined, RUN_SH, 6,
        "run.sh runs under `set -u` (run.sh:2) and expands $RLIMIT_NOFILE with no default, so the entrypoint exits when it is unset; then `ulimit -Sn` (run.sh:8)"],
    ["ENABLE_ERL_CRASH_DUMP", false, "false", RUN_SH, 58],
    ["ERL_CRASH_DUMP_S3_BUCKET", false, undefined, RUN_SH, 15, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_S3_HOST", false, undefined, RUN_SH, 16, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_S3_PORT", false, undefined, RUN_SH, 17, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_S3_KEY", false, undefined, RUN_SH, 24, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_S3_SECRET", false, undefined, RUN_SH, 25, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_S3_SSL", false, undefined, RUN_SH, 41, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_FOLDER", false, "tmp", RUN_SH, 28, "crash-dump upload only"],
    ["ERL_CRASH_DUMP_FILE_NAME", false, "erl_crash.dump", RUN_SH, 28, "crash-dump upload only"],
    ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", false, undefined, RUN_SH, 19, "crash-dump upload only"],
    ["SEED_SELF_HOST", false, undefined, RUN_SH, 65, "\"true\": (re)creates the tenant realtime-dev at every start (seeds.exs:4,9-39)"],
    ["ERL_CRASH_DUMP", false, "/tmp/erl_crash.dump", RUN_SH, 11, "run.sh exports it itself, so a value set on the container is overwritten"],
    // the release's env.sh
    ["NODE_NAME", false, undefined, ENV_SH, 22, "node name; falls back to APP_NAME, then \"realtime\""],
    // the Erlang runtime
    ["ERL_AFLAGS", false, "-proto_dist inet6_tcp", "Dockerfile", 74, "read by erl; the image defaults to IPv6 distribution, upstream compose sets -proto_dist inet_tcp"],
];

const reads: EnvVarFact[] = READS.map(([name, required, def, path, line, note]) => ({
    name,
    required,
    ...(def === undefined ? {} : { default: def }),
    source: RT(path, line),
    ...(note ? { note } : {}),
}));

reads.push({
    name: "RELEASE_TMP",
    required: false,
    default: "/app/tmp",
    source: { repo: "elixir-lang/elixir", tag: "0293894f4ecdb71ce0bc899668b82fc4a71d0056", path: "lib/elixir/lib/config/provider.ex" },
    note: "Elixir release script default $RELEASE_ROOT/tmp (RELEASE_ROOT is /app, Dockerfile:83,87); the runtime.exs config provider writes the resolved sys.config there at every boot/eval",
});

export const REALTIME_V2_29_15_CONTRACT: ImageContract = {
    service: "realtime",
    image: "supabase/realtime",
    tag: TAG,
    env: {
        reads,
        prefixes: [
            {
                prefix: "RELEASE_",
                source: RT(ENV_SH, 24),
                note: "Elixir release script variables (RELEASE_COOKIE, RELEASE_NODE, ...); env.sh forces RELEASE_DISTRIBUTION=name and RELEASE_NODE=<NODE_NAME|APP_NAME>@<ip> (env.sh.eex:24-25)",
            },
        ],
    },
    ports: [
        { port: 4000, protocol: "TCP", purpose: "HTTP: websocket /socket/websocket, /api/*, LiveView pages", env: "PORT", source: RT(RUNTIME, 42) },
        {
            port: 4369, protocol: "TCP", purpose: "EPMD, started by erl because the release runs distributed (-name); cluster use only",
            source: RT(ENV_SH, 24),
        },
    ],
    health: [
        {
            path: "/", port: 4000, source: RT("lib/realtime_web/router.ex", 51),
            note: "No JWT: the LiveView index page through the :browser pipeline (router.ex:8-15,48-55). Proves the HTTP listener only. There is no /healthcheck at this tag (added in v2.32.1).",
        },
        {
            path: "/api/tenants/realtime-dev/health", port: 4000, source: RT("lib/realtime_web/router.ex", 90),
            note: "Needs `Authorization: Bearer <HS JWT signed with API_JWT_SECRET>` (router.ex:132-148), else 403. Tenant from the path, not Host. 404 until the tenant is seeded; otherwise 200 with data.healthy true/false (tenant_controller.ex:268-285), so a probe must read the body.",
        },
        { path: "tcp", port: 4000, source: RT(RUNTIME, 42) },
    ],
    // No USER in the Dockerfile: the container runs as root; run.sh drops to nobody (uid 65534 on
    // Debian, owner of /app) only for migrate and seed (run.sh:63,67).
    user: { uid: 0, gid: 0, name: "root", source: RT("Dockerfile", 83) },
    shippedPaths: [
        { path: "/app/bin", source: RT("Dockerfile", 87), note: "release scripts: realtime, server, migrate (rel/overlays/bin)" },
        { path: "/app/lib", source: RT("Dockerfile", 87), note: "compiled applications, priv/ (migrations, seeds.exs, static assets)" },
        { path: "/app/releases", source: RT("Dockerfile", 87), note: "release metadata, COOKIE, env.sh, vm.args, sys.config" },
        { path: "/app/run.sh", source: RT("Dockerfile", 88) },
        { path: "/usr/bin/tini", source: RT("Dockerfile", 77) },
    ],
    writablePaths: [
        {
            path: "${RELEASE_TMP}", env: "RELEASE_TMP",
            source: { repo: "elixir-lang/elixir", tag: "0293894f4ecdb71ce0bc899668b82fc4a71d0056", path: "lib/elixir/lib/config/provider.ex" },
            note: "Config.Provider writes the runtime sys.config here at every start and every `eval` (migrate, seeds), then aborts boot if it cannot",
        },
        { path: "/tmp", source: RT(RUN_SH, 11), note: "ERL_CRASH_DUMP=/tmp/erl_crash.dump, written when the VM crashes" },
    ],
    entrypoint: {
        command: ["/usr/bin/tini", "-s", "-g", "--", "/app/run.sh"],
        args: ["/app/bin/server"],
        source: RT("Dockerfile", 90),
        note: "run.sh: ulimit from RLIMIT_NOFILE, then `sudo -E -u nobody /app/bin/migrate` (run.sh:63), then with SEED_SELF_HOST=true `sudo -E -u nobody /app/bin/realtime eval 'Realtime.Release.seeds(Realtime.Repo)'` (run.sh:67), then exec the CMD as the container user (root). bin/server sets PHX_SERVER=true and runs `realtime start` (rel/overlays/bin/server:3).",
    },
    unknowns: [
        {
            fact: "whether the entrypoint works as a non-root UID or with allowPrivilegeEscalation=false",
            why: "run.sh calls `sudo -E -u nobody` for migrate and seed (run.sh:63,67); sudo needs root or a setuid escalation, which is sudo's behaviour, not read here. The safe path is a command that runs /app/bin/migrate, the seed eval and /app/bin/server directly (no sudo) as uid 65534 (nobody, owner of /app: Dockerfile:85,87).",
            user: true,
        },
        {
            fact: "the name of the bundled ERTS directory (/app/erts-<version>)",
            why: "mix release copies ERTS into the release root; its version comes from the builder image (OTP 26.2.5, Dockerfile:2), the exact directory name was not read.",
        },
        {
            fact: "whether GET / touches the database",
            why: "PageLive.Index's mount was not read; treat / as a liveness check of the HTTP listener only.",
        },
    ],
};
