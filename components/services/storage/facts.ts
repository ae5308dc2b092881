// storage-api's fixed facts: port, user, pool and its file backend's paths. A leaf: the budget
// check and the policy pack read it.

/** storage-api's port (SERVER_PORT / PORT), behind Kong at /storage/v1. */
export const STORAGE_PORT = 5000;

/**
 * UID/GID 1000: the program's choice, as hardening. The image (node:18-alpine) has no USER line and
 * would run as root (contracts/v0.43.11.ts); node:18-alpine is a floating tag, so no UID of its
 * `node` user is pinned. At v0.43.11 the app writes only to the file-backend path, a volume fsGroup
 * hands to this UID (the contract test's user rule checks it); /tmp is mounted for its dependencies.
 */
export const STORAGE_UID = 1000;

/** DATABASE_MAX_CONNECTIONS (v0.4x default 20), set explicitly for the connection budget. */
export const STORAGE_DB_POOL = 10;

/** The migration client storage-api opens at start, outside the pool. */
export const STORAGE_MIGRATION_CONNECTIONS = 1;

/** Where the file backend keeps objects, as in the official compose. */
export const FILE_BACKEND_PATH = "/var/lib/storage";

/** Name of the file-backend claim (one volume, so one Deployment replica). */
export const STORAGE_CLAIM_NAME = "storage-data";

/**
 * The first storage-api release whose POST /object/move checks the destination under the user's
 * RLS: "fix: rls check on move" (supabase/storage#400, commit 2af9fe9). Before it, the destination
 * row is written as the service role (issue #11), so the database layer installs a guard.
 */
export const STORAGE_MOVE_FIXED_IN: readonly [number, number, number] = [0, 48, 3];
