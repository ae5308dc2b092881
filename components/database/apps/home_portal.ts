// home_portal: a small CMS. Anyone may read published pages; authors manage their own pages and
// their revision history; site settings are public and changed only by the backend (service_role).
import { AppDefinition, CURRENT_USER_ID, ownerFolderPolicies, READ_ONLY, READ_WRITE } from "../model";

const isAuthor = `author_id = ${CURRENT_USER_ID}`;

export const homePortal: AppDefinition = {
    schema: "home_portal",
    description: "Home portal CMS: pages, their revisions, site settings and public assets.",
    tables: [
        {
            name: "pages",
            description: "A page of the portal; public once published.",
            columns: [
                { name: "id", type: "uuid", default: "gen_random_uuid()" },
                { name: "slug", type: "text", check: "slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'" },
                { name: "title", type: "text" },
                { name: "body", type: "text", default: "''" },
                { name: "published", type: "boolean", default: "false" },
                { name: "author_id", type: "uuid", default: "auth.uid()", references: { table: "auth.users", column: "id", onDelete: "cascade" } },
                { name: "created_at", type: "timestamptz", default: "now()" },
                { name: "updated_at", type: "timestamptz", default: "now()" },
            ],
            primaryKey: ["id"],
            unique: [["slug"]],
            indexes: [{ name: "pages_author_id_idx", columns: ["author_id"] }],
            ownerColumn: "author_id",
            grants: { anon: READ_ONLY, authenticated: READ_WRITE },
            policies: [
                // One SELECT policy for both roles: for anon auth.uid() is null, so only published.
                { name: "pages: published or own", command: "select", roles: ["anon", "authenticated"], using: `published or ${isAuthor}` },
                { name: "pages: authors create", command: "insert", roles: ["authenticated"], withCheck: isAuthor },
                { name: "pages: authors edit", command: "update", roles: ["authenticated"], using: isAuthor, withCheck: isAuthor },
                { name: "pages: authors delete", command: "delete", roles: ["authenticated"], using: isAuthor },
            ],
        },
        {
            name: "page_revisions",
            description: "Immutable history of a page's title and body, visible to its author.",
            columns: [
                { name: "id", type: "uuid", default: "gen_random_uuid()" },
                { name: "page_id", type: "uuid", references: { table: "home_portal.pages", column: "id", onDelete: "cascade" } },
                { name: "author_id", type: "uuid", default: "auth.uid()", references: { table: "auth.users", column: "id", onDelete: "cascade" } },
                { name: "title", type: "text" },
                { name: "body", type: "text" },
                { name: "created_at", type: "timestamptz", default: "now()" },
            ],
            primaryKey: ["id"],
            indexes: [
                { name: "page_revisions_page_id_idx", columns: ["page_id", "created_at"] },
                { name: "page_revisions_author_id_idx", columns: ["author_id"] },
            ],
            ownerColumn: "author_id",
            // No UPDATE: history is append-only; deleting is allowed to purge a revision.
            grants: { authenticated: ["SELECT", "INSERT", "DELETE"] },
            policies: [
                { name: "page_revisions: authors read", command: "select", roles: ["authenticated"], using: isAuthor },
                {
                    name: "page_revisions: authors record own pages",
                    command: "insert",
                    roles: ["authenticated"],
                    // The subquery runs under the pages policies too, so only the author's page matches.
                    withCheck: `${isAuthor} and exists (select 1 from home_portal.pages p where p.id = page_id and p.author_id = ${CURRENT_USER_ID})`,
                },
                { name: "page_revisions: authors delete", command: "delete", roles: ["authenticated"], using: isAuthor },
            ],
        },
        {
            name: "site_settings",
            description: "Public key/value settings of the site; only the backend writes them.",
            columns: [
                { name: "key", type: "text", check: "key ~ '^[a-z0-9_.]+$'" },
                { name: "value", type: "jsonb" },
                { name: "updated_at", type: "timestamptz", default: "now()" },
            ],
            primaryKey: ["key"],
            grants: { anon: READ_ONLY, authenticated: READ_ONLY },
            policies: [
                { name: "site_settings: everyone reads", command: "select", roles: ["anon", "authenticated"], using: "true" },
            ],
        },
    ],
    buckets: [
        {
            id: "home-portal-assets",
            public: true,
            fileSizeLimit: 10 * 1024 * 1024,
            // Raster images only: storage-api checks just the declared type, and an SVG (or HTML,
            // XML) served from the API's origin would run its scripts there (issue #11).
            allowedMimeTypes: ["image/png", "image/jpeg", "image/webp", "image/gif"],
            // Public URLs serve the files; the policies only govern listing and writes, so nobody
            // can enumerate another author's uploads (splinter lint 0025).
            policies: ownerFolderPolicies("home-portal-assets"),
        },
    ],
};
