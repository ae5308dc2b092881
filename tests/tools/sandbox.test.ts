// The sandbox's pure parts: the MetalLB and Longhorn stand-ins, the tool table, the layout.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { needsIngress, requestedIps, volumeFor } from "../../sandbox/standins";
import { sandboxLayout } from "../../sandbox/layout";
import { missingTools, REQUIRED_BINARIES, toolVersions } from "../../tools/paths";

describe("sandbox stand-ins", () => {
    it("MetalLB: a LoadBalancer gets the IP its annotation asks for, once", () => {
        const svc = { metadata: { annotations: { "metallb.io/loadBalancerIPs": "10.89.97.214" } }, spec: { type: "LoadBalancer" } };
        expect(needsIngress(svc)).toBe(true);
        expect(requestedIps(svc)).toEqual(["10.89.97.214"]);
        expect(needsIngress({ ...svc, status: { loadBalancer: { ingress: [{ ip: "10.89.97.214" }] } } })).toBe(false);
        expect(needsIngress({ spec: { type: "ClusterIP" } })).toBe(false);
        expect(requestedIps({ spec: { type: "LoadBalancer" } })).toEqual([]);
    });

    it("Longhorn: a pending claim gets a hostPath volume of its size bound to it by claimRef", () => {
        const pv = volumeFor({
            metadata: { name: "data-postgres-0", namespace: "supabase", uid: "u-1" },
            spec: { storageClassName: "longhorn-supabase", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } },
        }, "/tmp/v");
        expect(pv.spec?.capacity).toEqual({ storage: "20Gi" });
        expect(pv.spec?.claimRef).toMatchObject({ namespace: "supabase", name: "data-postgres-0", uid: "u-1" });
        expect(pv.spec?.storageClassName).toBe("longhorn-supabase");
        expect(pv.spec?.hostPath?.path).toBe("/tmp/v/supabase/data-postgres-0");
    });
});

describe("tool table and sandbox layout", () => {
    it("reads the pinned versions from tools/versions.sh", () => {
        const v = toolVersions();
        expect(v.PULUMI_VERSION).toMatch(/^v3\.\d+\.\d+$/);
        expect(v.KUBERNETES_VERSION).toMatch(/^v1\.\d+\.\d+$/);
        expect(v.K8S_PROVIDER_VERSION).toMatch(/^4\.\d+\.\d+$/);
    });

    it("names every missing binary when the cache is empty", () => {
        expect(missingTools({ SUPABASE_PLATFORM_TOOLS: "/nonexistent" })).toEqual(REQUIRED_BINARIES);
    });

    it("--check: gotrue is optional; without a snapshot it says so in one line and the required tools decide the exit", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "tools-check-"));
        const check = () => {
            const r = spawnSync("bash", [path.join(__dirname, "../../tools/build.sh"), "--check"], {
                env: { ...process.env, SUPABASE_PLATFORM_TOOLS: cache, SUPABASE_PLATFORM_SOURCES: path.join(cache, "no-sources") },
                encoding: "utf8",
            });
            return { status: r.status, lines: `${r.stdout}${r.stderr}`.trim().split("\n") };
        };
        try {
            const noSnapshot = /^tools: gotrue \(optional\) not built, so the engine tier skips its GoTrue scenario: gotrue needs a snapshot of supabase\/auth holding v2\.196\.0 \(commit 0204331ca41a\) in SUPABASE_PLATFORM_SOURCES \(.*no-sources\): git clone --bare https:\/\/github\.com\/supabase\/auth .*no-sources\/supabase\+auth && /;
            const empty = check();
            expect(empty.status).toBe(1);
            expect(empty.lines.filter((l) => noSnapshot.test(l))).toHaveLength(1);
            expect(empty.lines.at(-1)).toMatch(/^tools: missing kwok etcd pulumi language-nodejs kubernetes-provider postgresql-provider kubernetes in /);
            // Each component built from a snapshot says which repository and tag it needs, and how to get it.
            expect(empty.lines.filter((l) => /^tools: (language-nodejs|postgresql-provider) needs a snapshot of .* git clone --bare /.test(l)).map((l) => l.split(" ")[1]))
                .toEqual(["language-nodejs", "postgresql-provider", "postgresql-provider"]);
            fs.mkdirSync(path.join(cache, "bin"), { recursive: true });
            for (const b of REQUIRED_BINARIES) fs.writeFileSync(path.join(cache, "bin", b), "#!/bin/sh\n", { mode: 0o755 });
            const complete = check();
            expect(complete.status).toBe(0);
            expect(complete.lines).toHaveLength(2);
            expect(complete.lines[0]).toMatch(noSnapshot);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });

    it("--list names, for each component built from a snapshot, where it came from or the one line that provides it", () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "tools-list-"));
        const list = () => spawnSync("bash", [path.join(__dirname, "../../tools/build.sh"), "--list"], {
            env: { ...process.env, SUPABASE_PLATFORM_TOOLS: cache, SUPABASE_PLATFORM_SOURCES: "" }, encoding: "utf8",
        }).stdout.split("\n");
        const row = (lines: string[], name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? "";
        try {
            const empty = list();
            expect(row(empty, "language-nodejs")).toMatch(/MISSING: language-nodejs needs a snapshot of pulumi\/pulumi holding v3\.248\.0 \(commit a88168d865b7\) in SUPABASE_PLATFORM_SOURCES \(unset\): git clone --bare https:\/\/github\.com\/pulumi\/pulumi DIR\/pulumi\+pulumi && SUPABASE_PLATFORM_SOURCES=DIR npm run tools$/);
            expect(row(empty, "postgresql-provider")).toMatch(/MISSING: postgresql-provider needs a snapshot of pulumi\/pulumi-postgresql holding v3\.18\.0/);
            expect(empty.at(-2)).toBe(`cache: ${cache}; snapshots: SUPABASE_PLATFORM_SOURCES=unset`);
            fs.mkdirSync(path.join(cache, "bin"), { recursive: true });
            fs.writeFileSync(path.join(cache, "bin", "pulumi-language-nodejs"), "#!/bin/sh\n", { mode: 0o755 });
            fs.writeFileSync(path.join(cache, "bin", "language-nodejs.source"), "snapshot pulumi/pulumi tag v3.248.0\n");
            fs.writeFileSync(path.join(cache, "bin", "etcd"), "#!/bin/sh\n", { mode: 0o755 });
            const built = list();
            expect(row(built, "language-nodejs")).toMatch(/present; from snapshot pulumi\/pulumi tag v3\.248\.0$/);
            expect(row(built, "etcd")).toMatch(/present; from module proxy$/);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });

    it("status and env on a sandbox that never started say so, name the start command and write nothing", () => {
        const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-never-")), "state");
        const run = (command: string) => spawnSync(path.join(__dirname, "../../node_modules/.bin/tsx"), [path.join(__dirname, "../../sandbox/index.ts"), command], {
            env: { ...process.env, SUPABASE_PLATFORM_SANDBOX: state }, encoding: "utf8",
        });
        for (const command of ["status", "env"]) {
            const r = run(command);
            expect(r.status, command).toBe(3);
            expect(`${r.stdout}${r.stderr}`.trim()).toBe(`sandbox: not started (no state in ${state}); start it with: npm run sandbox -- start`);
        }
        expect(fs.existsSync(state)).toBe(false);
        fs.rmSync(path.dirname(state), { recursive: true, force: true });
    });

    it("refuses a privileged or malformed port override, naming the variable", () => {
        expect(() => sandboxLayout({ SANDBOX_APISERVER_PORT: "443" })).toThrow(/SANDBOX_APISERVER_PORT=443/);
        expect(() => sandboxLayout({ SANDBOX_POSTGRES_PORT: "x" })).toThrow(/SANDBOX_POSTGRES_PORT=x/);
        expect(sandboxLayout({ SUPABASE_PLATFORM_SANDBOX: "/s" }).kubeconfig).toBe("/s/kubeconfig");
    });
});
