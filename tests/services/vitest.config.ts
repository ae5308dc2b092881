import { defineConfig } from "vitest/config";

// The services tier (npm run test:services): the real GoTrue, postgres-meta and storage-api that
// `npm run tools` builds, one file at a time (each starts its own PostgreSQL and services).
export default defineConfig({
    test: {
        include: ["tests/services/**/*.test.ts"],
        pool: "forks",
        setupFiles: ["tests/support/vitest-setup.ts"],
        fileParallelism: false,
        testTimeout: 5 * 60_000,
        hookTimeout: 10 * 60_000,
        reporters: ["verbose"],
    },
});
