// The vitest-specific part of the test harness (a setupFiles entry of every vitest config): under
// vitest, modules live in vitest's own graph, so running the program afresh means resetting that
// graph and importing index.ts through it. Everything else in tests/support is plain Node.
import { vi } from "vitest";
import { useProgramLoader } from "./program";

useProgramLoader(async () => {
    vi.resetModules();
    return import("../../index");
});
