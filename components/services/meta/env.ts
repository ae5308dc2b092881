// postgres-meta's command and the database user it connects as, per release.
import { Release } from "../../../releases";

/** The server itself, from the image's WORKDIR (/usr/src/app). */
export const META_ARGS = ["node", "dist/server/server.js"];

/**
 * The role meta (and Studio through it) connects as. Upstream moved both from supabase_admin to
 * postgres in self-hosted 0.6.0 (changelog 46081; supabase/supabase@1f37f2a9:docker/docker-compose.yml,
 * the meta service), so the dashboard no longer holds the superuser that owns Supabase's schemas.
 */
export function metaDatabaseUser(release: Release): string {
    return release === "seed" ? "supabase_admin" : "postgres";
}
