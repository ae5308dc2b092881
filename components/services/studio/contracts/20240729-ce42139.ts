// Contract of supabase/studio:20240729-ce42139. The tag is a build date and a supabase/supabase
// commit, not a git tag, and that repository's snapshot (2.5 GB) was too large to fetch, so its
// source at ce42139 was not read. What is stated comes from the supabase/cli commit that pinned
// this image (#2572, 06133db0, pkg/config/constants.go:13): the env and health check the CLI ran
// it with. Everything that only the image's own source could say is under `unknowns`.
import { EnvVarFact, ImageContract, SourceRef } from "../../contract-types";

const CLI_COMMIT = "06133db0c0938cc226e9156f42acf16d19dc5158";
const cli = (line: number): SourceRef => ({ repo: "supabase/cli", tag: CLI_COMMIT, path: "internal/start/start.go", line });
const RUN_WITH = "Set by the pinning supabase/cli commit; that Studio reads it at ce42139 is inferred from that, not read.";

/** [name, line in internal/start/start.go, note]. None is marked required: the CLI sets them all. */
type Row = [string, number, string?];
const CLI_ENV: Row[] = [
    ["STUDIO_PG_META_URL", 944, "Server side: postgres-meta's in-cluster URL."],
    ["POSTGRES_PASSWORD", 945],
    ["SUPABASE_URL", 946, "Server side: the gateway's internal URL (http://kong:8000 in the CLI)."],
    ["SUPABASE_PUBLIC_URL", 947, "The gateway URL the browser uses."],
    ["AUTH_JWT_SECRET", 948],
    ["SUPABASE_ANON_KEY", 949],
    ["SUPABASE_SERVICE_KEY", 950],
    ["LOGFLARE_API_KEY", 951],
    ["OPENAI_API_KEY", 952],
    ["LOGFLARE_URL", 953],
    ["NEXT_PUBLIC_ENABLE_LOGS", 954, "The CLI sets it from analytics.enabled."],
    ["NEXT_ANALYTICS_BACKEND_PROVIDER", 955],
    ["HOSTNAME", 957, "Next.js standalone binds to HOSTNAME; the CLI sets 0.0.0.0 (vercel/next.js#51684)."],
];

const reads = CLI_ENV.map(([name, line, note]): EnvVarFact => ({
    name, required: false, source: cli(line), note: note ? `${note} ${RUN_WITH}` : RUN_WITH,
}));

export const studioContract: ImageContract = {
    service: "studio",
    image: "supabase/studio",
    tag: "20240729-ce42139",
    env: { reads },
    ports: [
        // The CLI publishes 3000/tcp and sets no PORT, so 3000 is where this image listens.
        { port: 3000, protocol: "TCP", purpose: "Next.js HTTP server", source: cli(967) },
    ],
    health: [
        { path: "/api/profile", port: 3000, source: cli(960), note: "The CLI's container health check for this image (later images moved to /api/platform/profile)." },
    ],
    // The CLI sets no User (start.go:942-958), so the image's default applies, which was not read.
    user: { uid: null, unread: true, source: cli(942) },
    shippedPaths: [],
    writablePaths: [],
    entrypoint: {
        source: cli(942),
        note: "The CLI runs the image with its default entrypoint and command (it passes neither).",
    },
    unknowns: [
        { fact: "ce42139 is a supabase/supabase commit", why: "The supabase/supabase snapshot is over the fetch limit and its index holds only 2025-26 versions, so the commit could not be looked up." },
        { fact: "The image's USER/UID", user: true, why: "apps/studio/Dockerfile at ce42139 could not be read and the CLI sets no User, so the image's default applies; the program's 1000 is its own choice." },
        { fact: "Shipped paths (the standalone app dir, e.g. /app/apps/studio)", why: "apps/studio/Dockerfile at ce42139 could not be read; later Dockerfiles put the app under /app, which a volume must not shadow." },
        { fact: "Written paths (Next.js .next/cache, /tmp)", why: "Not readable at ce42139; the program mounts /tmp and /app/apps/studio/.next/cache as emptyDirs on the strength of later Dockerfiles' layout." },
        { fact: "Entrypoint and command", why: "apps/studio/Dockerfile at ce42139 could not be read." },
        { fact: "env PORT", env: "PORT", why: "Read by the Next.js standalone server, whose version at ce42139 could not be read; the CLI does not set it and Studio listens on 3000." },
        { fact: "env DEFAULT_ORGANIZATION_NAME", env: "DEFAULT_ORGANIZATION_NAME", why: "Not set by the pinning CLI commit; whether apps/studio reads it at ce42139 could not be grepped. Later official compose files set it." },
        { fact: "env DEFAULT_PROJECT_NAME", env: "DEFAULT_PROJECT_NAME", why: "Not set by the pinning CLI commit; whether apps/studio reads it at ce42139 could not be grepped. Later official compose files set it." },
        { fact: "env PG_META_CRYPTO_KEY", env: "PG_META_CRYPTO_KEY", why: "Not set by the pinning CLI commit (the CLI added it in 67b7a24c, Oct 2025, for a 2026 image). If ce42139 encrypts x-connection-encrypted with a key it does not read from env, meta's CRYPTO_KEY must stay at its default." },
        { fact: "env NEXT_TELEMETRY_DISABLED", env: "NEXT_TELEMETRY_DISABLED", why: "Read by the Next.js CLI; whether the standalone server of ce42139 reads it could not be checked." },
        { fact: "Every other process.env.* read under apps/studio", why: "Could not grep apps/studio at ce42139; the list above is only what the CLI set." },
    ],
};
