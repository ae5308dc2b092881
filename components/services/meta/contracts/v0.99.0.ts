// Contract of supabase/postgres-meta:v0.99.0. The supabase/postgres-meta snapshot ends at v0.98.0
// (master 641831e, 2026-08-14) and has no v0.99.0 tag, and the file index holds nothing newer, so
// the git source at v0.99.0 was not read. What the process reads was read instead in the package
// the same release job publishes (npm @supabase/postgres-meta@0.99.0, .github/workflows/release.yml
// at v0.98.0 builds it and the image from one checkout): dist/server/constants.js,
// dist/lib/secrets.js, dist/server/sentry.js, server.js, app.js, routes/index.js. Every env read
// there matches src/server/constants.ts at v0.98.0. The image recipe (Dockerfile) is not in the
// package: it is cited at v0.98.0, the nearest tag, and listed under `unknowns`.
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const TAG = "0.99.0";
const pkg = (path: string, line?: number): SourceRef => ({ repo: "npm:@supabase/postgres-meta", tag: TAG, path, line });
const constants = (line: number) => pkg("dist/server/constants.js", line);
const git = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres-meta", tag: "v0.98.0", path, line });
const dockerfile = (line: number) => git("Dockerfile", line);

/** The defaults point at a local database; a separate one is unreachable without these. */
const NEEDED_REMOTELY = "Has a default, but it only fits a database on localhost with the stock password.";
const SECRET_FILE = "getSecret falls back to <NAME>_FILE, a path whose content is the value (dist/lib/secrets.js:5-9).";

/** [name, default, line in dist/server/constants.js, note]; none is required unless listed below. */
type Row = [string, string | undefined, number, string?];
const OPTIONAL: Row[] = [
    ["PG_META_HOST", "0.0.0.0", 4, "IPv4 wildcard; both listeners bind it (server.js:74,80)."],
    ["PG_META_PORT", "8080", 5, "The code default is 1337; the Dockerfile sets ENV PG_META_PORT=8080 (Dockerfile:18 at v0.98.0)."],
    ["CRYPTO_KEY", "SAMPLE_KEY", 6, "Decrypts the x-connection-encrypted request header with CryptoJS AES (routes/index.js:30-33); Studio must encrypt with the same key (it reads PG_META_CRYPTO_KEY). Not PG_META_CRYPTO_KEY: meta reads only CRYPTO_KEY."],
    ["PG_META_DB_NAME", "postgres", 8],
    ["PG_META_DB_USER", "postgres", 9, "Upstream compose moved this from supabase_admin to postgres in self-hosted 0.6.0."],
    ["PG_META_DB_PORT", "5432", 10],
    ["PG_META_DB_SSL_MODE", "disable", 12],
    ["PG_CONN_TIMEOUT_SECS", "15", 13],
    ["PG_QUERY_TIMEOUT_SECS", "55", 14],
    ["PG_META_DB_URL", undefined, 15, "Replaces the PG_META_DB_* parts when set."],
    ["PG_META_DB_SSL_ROOT_CERT", undefined, 26, "PEM text (not a path); parsed as an X509 certificate at start-up (constants.js:27-29)."],
    ["PG_META_EXPORT_DOCS", undefined, 31, "'true' prints the OpenAPI document and exits instead of serving."],
    ["PG_META_GENERATE_TYPES", undefined, 32, "When set, the process generates types once and exits instead of serving."],
    ["PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS", undefined, 34],
    ["PG_META_GENERATE_TYPES_DEFAULT_SCHEMA", "public", 36],
    ["PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS", undefined, 37],
    ["PG_META_POSTGREST_VERSION", undefined, 38],
    ["PG_META_GENERATE_TYPES_SWIFT_ACCESS_CONTROL", "internal", 39],
    ["PG_META_MAX_RESULT_SIZE_MB", undefined, 43, "Unset means 2 GiB."],
    ["PG_META_MAX_BODY_LIMIT_MB", undefined, 48, "Unset means 3 MiB."],
    ["PG_META_REQ_HEADER", "request-id", 60],
    ["PG_META_FORMAT_IN_WORKER", undefined, 69, "New since the seed: 'true' formats generated types on a worker thread."],
    ["PG_META_FORMAT_POOL_SIZE", "1", 72],
    ["PG_META_FORMAT_MAX_QUEUE", "20", 77],
    ["PG_META_FORMAT_TIMEOUT_SECS", "60", 78],
    ["PG_META_FORMAT_IDLE_TIMEOUT_SECS", "30", 81],
    ["PG_META_SHUTDOWN_GRACE_PERIOD_SECS", "10", 86, "How long SIGTERM waits for in-flight work; keep it below the pod's terminationGracePeriodSeconds."],
];

const reads: EnvVarFact[] = [
    ...OPTIONAL.map(([name, def, line, note]): EnvVarFact => ({
        name, required: false, ...(def !== undefined ? { default: def } : {}), source: constants(line), ...(note ? { note } : {}),
    })),
    { name: "PG_META_DB_HOST", required: true, default: "localhost", source: constants(7), note: NEEDED_REMOTELY },
    { name: "PG_META_DB_PASSWORD", required: true, default: "postgres", source: constants(11), note: `${NEEDED_REMOTELY} ${SECRET_FILE}` },
    { name: "CRYPTO_KEY_FILE", required: false, source: pkg("dist/lib/secrets.js", 9), note: SECRET_FILE },
    { name: "PG_META_DB_PASSWORD_FILE", required: false, source: pkg("dist/lib/secrets.js", 9), note: SECRET_FILE },
    { name: "ENVIRONMENT", required: false, default: "local", source: pkg("dist/server/sentry.js", 3), note: "Sentry environment; 'prod' lowers trace sampling." },
    { name: "SENTRY_DSN", required: false, default: "", source: pkg("dist/server/sentry.js", 4), note: "Empty means no error reporting." },
];

export const META_V0_99_0_CONTRACT: ImageContract = {
    service: "meta",
    image: "supabase/postgres-meta",
    tag: "v0.99.0",
    env: { reads },
    ports: [
        { port: 8080, protocol: "TCP", purpose: "HTTP API", env: "PG_META_PORT", source: pkg("dist/server/server.js", 74) },
        { port: 8081, protocol: "TCP", purpose: "Prometheus /metrics (PG_META_PORT + 1, admin app)", source: pkg("dist/server/server.js", 79) },
    ],
    health: [
        { path: "/health", port: 8080, source: pkg("dist/server/app.js", 46), note: "Answers without touching the database; the Dockerfile HEALTHCHECK fetches it (Dockerfile:23 at v0.98.0)." },
    ],
    // No USER line in the v0.98.0 Dockerfile: node:22-slim's default, root.
    user: { uid: null, name: "root", source: dockerfile(10) },
    shippedPaths: [
        { path: "/usr/src/app", source: dockerfile(14), note: "WORKDIR holding node_modules/, dist/ and package.json (Dockerfile:15-17 at v0.98.0)." },
    ],
    // Nothing in dist/ writes files; the process only logs to stdout.
    writablePaths: [],
    entrypoint: {
        command: ["node", "dist/server/server.js"],
        source: dockerfile(20),
        note: "CMD at v0.98.0 runs node directly (the seed's v0.68.0 ran `npm run start`); the base image's entrypoint is kept. Not read at v0.99.0.",
    },
    unknowns: [
        { fact: "The image recipe at v0.99.0 (base image, USER, WORKDIR, CMD, EXPOSE, HEALTHCHECK)", user: true, why: "The fetched supabase/postgres-meta snapshot stops at v0.98.0 and the index has no newer Dockerfile; user, paths, command and health check above are v0.98.0's (Dockerfile last changed at dcd0643, 2026-08-06, Node 22)." },
        { fact: "UID of a non-root user", user: true, why: "The Dockerfile has no USER line (runs as root); node:22-slim is a floating tag, so its `node` user (1000 in the official images) is not pinned by this repository." },
        { fact: "Whether /usr/src/app is readable by a non-root UID", user: true, why: "Files are COPYed from the build stage without --chown (Dockerfile:15-17 at v0.98.0); their modes are not stated." },
        { fact: "Whether the npm build of 0.99.0 is byte-for-byte what the image runs", why: "Both come from one release job (release.yml at v0.98.0), but the tarball has no dist/server/templates/, so it is not a full copy of the image's dist/; env reads were compared only for the files listed in the header." },
    ],
};
