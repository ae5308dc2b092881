// The project's Node.js language host: which plugins it reports and how it starts @pulumi/pulumi's
// runner. (It is exercised for real by the engine tier; these pin its pure parts.)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { requiredPlugins, runArguments } from "../../tools/language-host";
import { REPO_ROOT } from "../../tools/paths";

function fakeProgram(packages: Record<string, object>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "langhost-"));
    for (const [name, pkg] of Object.entries(packages)) {
        fs.mkdirSync(path.join(dir, "node_modules", name), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", name, "package.json"), JSON.stringify(pkg));
    }
    return dir;
}

describe("language host", () => {
    it("reports the resource plugins named in node_modules package.json pulumi blocks, and nothing else", () => {
        const dir = fakeProgram({
            "@pulumi/kubernetes": { name: "@pulumi/kubernetes", version: "4.34.2", pulumi: { resource: true, name: "kubernetes", version: "4.34.2" } },
            "@pulumi/pulumi": { name: "@pulumi/pulumi", version: "3.248.0" },
            "left-pad": { name: "left-pad", version: "1.3.0" },
            "@acme/thing": { name: "@acme/thing", version: "0.1.0", pulumi: { resource: true, version: "v0.1.0", server: "https://example.invalid" } },
        });
        expect(requiredPlugins(dir)).toEqual([
            { name: "@acme/thing", version: "0.1.0", server: "https://example.invalid" },
            { name: "kubernetes", version: "4.34.2", server: undefined },
        ]);
    });

    it("reports this program's own provider plugins at the versions npm installed", () => {
        const installed = (name: string) => require(`@pulumi/${name}/package.json`).version;
        expect(requiredPlugins(REPO_ROOT)).toEqual(expect.arrayContaining([
            expect.objectContaining({ name: "kubernetes", version: installed("kubernetes") }),
            expect.objectContaining({ name: "postgresql", version: installed("postgresql") }),
        ]));
    });

    it("passes the engine's RunRequest to cmd/run as the flags its usage text lists, program last", () => {
        const args = runArguments({
            monitor: "127.0.0.1:1", engine: "127.0.0.1:2", project: "p", stack: "dev", organization: "org",
            pwd: "/w", rootDirectory: "/w", parallel: 8, dryRun: true, program: ".", args: ["x"],
        });
        expect(args).toEqual([
            "--monitor=127.0.0.1:1", "--engine=127.0.0.1:2", "--project=p", "--stack=dev", "--pwd=/w",
            "--organization=org", "--root-directory=/w", "--parallel=8", "--dry-run", ".", "x",
        ]);
        const up = runArguments({ monitor: "m", engine: "e", project: "p", stack: "s", organization: "", pwd: "/w", rootDirectory: "", parallel: 0, dryRun: false, program: "", args: [] });
        expect(up).not.toContain("--dry-run");
        expect(up.at(-1)).toBe(".");
    });
});
