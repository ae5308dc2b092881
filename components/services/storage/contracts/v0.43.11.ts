// Contract of supabase/storage-api:v0.43.11, read from supabase/storage at tag v0.43.11.
// Single-tenant mode throughout: the program never sets IS_MULTITENANT, so every
// getOptionalIfMultitenantConfigFromEnv key is required (src/config.ts:94-98).
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const TAG = "v0.43.11";
const at = (path: string, line?: number): SourceRef => ({ repo: "supabase/storage", tag: TAG, path, line });
const config = (line: number) => at("src/config.ts", line);

/** [name, required, default, line in src/config.ts, note]; a thrown "<KEY> is undefined" marks required. */
type Row = [string, boolean, string | undefined, number, string?];
const CONFIG_ROWS: Row[] = [
    ["VERSION", false, "0.0.0", 104, "The Dockerfile sets it from the VERSION build arg (Dockerfile:15-16)."],
    ["SERVER_KEEP_ALIVE_TIMEOUT", false, "61", 105],
    ["SERVER_HEADERS_TIMEOUT", false, "65", 106],
    ["ADMIN_API_KEYS", false, "", 107],
    ["ADMIN_REQUEST_ID_HEADER", false, undefined, 108],
    ["ANON_KEY", true, undefined, 109],
    ["ENCRYPTION_KEY", false, "", 110],
    ["FILE_SIZE_LIMIT", true, undefined, 111],
    ["FILE_STORAGE_BACKEND_PATH", false, undefined, 112, "Required when STORAGE_BACKEND=file: FileBackend throws without it (src/storage/backend/file.ts:44-46)."],
    ["GLOBAL_S3_MAX_SOCKETS", false, "200", 113],
    ["GLOBAL_S3_PROTOCOL", false, "https", 114],
    ["GLOBAL_S3_BUCKET", true, undefined, 117, "With the file backend it names the directory under FILE_STORAGE_BACKEND_PATH (src/http/routes/tus/index.ts:55)."],
    ["GLOBAL_S3_ENDPOINT", false, undefined, 118],
    ["GLOBAL_S3_FORCE_PATH_STYLE", false, "false", 119, "Only the string \"true\" enables it; the S3 client is built either way (src/storage/backend/s3.ts:70-76)."],
    ["IS_MULTITENANT", false, "false", 120],
    ["PGRST_JWT_SECRET", true, undefined, 121],
    ["PGRST_JWT_ALGORITHM", false, "HS256", 122],
    ["MULTITENANT_DATABASE_URL", false, undefined, 123],
    ["DATABASE_SSL_ROOT_CERT", false, undefined, 124],
    ["DATABASE_URL", true, undefined, 125, "Also read directly by the tenant migrations (src/database/migrate.ts:17) and the queue (src/queue/queue.ts:31)."],
    ["DATABASE_POOL_URL", false, "", 126],
    ["DATABASE_MAX_CONNECTIONS", false, "20", 128],
    ["DATABASE_FREE_POOL_AFTER_INACTIVITY", false, "60000", 132],
    ["DATABASE_CONNECTION_TIMEOUT", false, "3000", 136],
    ["REGION", true, undefined, 139],
    ["REQUEST_ID_HEADER", false, undefined, 140],
    ["SERVICE_KEY", true, undefined, 141],
    ["STORAGE_BACKEND", true, undefined, 142, "\"file\" or \"s3\"."],
    ["PROJECT_REF", false, undefined, 144, "Takes precedence over TENANT_ID."],
    ["TENANT_ID", true, undefined, 145, "Required unless PROJECT_REF is set (it is read only when PROJECT_REF is empty)."],
    ["URL_LENGTH_LIMIT", false, "7500", 147],
    ["X_FORWARDED_HOST_REGEXP", false, undefined, 148],
    ["LOG_LEVEL", false, "info", 149],
    ["LOGFLARE_ENABLED", false, "false", 150],
    ["LOGFLARE_API_KEY", false, undefined, 151],
    ["LOGFLARE_SOURCE_TOKEN", false, undefined, 152],
    ["ENABLE_QUEUE_EVENTS", false, "false", 153],
    ["PG_QUEUE_CONNECTION_URL", false, undefined, 154],
    ["PG_QUEUE_DELETE_AFTER_DAYS", false, "2", 156],
    ["PG_QUEUE_ARCHIVE_COMPLETED_AFTER_SECONDS", false, "7200", 160],
    ["PG_QUEUE_RETENTION_DAYS", false, "2", 163],
    ["WEBHOOK_URL", false, undefined, 164],
    ["WEBHOOK_API_KEY", false, undefined, 165],
    ["WEBHOOK_QUEUE_PULL_INTERVAL", false, "700", 167],
    ["QUEUE_WEBHOOKS_TEAM_SIZE", false, "50", 169],
    ["QUEUE_WEBHOOK_CONCURRENCY", false, "5", 170],
    ["QUEUE_ADMIN_DELETE_TEAM_SIZE", false, "50", 172],
    ["QUEUE_ADMIN_DELETE_CONCURRENCY", false, "5", 175],
    ["ENABLE_IMAGE_TRANSFORMATION", false, "false", 177],
    ["IMGPROXY_REQUEST_TIMEOUT", false, "15", 179],
    ["IMGPROXY_HTTP_MAX_SOCKETS", false, "5000", 183],
    ["IMGPROXY_HTTP_KEEP_ALIVE_TIMEOUT", false, "61", 187],
    ["IMGPROXY_URL", false, undefined, 190, "Needed for image transformation."],
    ["IMG_LIMITS_MIN_SIZE", false, "1", 193],
    ["IMG_LIMITS_MAX_SIZE", false, "2000", 194],
    ["POSTGREST_FORWARD_HEADERS", false, undefined, 197],
    ["HOST", false, "0.0.0.0", 198],
    ["PORT", false, "5000", 199],
    ["ADMIN_PORT", false, "5001", 200, "The admin app listens only when IS_MULTITENANT=true (src/server.ts:56-75)."],
    ["ENABLE_RATE_LIMITER", false, "false", 201],
    ["RATE_LIMITER_SKIP_ON_ERROR", false, "false", 202],
    ["RATE_LIMITER_DRIVER", false, "memory", 203],
    ["RATE_LIMITER_REDIS_URL", false, undefined, 204],
    ["RATE_LIMITER_RENDER_PATH_MAX_REQ_SEC", false, "5", 206],
    ["RATE_LIMITER_REDIS_CONNECT_TIMEOUT", false, "2", 210],
    ["RATE_LIMITER_REDIS_COMMAND_TIMEOUT", false, "2", 214],
    ["SIGNED_UPLOAD_URL_EXPIRATION_TIME", false, "60", 218],
    ["TUS_URL_PATH", false, "/upload/resumable", 221],
    ["TUS_URL_EXPIRY_MS", false, "3600000", 223],
    ["TUS_USE_FILE_VERSION_SEPARATOR", false, "false", 227],
    ["ENABLE_DEFAULT_METRICS", false, "false", 228],
];

const fromConfig = CONFIG_ROWS.map(([name, required, def, line, note]): EnvVarFact => ({
    name, required, ...(def !== undefined ? { default: def } : {}), source: config(line), ...(note ? { note } : {}),
}));

export const storageContract: ImageContract = {
    service: "storage",
    image: "supabase/storage-api",
    tag: TAG,
    env: {
        reads: [
            ...fromConfig,
            { name: "NODE_ENV", required: false, source: at("src/http/routes/tus/handlers.ts", 168), note: "Unset in the image (the Dockerfile sets no NODE_ENV)." },
            // S3Backend builds its client with no credentials (src/storage/backend/s3.ts:63-76), so the
            // AWS SDK's default provider chain (@aws-sdk/client-s3 3.398.0, package.json:28) reads them.
            { name: "AWS_ACCESS_KEY_ID", required: false, source: at("src/storage/backend/s3.ts", 76), note: "Read by the AWS SDK's default credential chain; needed with STORAGE_BACKEND=s3 unless another provider applies." },
            { name: "AWS_SECRET_ACCESS_KEY", required: false, source: at("src/storage/backend/s3.ts", 76), note: "As AWS_ACCESS_KEY_ID." },
        ],
    },
    ports: [
        { port: 5000, protocol: "TCP", purpose: "HTTP API", env: "PORT", source: config(199) },
    ],
    health: [
        { path: "/status", port: 5000, source: at("src/app.ts", 73), note: "Plain 200, no database call. /health/ checks storage but sits behind the JWT plugin (src/http/routes/health/index.ts)." },
    ],
    user: { uid: null, name: "root", source: at("Dockerfile", 14) },
    shippedPaths: [
        { path: "/app", source: at("Dockerfile", 17), note: "WORKDIR holding migrations/, dist/, node_modules/, package.json (Dockerfile:18-21); migrations are read from ./migrations at start (src/database/migrate.ts)." },
    ],
    writablePaths: [
        {
            path: "${FILE_STORAGE_BACKEND_PATH}",
            // The file backend is built only for STORAGE_BACKEND=file; s3 writes no local files.
            when: { env: "STORAGE_BACKEND", equals: "file" },
            source: at("src/storage/backend/file.ts", 47),
            note: "The value of FILE_STORAGE_BACKEND_PATH, file backend only: objects, and TUS uploads under <path>/<GLOBAL_S3_BUCKET> (src/http/routes/tus/index.ts:55). Metadata is stored as user.* xattrs (file.ts:28-31), so the filesystem must support them.",
        },
    ],
    entrypoint: {
        command: ["docker-entrypoint.sh"],
        args: ["node", "dist/server.js"],
        source: at("Dockerfile", 23),
        note: "The repository's own docker-entrypoint.sh (with *_FILE secrets) is not copied into the final stage (Dockerfile:18-21), so this name resolves to the node:18-alpine base image's script.",
    },
    unknowns: [
        { fact: "UID of a non-root user", why: "The Dockerfile has no USER line (runs as root); the node:18-alpine base is a floating tag, so its `node` user is not pinned at this tag. Any non-root UID is the program's choice." },
        { fact: "Whether /app is readable by a non-root UID", user: true, why: "Files are COPYed without --chown (Dockerfile:18-21); their modes come from the build context, not stated at the tag." },
        { fact: "Writes to /tmp", why: "Nothing under src/ writes there at this tag; dependencies (fastify multipart, AWS SDK) were not audited." },
    ],
};
