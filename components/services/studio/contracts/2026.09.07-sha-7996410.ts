// Contract of supabase/studio:2026.09.07-sha-7996410. The tag names a supabase/supabase build
// commit (7996410); that repository is over the fetch limit and the file index could not be asked
// for a short commit, so apps/studio was NOT read at 7996410. Each fact below cites the stored
// version it was read in (a full supabase/supabase commit, not known to be 7996410 or an ancestor):
//   apps/studio/Dockerfile @07a67b38, apps/studio/lib/constants/index.ts @012982dd,
//   apps/studio/lib/api/self-hosted/constants.ts @123dc6bf, .../api-keys.ts @13b01457,
//   docker/docker-compose.yml @00069a4c (a 2026-02 compose, studio 2026.02.16-sha-26c615c).
// The self-hosted/v0.8.2 compose itself was not found in the index (see `unknowns`).
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const SB = "supabase/supabase";
const at = (commit: string, path: string, line?: number): SourceRef => ({ repo: SB, tag: commit, path, line });
const dockerfile = (line: number) => at("07a67b3827b235f10ea10bc7ea5331a88d2813c9", "apps/studio/Dockerfile", line);
const libConstants = (line: number) => at("012982dd99f3011e4685c381fbbaae39be65c5cd", "apps/studio/lib/constants/index.ts", line);
const selfHosted = (line: number) => at("123dc6bf0007ba46550ade46ba1a871cbce4839c", "apps/studio/lib/api/self-hosted/constants.ts", line);
const apiKeys = (line: number) => at("13b01457bfc2d0b029eb557e945845dfcdc40644", "apps/studio/lib/api/self-hosted/api-keys.ts", line);
const compose = (line: number) => at("00069a4c6fe35a6db32b91015dad24f2fe161302", "docker/docker-compose.yml", line);

const NOT_AT_TAG = "Read in a stored apps/studio version, not at 7996410.";
const SET_BY_COMPOSE = "Set by the 2026-02 upstream compose; that Studio reads it was not read in its source.";

/** Read in Studio's own source (stored versions): [name, default, source, note]. */
type Row = [string, string | undefined, SourceRef, string?];
const READ: Row[] = [
    ["NEXT_PUBLIC_IS_PLATFORM", undefined, libConstants(5), "Unset/not 'true' selects self-hosted mode."],
    ["STUDIO_PG_META_URL", undefined, libConstants(23), "Server side: postgres-meta's URL in self-hosted mode."],
    ["PLATFORM_PG_META_URL", undefined, libConstants(22), "Platform mode only."],
    ["NEXT_PUBLIC_BASE_PATH", "", libConstants(24)],
    ["NEXT_PUBLIC_SITE_URL", undefined, libConstants(17), "Only for the server-side API_URL when set."],
    ["VERCEL_URL", undefined, libConstants(15)],
    ["PG_META_CRYPTO_KEY", "SAMPLE_KEY", selfHosted(3), "Encrypts the connection string Studio sends to meta (x-connection-encrypted); must equal meta's CRYPTO_KEY."],
    ["POSTGRES_PORT", "5432", selfHosted(4)],
    ["POSTGRES_HOST", "db", selfHosted(5), "The default only fits compose; set the in-cluster database host."],
    ["POSTGRES_DB", "postgres", selfHosted(6)],
    ["POSTGRES_PASSWORD", "postgres", selfHosted(7)],
    ["POSTGRES_USER_READ_WRITE", "supabase_admin", selfHosted(8), "Role Studio connects as through meta. The code default is supabase_admin; upstream moved self-hosted to postgres (self-hosted 0.6.0), so set it to postgres explicitly."],
    ["POSTGRES_USER_READ_ONLY", "supabase_read_only_user", selfHosted(9)],
    ["POSTGRES_SSL", "", selfHosted(11)],
    ["SUPABASE_ANON_KEY", "", apiKeys(44), "Legacy anon JWT shown as the 'anon' key."],
    ["SUPABASE_SERVICE_KEY", "", apiKeys(53), "Legacy service_role JWT."],
    ["SUPABASE_PUBLISHABLE_KEY", undefined, apiKeys(62), "Opaque sb_publishable_ key; listed only when set."],
    ["SUPABASE_SECRET_KEY", undefined, apiKeys(75), "Opaque sb_secret_ key; listed only when set, masked to its first 15 chars until revealed."],
];

/** Set by upstream compose for Studio (2026-02 version); Studio's read not verified. */
const COMPOSE_ONLY: [string, number, string?][] = [
    ["HOSTNAME", 32, "Next.js standalone binds to HOSTNAME; compose sets '::' (IPv4+IPv6)."],
    ["PGRST_DB_SCHEMAS", 40],
    ["PGRST_DB_MAX_ROWS", 41],
    ["PGRST_DB_EXTRA_SEARCH_PATH", 42],
    ["DEFAULT_ORGANIZATION_NAME", 44],
    ["DEFAULT_PROJECT_NAME", 45],
    ["OPENAI_API_KEY", 46],
    ["SUPABASE_URL", 48, "Server side: the gateway's in-cluster URL."],
    ["SUPABASE_PUBLIC_URL", 49, "The gateway URL the browser uses."],
    ["AUTH_JWT_SECRET", 52],
    ["LOGFLARE_API_KEY", 55, "Deprecated in favour of the two tokens below."],
    ["LOGFLARE_PUBLIC_ACCESS_TOKEN", 56],
    ["LOGFLARE_PRIVATE_ACCESS_TOKEN", 57],
    ["LOGFLARE_URL", 59],
    ["NEXT_PUBLIC_ENABLE_LOGS", 60],
    ["NEXT_ANALYTICS_BACKEND_PROVIDER", 62],
    ["SNIPPETS_MANAGEMENT_FOLDER", 65, "Compose sets /app/snippets and mounts a volume there."],
    ["EDGE_FUNCTIONS_MANAGEMENT_FOLDER", 66, "Compose sets /app/edge-functions and mounts a volume there."],
];

const reads: EnvVarFact[] = [
    ...READ.map(([name, def, source, note]): EnvVarFact => ({
        name, required: false, ...(def !== undefined ? { default: def } : {}), source,
        note: note ? `${note} ${NOT_AT_TAG}` : NOT_AT_TAG,
    })),
    ...COMPOSE_ONLY.map(([name, line, note]): EnvVarFact => ({
        name, required: false, source: compose(line), note: note ? `${note} ${SET_BY_COMPOSE}` : SET_BY_COMPOSE,
    })),
];

export const STUDIO_2026_09_07_CONTRACT: ImageContract = {
    service: "studio",
    image: "supabase/studio",
    tag: "2026.09.07-sha-7996410",
    env: { reads },
    ports: [
        { port: 3000, protocol: "TCP", purpose: "Next.js HTTP server", source: dockerfile(62) },
    ],
    health: [
        { path: "/api/platform/profile", port: 3000, source: dockerfile(64), note: "The image HEALTHCHECK and the compose check (docker-compose.yml:22 @00069a4c) both fetch it and want 200. The seed image used /api/profile." },
    ],
    // The stored Dockerfile has no USER line (node:22-slim, root); not read at 7996410.
    user: { uid: null, unread: true, source: dockerfile(58) },
    shippedPaths: [
        { path: "/app/apps/studio/public", source: dockerfile(59) },
        { path: "/app/apps/studio/.next/static", source: dockerfile(61) },
        { path: "/app/node_modules", source: dockerfile(60), note: "The Next.js standalone output is copied to /app (Dockerfile:60); that it holds node_modules/ there is Next.js's layout, not read here." },
    ],
    writablePaths: [],
    entrypoint: {
        command: ["docker-entrypoint.sh"],
        args: ["node", "apps/studio/server.js"],
        source: dockerfile(63),
        note: "ENTRYPOINT docker-entrypoint.sh (Dockerfile:63), CMD node apps/studio/server.js (Dockerfile:65), WORKDIR /app (Dockerfile:28). Read in a stored Dockerfile, not at 7996410.",
    },
    unknowns: [
        { fact: "Which supabase/supabase commit 7996410 is", why: "The repository is over the fetch limit and read_file takes only a full 40-hex commit; no stored file version could be tied to 7996410." },
        { fact: "Studio's env as set by self-hosted/v0.8.2 docker/docker-compose.yml", why: "No stored version of that file carrying the v0.8.2 image set was found (find_string on the studio and meta image lines returned only third-party copies). Third-party copies of the 2026-09 studio block add SUPABASE_PUBLISHABLE_KEY, SUPABASE_SECRET_KEY, POSTGRES_USER_READ_WRITE=postgres, ENABLED_FEATURES_LOGS_ALL and ENABLED_FEATURES_AUTHENTICATION_THIRD_PARTY_AUTH; not verified upstream." },
        { fact: "The image's USER/UID", user: true, why: "apps/studio/Dockerfile was not read at 7996410; the stored version (07a67b38) has no USER line, i.e. root." },
        { fact: "Which docker-entrypoint.sh runs and whether it writes", why: "The stored production stage copies no entrypoint script (Dockerfile:58-65), so it would be node's stock one. A stored apps/studio/docker-entrypoint.sh (@501d13c4) instead writes /app/apps/studio/.env.local at start and reads POSTGRES_PASSWORD/SUPABASE_ANON_KEY/SUPABASE_SERVICE_KEY *_FILE variants; if 7996410 ships that, the root filesystem cannot be read-only there." },
        { fact: "Written paths (Next.js .next/cache, /tmp, SNIPPETS_MANAGEMENT_FOLDER, EDGE_FUNCTIONS_MANAGEMENT_FOLDER)", why: "Not read at 7996410; compose mounts volumes on /app/snippets and /app/edge-functions, and the seed program mounts /tmp and /app/apps/studio/.next/cache." },
        { fact: "env PORT", env: "PORT", why: "Read by the Next.js standalone server, whose version at 7996410 was not read; nothing sets it and the image listens on 3000." },
        { fact: "env ENABLED_FEATURES_LOGS_ALL", env: "ENABLED_FEATURES_LOGS_ALL", why: "Only seen in third-party copies of the 2026-09 compose; not found in Studio source." },
        { fact: "env DASHBOARD_USERNAME / DASHBOARD_PASSWORD", why: "Written to .env.local by the stored entrypoint @501d13c4 only; whether Studio reads them at 7996410 is unknown." },
        { fact: "Every other process.env.* read under apps/studio", why: "apps/studio could not be grepped at 7996410; the list above is four files plus compose." },
    ],
};
