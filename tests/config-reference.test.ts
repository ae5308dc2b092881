// Pulumi.yaml and the README's config reference are generated from CONFIG_KEYS; they must match.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../config";
import { projectFileText, readmeWithTable } from "../scripts/config-reference";
import { PROJECT_ROOT, readProjectFile } from "../offline/stack-config";

describe("config contract", () => {
    it("Pulumi.yaml declares exactly the keys the program reads", () => {
        expect(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")).toBe(projectFileText());
        expect(Object.keys(readProjectFile().config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    });

    it("the README's config reference is up to date", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        expect(readme).toBe(readmeWithTable(readme));
        for (const key of Object.keys(CONFIG_KEYS)) expect(readme).toContain(`| \`${key}\` |`);
    });

    it("every stack file sets only declared keys and no encrypted value", () => {
        for (const file of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
            expect(text, file).not.toMatch(/^\s+secure:/m);
            for (const [, key] of text.matchAll(/^\s+supabase-platform:([A-Za-z0-9]+):/gm)) {
                expect(Object.keys(CONFIG_KEYS), `${file}: ${key}`).toContain(key);
            }
        }
    });
});
