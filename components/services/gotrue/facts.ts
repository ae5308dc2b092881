// GoTrue's fixed facts: port, user and database pool. A leaf: config's budget check, the policy
// pack and the component all read these, so it imports nothing.

/** The port GoTrue serves on (GOTRUE_API_PORT), behind Kong at /auth/v1. */
export const GOTRUE_PORT = 9999;

/**
 * UID 1000: the image's Dockerfile creates `adduser -D -u 1000 supabase` and switches to it
 * (supabase/auth:Dockerfile; the Netlify-era image used the same UID for its user).
 */
export const GOTRUE_UID = 1000;

/** GoTrue's pool is unbounded unless set (GOTRUE_DB_MAX_POOL_SIZE defaults to 0 = no limit). */
export const GOTRUE_DB_POOL_SIZE = 10;
