// The program's import rules (docs: ARCHITECTURE.md), checked by `npm test` (tests/architecture-imports.test.ts).
// Layers, bottom up: releases.ts → config/ → services' facts → components → platform → index.ts;
// the policy pack reads only the bottom leaves; outputs.ts imports nothing.
const PROGRAM = "^(index|config|releases|outputs)\\.ts$|^(config|components|policies)/";
const FACTS = "^components/services/[^/]+/facts\\.ts$";
module.exports = {
    forbidden: [
        {
            name: "no-circular",
            comment: "An import circle: nothing on it can be understood or tested one layer at a time.",
            severity: "error",
            from: {},
            to: { circular: true },
        },
        {
            name: "config-at-the-bottom",
            comment: "config/ (and config.ts) import nothing from the layers above: only releases.ts and npm packages.",
            severity: "error",
            from: { path: "^config(\\.ts$|/)" },
            to: { path: "^(components|policies|offline|sandbox|scripts|tests|tools|bench|examples)/|^(index|outputs)\\.ts$" },
        },
        {
            name: "release-table-is-a-leaf",
            comment: "releases.ts imports nothing: the program, the pack and app repos all read it.",
            severity: "error",
            from: { path: "^releases\\.ts$" },
            to: { dependencyTypesNot: ["core"] },
        },
        {
            name: "outputs-is-a-leaf",
            comment: "outputs.ts imports nothing, so an app repo copies it as it is.",
            severity: "error",
            from: { path: "^outputs\\.ts$" },
            to: { dependencyTypesNot: ["core"] },
        },
        {
            name: "facts-are-leaves",
            comment: "A service's facts.ts reads only the release table and other services' facts.",
            severity: "error",
            from: { path: FACTS },
            to: { pathNot: `^releases\\.ts$|${FACTS}` },
        },
        {
            name: "contracts-are-data",
            comment: "A contract (components/services/<service>/contracts/<tag>.ts) is data: it reads only the contract types and its sibling contracts.",
            severity: "error",
            from: { path: "^components/services/[^/]+/contracts/" },
            to: { pathNot: "^components/services/contract-types\\.ts$|^components/services/[^/]+/contracts/" },
        },
        {
            name: "pack-reads-only-leaves",
            comment: "The policy pack checks the program but does not depend on it: it reads the release table, the budget arithmetic and services' facts, never components.",
            severity: "error",
            from: { path: "^policies/" },
            to: { path: "^(?!policies/)", pathNot: `^releases\\.ts$|^components/connection-budget\\.ts$|${FACTS}`, dependencyTypesNot: ["npm", "core"] },
        },
        {
            name: "program-does-not-import-tooling",
            comment: "The program never imports the tests, the offline harness, the sandbox or scripts.",
            severity: "error",
            from: { path: PROGRAM },
            to: { path: "^(tests|offline|sandbox|scripts|tools|bench)/" },
        },
        {
            name: "program-does-not-import-the-pack",
            comment: "The program, config and outputs never import the policy pack.",
            severity: "error",
            from: { path: "^(index|config|releases|outputs)\\.ts$|^(config|components)/" },
            to: { path: "^policies/" },
        },
        {
            name: "harness-is-plain-node",
            comment: "Test support (program runs, PostgreSQL worlds, sandboxes) is plain Node, importable from scripts; vitest glue lives in tests/support/vitest-setup.ts only.",
            severity: "error",
            from: { path: "^tests/(support|database/support|engine/support|services/support)/", pathNot: "^tests/support/vitest-setup\\.ts$" },
            to: { path: "node_modules/vitest/" },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^(out|bin)/" },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        moduleSystems: ["cjs", "es6"],
    },
};
