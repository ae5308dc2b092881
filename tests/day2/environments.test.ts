// The dev and prod stacks: both render offline, every object passes the Kubernetes schema and the
// policy pack, they differ the way real environments do, and prod's encrypted values are replaced
// by labelled placeholders that never leave the (redacted) Secrets.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { mandatory, evaluate } from "../../policies/evaluate";
import { allPolicies } from "../../policies/rules";
import { ProgramRun } from "../../offline/engine";
import { containersOf, Manifest } from "../../offline/manifests";
import { encryptedKeys, PLACEHOLDER_PREFIX, placeholderFor, placeholdersUsed } from "../../offline/stack-config";
import { validateManifest } from "../support/k8s-schema";
import { findManifest, manifests, runStack } from "../support/program";

type Rendered = { run: ProgramRun; files: string[]; outDir: string; summary: string };

const podSpec = (m: Manifest) => (m.kind === "CronJob" ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec);
const envNames = (m: Manifest) => containersOf(m).flatMap((c) => (c.env ?? []).map((e: { name: string }) => e.name));

describe("environments", () => {
    const rendered: Record<string, Rendered> = {};
    let outRoot: string;

    beforeAll(async () => {
        outRoot = fs.mkdtempSync(path.join(os.tmpdir(), "environments-"));
        for (const stack of ["dev", "prod"]) {
            vi.resetModules();
            const { render, summary } = await import("../../offline/render");
            const result = await render(stack, outRoot);
            rendered[stack] = { run: result.run, files: result.files, outDir: result.outDir, summary: summary(result) };
        }
    });
    afterAll(() => fs.rmSync(outRoot, { recursive: true, force: true }));

    it.each(["dev", "prod"])("%s: every object passes the Kubernetes schema", (stack) => {
        const all = manifests(rendered[stack].run);
        expect(all.length).toBeGreaterThan(30);
        const failures = all.flatMap((m) => {
            try {
                validateManifest(m);
                return [];
            } catch (error) {
                return [`${m.kind} ${m.metadata.name}: ${(error as Error).message}`];
            }
        });
        expect(failures).toEqual([]);
    });

    it.each(["dev", "prod"])("%s: the policy pack finds no mandatory violation", async (stack) => {
        const evaluation = await evaluate(rendered[stack].run.resources, allPolicies);
        expect(evaluation.resourcesChecked).toBeGreaterThan(30);
        expect(mandatory(evaluation).map((v) => `${v.policy}: ${v.resource}: ${v.message}`)).toEqual([]);
    });

    it("dev holds no encrypted value; prod's are all replaced and listed in the summary", () => {
        expect(encryptedKeys("dev")).toEqual([]);
        expect(rendered.dev.summary).not.toContain("replaced by placeholders");
        const keys = encryptedKeys("prod").sort();
        expect(keys).toEqual(["backupS3AccessKeyId", "backupS3SecretAccessKey", "oauthGithubSecret", "pitrS3AccessKeyId", "pitrS3SecretAccessKey", "s3AccessKeyId", "s3SecretAccessKey", "smtpPass"]);
        expect(rendered.prod.summary).toContain(`${keys.length} encrypted values replaced by placeholders: ${keys.join(", ")}`);
    });

    it("puts placeholders only into Secrets, and writes none of them to disk", () => {
        const { run, files, outDir } = rendered.prod;
        const carriers = manifests(run).filter((m) => JSON.stringify(m).includes(PLACEHOLDER_PREFIX)).map((m) => `${m.kind} ${m.metadata.name}`);
        expect(carriers.length).toBeGreaterThan(0);
        expect(carriers.every((c) => c.startsWith("Secret "))).toBe(true);
        for (const [name, output] of Object.entries(run.outputs)) expect(JSON.stringify(output.value) ?? "", name).not.toContain(PLACEHOLDER_PREFIX);
        const onDisk = files.filter((f) => fs.readFileSync(path.join(outDir, f), "utf8").includes(PLACEHOLDER_PREFIX));
        expect(onDisk).toEqual([]);
        expect(findManifest(run, "Secret", "gotrue-secrets").stringData.GOTRUE_SMTP_PASS).toBe(placeholderFor("smtpPass"));
    });

    it("lets an override supply a real value instead of the placeholder", async () => {
        const run = await runStack("prod", { overrides: { smtpPass: "a-test-smtp-password" }, secretKeys: ["smtpPass"] });
        expect(placeholdersUsed("prod")).not.toContain("smtpPass");
        expect(placeholdersUsed("prod")).toContain("s3SecretAccessKey");
        expect(findManifest(run, "Secret", "gotrue-secrets").stringData.GOTRUE_SMTP_PASS).toBe("a-test-smtp-password");
    });

    it("prod uses S3 storage, SMTP, GitHub sign-in and off-cluster dumps; dev uses volumes", () => {
        const dev = rendered.dev.run;
        const prod = rendered.prod.run;
        const secretKeys = (run: ProgramRun, name: string) => Object.keys(findManifest(run, "Secret", name).stringData);
        expect(secretKeys(prod, "gotrue-secrets")).toEqual(expect.arrayContaining(["GOTRUE_SMTP_PASS", "GOTRUE_EXTERNAL_GITHUB_SECRET"]));
        expect(secretKeys(dev, "gotrue-secrets")).not.toContain("GOTRUE_SMTP_PASS");
        expect(secretKeys(prod, "storage-secrets")).toEqual(expect.arrayContaining(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]));
        expect(secretKeys(dev, "storage-secrets")).not.toContain("AWS_ACCESS_KEY_ID");
        expect(envNames(findManifest(prod, "Deployment", "gotrue"))).toEqual(expect.arrayContaining(["GOTRUE_SMTP_HOST", "GOTRUE_EXTERNAL_GITHUB_CLIENT_ID"]));

        const prodBackup = podSpec(findManifest(prod, "CronJob", "postgres-backup"));
        expect(prodBackup.containers.map((c: { name: string }) => c.name)).toEqual(["upload"]);
        expect(prodBackup.volumes.find((v: { name: string }) => v.name === "backups").emptyDir).toBeDefined();
        const devBackup = podSpec(findManifest(dev, "CronJob", "postgres-backup"));
        expect(devBackup.containers.map((c: { name: string }) => c.name)).toEqual(["pg-dump"]);
        expect(devBackup.volumes.find((v: { name: string }) => v.name === "backups").persistentVolumeClaim.claimName).toBe("postgres-backups");
        expect(manifests(prod).some((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "postgres-backups")).toBe(false);
    });

    it("gives each environment its own namespace, IPs, sizes and replicas", () => {
        const dev = rendered.dev.run;
        const prod = rendered.prod.run;
        expect(dev.outputs.namespace.value).toBe("supabase");
        expect(prod.outputs.namespace.value).toBe("supabase-prod");
        expect(dev.outputs.apiUrl.value).not.toBe(prod.outputs.apiUrl.value);
        const dataSize = (run: ProgramRun) => findManifest(run, "StatefulSet", "postgres").spec.volumeClaimTemplates
            .find((t: Manifest) => t.metadata.name === "postgres-data").spec.resources.requests.storage;
        expect([dataSize(dev), dataSize(prod)]).toEqual(["20Gi", "100Gi"]);
        const replicas = (run: ProgramRun, name: string) => findManifest(run, "Deployment", name).spec.replicas;
        for (const name of ["kong", "gotrue", "rest", "storage"]) expect(replicas(prod, name), name).toBeGreaterThan(replicas(dev, name));
        // Longhorn lives cluster-wide: two stacks in one cluster must not share job names or groups.
        const jobs = (run: ProgramRun) => manifests(run).filter((m) => m.kind === "RecurringJob").map((m) => m.metadata.name);
        expect(jobs(dev).filter((j) => jobs(prod).includes(j))).toEqual([]);
    });
});
