// Contract of supabase/postgres-meta:v0.68.0, read from supabase/postgres-meta at tag v0.68.0.
// Every variable is read in src/server/constants.ts; the two secrets go through getSecret, which
// also accepts <NAME>_FILE (src/lib/secrets.ts:9-14).
import { ImageContract, SourceRef } from "../../contract-types";

const TAG = "v0.68.0";
const at = (path: string, line?: number): SourceRef => ({ repo: "supabase/postgres-meta", tag: TAG, path, line });
const constants = (line: number) => at("src/server/constants.ts", line);

/** The defaults point at a local database; a separate one is unreachable without these. */
const NEEDED_REMOTELY = "Has a default, but it only fits a database on localhost with the stock password.";

export const metaContract: ImageContract = {
    service: "meta",
    image: "supabase/postgres-meta",
    tag: TAG,
    env: {
        reads: [
            { name: "PG_META_HOST", required: false, default: "0.0.0.0", source: constants(3) },
            { name: "PG_META_PORT", required: false, default: "8080", source: constants(4), note: "The code default is 1337; the Dockerfile sets ENV PG_META_PORT=8080 (Dockerfile:15)." },
            { name: "CRYPTO_KEY", required: false, default: "SAMPLE_KEY", source: constants(5), note: "Decrypts an x-connection-encrypted request header (src/server/routes/index.ts:27-30); the caller must use the same key." },
            { name: "CRYPTO_KEY_FILE", required: false, source: at("src/lib/secrets.ts", 14) },
            { name: "PG_META_DB_HOST", required: true, default: "localhost", source: constants(7), note: NEEDED_REMOTELY },
            { name: "PG_META_DB_NAME", required: false, default: "postgres", source: constants(8) },
            { name: "PG_META_DB_USER", required: false, default: "postgres", source: constants(9) },
            { name: "PG_META_DB_PORT", required: false, default: "5432", source: constants(10) },
            { name: "PG_META_DB_PASSWORD", required: true, default: "postgres", source: constants(11), note: NEEDED_REMOTELY },
            { name: "PG_META_DB_PASSWORD_FILE", required: false, source: at("src/lib/secrets.ts", 14) },
            { name: "PG_META_DB_SSL_MODE", required: false, default: "disable", source: constants(12) },
            { name: "PG_CONN_TIMEOUT_SECS", required: false, default: "15", source: constants(14) },
            { name: "PG_META_DB_URL", required: false, source: constants(17), note: "Replaces the PG_META_DB_* parts when set." },
            { name: "PG_META_REQ_HEADER", required: false, default: "request-id", source: constants(29) },
        ],
    },
    ports: [
        { port: 8080, protocol: "TCP", purpose: "HTTP API", env: "PG_META_PORT", source: at("src/server/server.ts", 116) },
        { port: 8081, protocol: "TCP", purpose: "Prometheus /metrics (PG_META_PORT + 1)", source: at("src/server/server.ts", 117) },
    ],
    health: [
        { path: "/health", port: 8080, source: at("src/server/app.ts", 49), note: "No database call; the Dockerfile HEALTHCHECK uses it too (Dockerfile:19)." },
    ],
    user: { uid: null, name: "root", source: at("Dockerfile", 10) },
    shippedPaths: [
        { path: "/usr/src/app", source: at("Dockerfile", 11), note: "WORKDIR holding node_modules/, dist/ and package.json (Dockerfile:12-14)." },
    ],
    writablePaths: [],
    entrypoint: {
        args: ["npm", "run", "start"],
        source: at("Dockerfile", 16),
        note: "The start script is `node dist/server/server.js` (package.json:26); running it directly skips npm, which writes its cache and logs under HOME.",
    },
    unknowns: [
        { fact: "UID of a non-root user", why: "The Dockerfile has no USER line (runs as root); node:16-bullseye-slim is a floating tag, so its `node` user is not pinned at this tag." },
        { fact: "Whether /usr/src/app is readable by a non-root UID", user: true, why: "Files are COPYed without --chown (Dockerfile:12-14); their modes come from the build stage, not stated at the tag." },
    ],
};
