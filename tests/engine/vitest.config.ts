import { defineConfig } from "vitest/config";

// The real-engine tier: one file at a time (they share the sandbox), long timeouts (a cold `pulumi
// up` waits for every Deployment and Service the real provider awaits).
export default defineConfig({
    test: {
        include: ["tests/engine/**/*.test.ts"],
        pool: "forks",
        setupFiles: ["tests/support/vitest-setup.ts"],
        fileParallelism: false,
        testTimeout: 15 * 60_000,
        hookTimeout: 10 * 60_000,
        reporters: ["verbose"],
    },
});
