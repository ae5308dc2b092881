// PostgREST's environment, pure: the schemas it exposes (one place to add an app's schema).
import { AppConfig } from "../../../config";

/** Schemas every Supabase client expects, before any app. */
export const DEFAULT_EXPOSED_SCHEMAS = ["public", "storage", "graphql_public"] as const;

/**
 * PGRST_DB_SCHEMAS: the defaults, then every configured app, so adding an app to config exposes
 * it. `public` stays first because the first schema is served when a request names no profile.
 */
export function exposedSchemas(apps: AppConfig[]): string[] {
    return [...DEFAULT_EXPOSED_SCHEMAS, ...apps.map((app) => app.name)];
}
