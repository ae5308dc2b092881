// Pulumi.yaml and the config reference (docs/config.md) are generated from CONFIG_KEYS; they must match.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../config";
import { PROVIDER_SETTINGS, projectFileText, REFERENCE_FILE, withReferenceTable } from "../scripts/config-reference";
import { PROJECT_ROOT, readProjectFile } from "../offline/stack-config";

describe("config contract", () => {
    it("Pulumi.yaml declares exactly the keys the program reads", () => {
        expect(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")).toBe(projectFileText());
        const declared = Object.keys(readProjectFile().config);
        expect(declared.filter((k) => !k.includes(":")).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
        // Besides the program's keys, only the Kubernetes provider's project-wide settings.
        expect(declared.filter((k) => k.includes(":")).sort()).toEqual(Object.keys(PROVIDER_SETTINGS).sort());
    });

    it("named Secrets and ConfigMaps are updated in place, not replaced (the pods roll on their checksums)", () => {
        expect(readProjectFile().config["kubernetes:enableSecretMutable"]).toEqual({ value: true });
        expect(readProjectFile().config["kubernetes:enableConfigMapMutable"]).toEqual({ value: true });
    });

    it("the config reference in docs/config.md is up to date", () => {
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, REFERENCE_FILE), "utf8");
        expect(doc).toBe(withReferenceTable(doc));
        for (const key of Object.keys(CONFIG_KEYS)) expect(doc).toContain(`| \`${key}\` |`);
    });

    it("every stack file sets only declared keys; dev holds no encrypted value", () => {
        for (const file of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
            // dev renders and deploys with nothing but generated secrets; prod's secure: values are
            // replaced offline by placeholders (tests/day2/environments.test.ts).
            if (file === "Pulumi.dev.yaml") expect(text, file).not.toMatch(/^\s+secure:/m);
            for (const [, key] of text.matchAll(/^\s+supabase-platform:([A-Za-z0-9]+):/gm)) {
                expect(Object.keys(CONFIG_KEYS), `${file}: ${key}`).toContain(key);
            }
        }
    });
});
