// The app-side example under mocks: its StackReference answers with the outputs of a real run of
// the platform's dev stack, and the supabase-js client it builds talks to the app's own schema.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ProgramRun } from "../../offline/engine";
import { PROJECT_ROOT } from "../../offline/stack-config";
import { runStack } from "../support/program";

const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply((v) => { resolve(v); return v; }));

describe("examples/app-consumer", () => {
    let platform: ProgramRun;
    const references: { name: string }[] = [];
    let exported: Record<string, pulumi.Output<unknown>>;

    beforeAll(async () => {
        platform = await runStack("dev");
        const outputs = Object.fromEntries(Object.entries(platform.outputs).map(([k, o]) => [k, o.value]));
        const secretOutputNames = Object.entries(platform.outputs).filter(([, o]) => o.secret).map(([k]) => k);
        await pulumi.runtime.setMocks({
            newResource(args) {
                if (args.type === "pulumi:pulumi:StackReference") {
                    references.push({ name: args.inputs.name });
                    return { id: args.inputs.name, state: { name: args.inputs.name, outputs, secretOutputNames } };
                }
                throw new Error(`the app example registered an unexpected ${args.type}`);
            },
            call: (args) => args.inputs,
        }, "money-tracker-app", "dev", false, "organization");
        vi.resetModules();
        exported = (await import("../../examples/app-consumer/index")) as unknown as Record<string, pulumi.Output<unknown>>;
    });

    it("references the platform stack of the same environment", async () => {
        await valueOf(exported.supabaseUrl);
        expect(references).toEqual([{ name: "organization/supabase-platform/dev" }]);
    });

    it("reads apiUrl, anonKey and its app schema from the platform outputs", async () => {
        expect(await valueOf(exported.supabaseUrl)).toBe(platform.outputs.apiUrl.value);
        expect(await valueOf(exported.supabaseAnonKey)).toBe(platform.outputs.anonKey.value);
        expect(await valueOf(exported.schema)).toBe("money_tracker");
    });

    it("selects its app from the apps output and fails clearly for an unknown one", async () => {
        const { selectApp } = await import("../../examples/app-consumer/platform");
        const apps = platform.outputs.apps.value as Parameters<typeof selectApp>[0];
        expect(selectApp(apps, "home_portal").profileHeaders["Accept-Profile"]).toBe("home_portal");
        expect(() => selectApp(apps, "no_such_app")).toThrow(/hosts no app "no_such_app"; add it to the platform's `apps` config/);
    });

    it("builds a supabase-js client that queries the app schema through the gateway", async () => {
        const { createAppClient } = await import("../../examples/app-consumer/client");
        const seen: { url: string; headers: Headers }[] = [];
        const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
            seen.push({ url: String(input), headers: new Headers(init?.headers) });
            return new Response("[]", { status: 200, headers: { "Content-Type": "application/json" } });
        }) as typeof fetch;
        const apiUrl = platform.outputs.apiUrl.value as string;
        const anonKey = platform.outputs.anonKey.value as string;
        const client = createAppClient(apiUrl, anonKey, "money_tracker", { fetch: fakeFetch });
        const { data, error } = await client.from("transactions").select("*");
        expect(error).toBeNull();
        expect(data).toEqual([]);
        expect(seen).toHaveLength(1);
        expect(seen[0].url).toBe(`${apiUrl}/rest/v1/transactions?select=*`);
        expect(seen[0].headers.get("apikey")).toBe(anonKey);
        expect(seen[0].headers.get("accept-profile")).toBe("money_tracker");
    });
});

describe("examples/app-consumer as a package of its own", () => {
    const dir = path.join(PROJECT_ROOT, "examples", "app-consumer");
    const sources = () => fs.readdirSync(dir).filter((f) => f.endsWith(".ts"));
    const manifest = () => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

    it("holds an exact copy of the platform's outputs.ts (which imports nothing)", () => {
        const outputs = fs.readFileSync(path.join(PROJECT_ROOT, "outputs.ts"), "utf8");
        expect(outputs, "outputs.ts must stay a leaf so app repos can copy it").not.toMatch(/^\s*import\b/m);
        expect(fs.readFileSync(path.join(dir, "platform-outputs.ts"), "utf8"), "copy outputs.ts to examples/app-consumer/platform-outputs.ts").toBe(outputs);
    });

    it("imports only its own files and the packages its package.json lists", () => {
        const { dependencies = {}, devDependencies = {} } = manifest();
        for (const file of sources()) {
            for (const [, spec] of fs.readFileSync(path.join(dir, file), "utf8").matchAll(/from "([^"]+)"/g)) {
                if (spec.startsWith(".")) {
                    expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[^/]+$/);
                    expect(fs.existsSync(path.join(dir, `${spec}.ts`)), `${file} imports ${spec}`).toBe(true);
                } else {
                    const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
                    expect(Object.keys(dependencies), `${file} imports ${pkg}`).toContain(pkg);
                }
            }
        }
        expect(Object.keys(devDependencies)).toEqual(expect.arrayContaining(["typescript", "@types/node"]));
    });

    it("type-checks with its own tsconfig when copied out of this repository", () => {
        // The copy an app repo starts from: the folder alone, its packages installed (here the
        // platform's node_modules stand in for `npm install`, holding the same packages).
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "app-consumer-"));
        try {
            for (const file of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, file), path.join(copy, file));
            fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(copy, "node_modules"));
            const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
            execFileSync(process.execPath, [tsc, "-p", copy, "--noEmit"], { encoding: "utf8", stdio: "pipe" });
        } catch (error) {
            throw new Error(`the copied example does not compile: ${(error as { stdout?: string }).stdout ?? error}`);
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });
});
