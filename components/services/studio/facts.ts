// Studio's fixed facts: port, user and written paths. A leaf: other rooms and the pack may read it.

/** Studio's port (Next.js), reached only through Kong's dashboard route. */
export const STUDIO_PORT = 3000;

/**
 * UID 1000: the program's choice. apps/studio/Dockerfile at ce42139 could not be read (see
 * contracts/20240729-ce42139.ts), so neither the image's user nor its written paths are known; 1000 is the
 * `node` user of the node:*-slim bases later Studio Dockerfiles use.
 */
export const STUDIO_UID = 1000;

/** Next.js standalone output of the monorepo build lives under apps/studio. */
export const STUDIO_NEXT_CACHE = "/app/apps/studio/.next/cache";
