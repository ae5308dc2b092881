// PostgreSQL's fixed facts. A leaf.

/** The port every client dials (the image's default). */
export const POSTGRES_PORT = 5432;
