// Studio's environment, pure: what differs per release (health page, the database it edits through meta).
import { Release } from "../../../releases";
import { serviceHost, SERVICES } from "../../endpoints";
import { PlatformConfig } from "../../../config";
import { metaDatabaseUser } from "../meta/env";
import { exposedSchemas } from "../rest/env";

/**
 * The page Studio's own health checks fetch: /api/profile in the seed's build (supabase/cli@06133db0:
 * internal/start/start.go:960); 2025+ images moved it to /api/platform/profile (contracts/2026.09.07-sha-7996410.ts).
 */
export function studioHealthPath(release: Release): string {
    return release === "seed" ? "/api/profile" : "/api/platform/profile";
}

/**
 * What newer Studio builds read beyond the seed's: the database they reach through meta, and the
 * role they edit as. Its code default is still supabase_admin; upstream sets postgres since 0.6.0
 * (supabase/supabase@1f37f2a9:docker/docker-compose.yml, the studio service).
 */
export function studioReleaseEnv(config: PlatformConfig): Record<string, string> {
    // The Next.js CLI reads it; the seed's standalone server may (contracts/20240729-ce42139.ts lists it
    // unverified). The 2026 build's server does not, so it is not set there.
    if (config.release === "seed") return { NEXT_TELEMETRY_DISABLED: "1" };
    return {
        POSTGRES_HOST: serviceHost("postgres", config.namespace),
        POSTGRES_PORT: String(SERVICES.postgres.port),
        POSTGRES_DB: "postgres",
        POSTGRES_USER_READ_WRITE: metaDatabaseUser(config.release),
        PGRST_DB_SCHEMAS: exposedSchemas(config.apps).join(","),
    };
}
