import { availableParallelism } from "os";
import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // The real-engine and services tiers have their own configs and commands (npm run test:engine, test:services).
        exclude: ["tests/engine/**", "tests/services/**", "**/node_modules/**"],
        // Worker processes, not threads: the Pulumi runtime keeps process-global state. Files share
        // a worker one after another (no re-import of Pulumi and the Kubernetes SDK per file): every
        // program run resets the module registry and installs fresh mocks (tests/support/program.ts),
        // and env stubs are undone after each test.
        pool: "forks",
        isolate: false,
        unstubEnvs: true,
        // Vitest leaves one core free by default, which on a 2-core CI machine means one worker;
        // the test files are independent processes, so use every core.
        maxWorkers: Math.max(2, availableParallelism()),
        globalSetup: ["tests/support/global-setup.ts"],
        // The harness is plain Node; this file plugs in vitest's module reset (see there).
        setupFiles: ["tests/support/vitest-setup.ts"],
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
