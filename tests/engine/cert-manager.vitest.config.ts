import { defineConfig } from "vitest/config";
import engineTier from "./vitest.config";

// The engine tier's cert-manager scenarios (npm run test:engine:cert-manager): the real engine and
// sandbox plus the optional cert-manager build, with the engine tier's settings. .ci/run runs them
// when `npm run tools -- --check-cert-manager` passes (the engine tier's tools and cert-manager's),
// so a machine without the cert-manager snapshot keeps its engine tier; run by hand without the
// build, they fail with the build command.
export default defineConfig({
    test: {
        ...engineTier.test,
        include: ["tests/engine/cert-manager.test.ts"],
        exclude: [],
    },
});
