import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Each file gets its own process: the Pulumi runtime keeps global state.
        pool: "forks",
        isolate: true,
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
