// The offline render: files per object, redaction, summary, and a non-zero exit on bad config.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { PROJECT_ROOT, stackConfig, StackFileError } from "../offline/stack-config";
import { RELEASES } from "../releases";
import { runStack } from "./support/program";

describe("npm run render", () => {
    let outRoot: string;
    let result: Awaited<ReturnType<typeof import("../offline/render").render>>;
    let text: string;
    beforeAll(async () => {
        outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
        vi.resetModules();
        const { render, summary } = await import("../offline/render");
        result = await render("dev", outRoot);
        text = summary(result);
    });

    it("writes one YAML file per Kubernetes object", () => {
        // Manifests are named <namespace>_<kind>_<name>.yaml; the reports write other names.
        const files = fs.readdirSync(path.join(outRoot, "dev")).filter((f) => /^[^_]+_[a-z0-9]+_.+\.yaml$/.test(f)).sort();
        expect(files).toEqual([...result.files].sort());
        expect(files.length).toBe(new Set(files).size);
        expect(files).toContain("supabase_statefulset_postgres.yaml");
        const sts = YAML.parse(fs.readFileSync(path.join(outRoot, "dev", "supabase_statefulset_postgres.yaml"), "utf8"));
        expect(sts.kind).toBe("StatefulSet");
        expect(sts.apiVersion).toBe("apps/v1");
    });

    it("redacts every Secret value", () => {
        const secretFiles = result.files.filter((f) => f.includes("_secret_"));
        expect(secretFiles.length).toBeGreaterThan(0);
        for (const file of secretFiles) {
            const secret = YAML.parse(fs.readFileSync(path.join(outRoot, "dev", file), "utf8"));
            expect(Object.values(secret.stringData)).toEqual(Object.keys(secret.stringData).map(() => "<redacted>"));
        }
        const everything = result.files.map((f) => fs.readFileSync(path.join(outRoot, "dev", f), "utf8")).join("\n");
        expect(everything).not.toContain(result.run.outputs.jwtSecret.value as string);
    });

    it("parses --stack and --config overrides", async () => {
        const { parseArgs } = await import("../offline/render");
        expect(parseArgs(["--stack", "prod", "--config", "rotation=2", "--config=apps=[\"a_b\"]"]))
            .toEqual({ stack: "prod", overrides: { rotation: 2, apps: ["a_b"] } });
        expect(() => parseArgs(["--bogus"])).toThrow(/unknown argument/);
    });

    it("prints a summary that says no cluster was contacted", () => {
        expect(text).toContain("No cluster was contacted");
        expect(text).toContain("supabase/postgres:15.1.1.78");
        expect(text).toMatch(/Postgres\s+\d+/);
        expect(text).toContain("jwtSecret        [secret]");
    });

    it("prints no undefined: an output the release does not have says so", () => {
        expect(text).not.toContain("undefined");
        for (const name of ["publishableKey", "secretKey", "jwks"]) {
            expect(result.run.outputs[name].value, name).toBeUndefined();
            expect(text).toMatch(new RegExp(`^  ${name}\\s+\\(none: release seed has no such value\\)$`, "m"));
        }
    });

    it("groups advisories: one line per rule with its count", () => {
        const lines = text.split("\n").filter((l) => l.startsWith("  [advisory]"));
        expect(lines.length).toBeGreaterThan(0);
        const rules = lines.map((l) => /^  \[advisory\] ([a-z-]+): (\d+)$/.exec(l)?.[1]);
        expect(rules).not.toContain(undefined);
        expect(new Set(rules).size).toBe(rules.length);
    });

    it("names no image when every image is a release's", () => {
        expect(text).not.toContain("Images no release pins");
    });

    it("exits non-zero with the config errors on bad config", async () => {
        const args = ["tsx", "offline/render.ts", "--stack", "prod", "--config", "kongLoadBalancerIp=not-an-ip", "--config", 'apps=["auth"]'];
        const error = await promisify(execFile)("npx", args, { cwd: PROJECT_ROOT })
            .then(() => undefined, (e: { code: number; stderr: string }) => e);
        expect(error?.code).toBe(1);
        expect(error?.stderr).toContain('supabase-platform:kongLoadBalancerIp = "not-an-ip"');
        expect(error?.stderr).toContain('supabase-platform:apps = "auth"');
    });
});

describe("images no release pins", () => {
    it("are named in the summary with their workload, unless they are another release's or a known image with a digest", async () => {
        const typo = "supabase/gotrue:v2.13.3";
        const run = await runStack("dev", {
            overrides: { gotrueImage: typo, metaImage: RELEASES["v0.8.2"].images.meta, kongImage: `${RELEASES.seed.images.kong}@sha256:${"a".repeat(64)}` },
        });
        const { unpinnedImages } = await import("../offline/render");
        expect(unpinnedImages(run)).toEqual([`${typo} (Deployment gotrue, container gotrue)`]);
    });
});

describe("npm run render of an unknown stack", () => {
    it("says which stacks exist and how to add one, without a stack trace", async () => {
        const { failureText } = await import("../offline/render");
        let error: unknown;
        try {
            stackConfig("staging");
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(StackFileError);
        const text = failureText(error);
        expect(text).toMatch(/^No stack file Pulumi\.staging\.yaml; known stacks: dev, prod\. To add one, copy stack-template\.yaml to Pulumi\.staging\.yaml/);
        expect(text).not.toMatch(/^\s+at /m);
        // A bug keeps its trace.
        expect(failureText(new Error("boom"))).toMatch(/^Error: boom\n\s+at /);
    });
});

describe("npm run render of release v0.8.2 with Realtime", () => {
    it("passes its own checks and the pack, and writes no secret key, signing key or mapped JWT to disk", async () => {
        const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "render-next-"));
        vi.resetModules();
        const { render, summary } = await import("../offline/render");
        const result = await render("dev", outRoot, { release: "v0.8.2" });
        const text = summary(result);
        expect(text).not.toContain("FAIL");
        expect(text).not.toContain("undefined");
        expect(text).toMatch(/Policy pack: pass, 0 mandatory/);
        expect(text).toContain("/realtime/v1/api/tenants");
        const dir = path.join(outRoot, "dev");
        const everything = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
        const outputs = result.run.outputs;
        for (const secret of [outputs.secretKey.value, outputs.serviceRoleKey.value, outputs.jwtSecret.value] as string[]) expect(everything).not.toContain(secret);
        // The redacted kong.yml keeps the template's place, not its keys or JWTs.
        expect(fs.readFileSync(path.join(dir, "kong.yml"), "utf8")).toContain("Authorization:$(<redacted>)");
        expect(everything).not.toMatch(/eyJhbGciOiJFUzI1Ni/);
        const gotrue = result.run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "gotrue-secrets")!;
        const signingKeys = JSON.parse(gotrue.inputs.stringData.GOTRUE_JWT_KEYS) as { d?: string }[];
        expect(signingKeys.some((k) => k.d)).toBe(true);
        for (const key of signingKeys) if (key.d) expect(everything).not.toContain(key.d);
    });
});
