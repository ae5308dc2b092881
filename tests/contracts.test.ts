// Every rendered workload, on every stack file, against the contract of the image it runs
// (components/contracts): env names read, required env set, probes on served endpoints, no
// volume over shipped files, writable paths writable, the image's user. What a contract records
// as unreadable at its source is printed as "could not verify", never passed or failed. Then the
// checker itself: injected defects must fail.
import { beforeAll, describe, expect, it } from "vitest";
import { contractFor, CONTRACTS, imageKey } from "../components/services/contracts";
import { ProgramRun } from "../offline/engine";
import { checkContainer, checkContainers, ContractReport, Finding, formatFinding, formatUnverified, WorkloadContainer } from "../offline/contract-check";
import { containersOf, podSpecOf } from "../offline/manifests";
import { configReader, stackNames } from "../offline/stack-config";
import { Release, RELEASE_NAMES } from "../releases";
import { manifests, runStack, stackMatrix } from "./support/program";

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/**
 * Findings accepted on purpose, each with the reason it is safe. Anything not listed fails.
 * A waiver matches on workload, container, check and subject.
 */
const WAIVERS: { workload: string; container: string; check: Finding["check"]; subject: RegExp; reason: string; release?: Release }[] = [
    {
        workload: "StatefulSet/postgres", container: "postgres", check: "shadow", subject: /^\/etc\/postgresql-custom$/,
        reason: "the init container seed-custom-config copies the image's files into the volume (cp -an) before postgres starts; the volume exists to persist pgsodium_root.key",
    },
    {
        workload: "StatefulSet/postgres", container: "postgres", check: "env-unread", subject: /^JWT_EXP$/,
        reason: "read by the program's own init script 99-jwt.sql (components/services/postgres/index.ts INIT_SCRIPTS), not by the image",
    },
    {
        workload: "Deployment/kong", container: "kong", check: "user", subject: /^runAsUser 1000$/, release: "seed",
        reason: "kong:2.8.1 creates its user with `adduser -S` (no fixed UID). Kong only writes into KONG_PREFIX, an emptyDir, and reads world-readable files, so any non-root UID works",
    },
    // The pooler (on by default from v0.8.2): PgBouncer listens where its mounted pgbouncer.ini says.
    {
        workload: "Deployment/pooler", container: "pgbouncer-transaction", check: "probe", subject: /^(readiness|liveness)Probe port 6543$/, release: "v0.8.2",
        reason: "the port is listen_port of the pgbouncer.ini the program mounts (the ConfigMap pooler-config, transaction.ini: 6543); the contract's 5432 is only the default of the ini the entrypoint renders when none is mounted (entrypoint.sh:115)",
    },
    ...(["pgbouncer-transaction", "pgbouncer-session"] as const).map((container) => ({
        workload: "Deployment/pooler", container, check: "user" as const, subject: /^runAsUser 70$/, release: "v0.8.2" as Release,
        reason: "edoburu/pgbouncer says USER postgres (Alpine's postgresql packages: uid/gid 70, not fixed by the Dockerfile). PgBouncer only reads its mounted files (ConfigMap, and the Secret readable through fsGroup 70) and writes nothing, so any non-root UID works",
    })),
];

const waiverFor = (f: Finding) => WAIVERS.find((w) => w.workload === f.workload && w.container === f.container && w.check === f.check && w.subject.test(f.subject));
const releaseOf = (overrides: Record<string, unknown>) => (overrides.release ?? "seed") as Release;


function workloadContainers(run: ProgramRun): WorkloadContainer[] {
    return manifests(run)
        .filter((m) => WORKLOAD_KINDS.includes(m.kind))
        .flatMap((m) => containersOf(m).map((container) => ({ workload: `${m.kind}/${m.metadata.name}`, container, pod: podSpecOf(m)! })));
}

describe.each(stackMatrix(stackNames(), RELEASE_NAMES))("image contracts on stack $label", ({ stack, overrides }) => {
    let report: ContractReport;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        report = checkContainers(workloadContainers(await runStack(stack, { overrides })), contractFor);
        cfg = configReader(stack, overrides);
    });

    it("finds no mismatch between a workload and its image's source (waivers listed in this file)", () => {
        const waiver = (f: Finding) => { const w = waiverFor(f); return w && (w.release ?? releaseOf(overrides)) === releaseOf(overrides) ? w : undefined; };
        const open = report.findings.filter((f) => !waiver(f));
        expect(open.map(formatFinding), "each line: workload/container: check subject: why [repo@tag:path:line]").toEqual([]);
    });

    it("uses every waiver, so none outlives the finding it excuses", () => {
        const used = new Set(report.findings.map(waiverFor).filter(Boolean));
        const release = releaseOf(overrides);
        const mine = WAIVERS.filter((w) => (w.release ?? release) === release);
        expect(mine.filter((w) => !used.has(w)).map((w) => `${w.workload}/${w.container} ${w.check}`)).toEqual([]);
    });

    it("reports what it cannot check; only the backup uploader and PITR's kubectl and wal-g images (not Supabase images) have no contract", () => {
        // Visible on purpose: these run unchecked, or are checked only in part.
        const list = (items: string[]) => (items.length ? items.join("\n  ") : "(none)");
        console.warn(`[contracts:${stack}] no contract, not checked:\n  ${list(report.uncovered)}\n` +
            `[contracts:${stack}] command replaces the entrypoint, only shadowing checked:\n  ${list(report.entrypointReplaced)}\n` +
            `[contracts:${stack}] could not verify (the source could not be read; neither passed nor failed):\n  ${list(report.unverified.map(formatUnverified))}`);
        const operatorImages = new Set(["backupUploaderImage", "pitrKubectlImage", "pitrWalgImage"].map((key) => imageKey(cfg(key) ?? "")));
        const unexpected = report.uncovered.filter((label) => !operatorImages.has(imageKey(/\((.+)\)$/.exec(label)![1])));
        expect(unexpected).toEqual([]);
    });
});

describe("contract checker", () => {
    const kong = CONTRACTS["kong:2.8.1"];
    const gotrue = CONTRACTS["supabase/gotrue:v2.132.3"];
    const pod = { securityContext: { runAsNonRoot: true } };
    const kongContainer = () => ({
        name: "kong",
        image: "kong:2.8.1",
        ports: [{ name: "http", containerPort: 8000 }, { name: "status", containerPort: 8100 }],
        env: [
            { name: "KONG_DATABASE", value: "off" },
            { name: "KONG_PREFIX", value: "/var/lib/kong" },
            { name: "KONG_STATUS_LISTEN", value: "0.0.0.0:8100" },
        ],
        readinessProbe: { httpGet: { path: "/status", port: "status" } },
        livenessProbe: { tcpSocket: { port: "http" } },
        securityContext: { readOnlyRootFilesystem: true },
        volumeMounts: [{ name: "kong-prefix", mountPath: "/var/lib/kong" }],
    });
    const checks = (c: Record<string, any>, contract = kong) => checkContainer("Deployment/kong", c, pod, contract).findings.filter((f) => f.check !== "user");

    it("passes a container that matches its contract", () => {
        expect(checks(kongContainer()).map(formatFinding)).toEqual([]);
    });

    it("fails an env name the image does not read, naming workload, container and variable", () => {
        const c = kongContainer();
        c.env.push({ name: "KONG_DNS_ORDR", value: "A" });
        expect(checks(c).map(formatFinding)).toEqual(["Deployment/kong/kong: env-unread KONG_DNS_ORDR: kong:2.8.1 does not read KONG_DNS_ORDR (typo or dead variable)"]);
    });

    it("fails a dropped required variable and cites the source line that requires it", () => {
        const c = { name: "gotrue", image: "supabase/gotrue:v2.132.3", env: [
            { name: "GOTRUE_DB_DRIVER", value: "postgres" }, { name: "DATABASE_URL", value: "x" },
            { name: "API_EXTERNAL_URL", value: "x" }, { name: "GOTRUE_SITE_URL", value: "x" },
        ] };
        const found = checks(c, gotrue);
        expect(found.map((f) => [f.check, f.subject])).toEqual([["env-required", "GOTRUE_JWT_SECRET"]]);
        expect(formatFinding(found[0])).toContain("[supabase/auth@v2.132.3:internal/conf/configuration.go:81]");
    });

    it("fails a volume over shipped files, above them, or inside a shipped directory", () => {
        for (const mountPath of ["/usr/local/kong", "/usr/local", "/usr/local/kong/lib/extra"]) {
            const c = kongContainer();
            c.volumeMounts.push({ name: "bad", mountPath });
            const found = checks(c).filter((f) => f.check === "shadow");
            expect(found.length, mountPath).toBeGreaterThan(0);
            expect(formatFinding(found[0])).toMatch(/Kong\/(docker-kong|kong-build-tools)@/);
        }
    });

    it("fails a written path without a writable volume, following the env that moves it", () => {
        const c = kongContainer();
        c.env = c.env.map((e) => (e.name === "KONG_PREFIX" ? { ...e, value: "/somewhere/else" } : e));
        expect(checks(c).map((f) => [f.check, f.subject])).toEqual([["writable", "/somewhere/else"]]);
    });

    it("fails a probe on a path the image does not serve or a port it does not listen on", () => {
        const c = kongContainer();
        c.readinessProbe = { httpGet: { path: "/status/ready", port: "status" } };
        c.env = c.env.filter((e) => e.name !== "KONG_STATUS_LISTEN");
        expect(checks(c).map((f) => [f.check, f.subject])).toEqual([
            ["probe", "readinessProbe port status"],
            ["probe", "readinessProbe GET /status/ready"],
        ]);
    });

    it("fails a runAsUser other than the image's own", () => {
        const c = { name: "gotrue", image: "supabase/gotrue:v2.132.3", securityContext: { runAsUser: 1001 } };
        const found = checkContainer("Deployment/gotrue", c, pod, gotrue).findings.filter((f) => f.check === "user");
        expect(found.map(formatFinding)).toEqual(["Deployment/gotrue/gotrue: user runAsUser 1001: supabase/gotrue:v2.132.3 runs as supabase 1000 [supabase/auth@v2.132.3:Dockerfile:19]"]);
    });

    describe("expanded paths, the root-image user rule and what cannot be verified", () => {
        const storage = CONTRACTS["supabase/storage-api:v0.43.11"];
        const studio = CONTRACTS["supabase/studio:20240729-ce42139"];
        // The file backend at /data, on a claim the pod's fsGroup hands to UID 1000.
        const storagePod = (fsGroup?: number) => ({
            securityContext: { runAsNonRoot: true, ...(fsGroup !== undefined ? { fsGroup } : {}) },
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: "storage-data" } }, { name: "tmp", emptyDir: {} }],
        });
        const storageContainer = (readOnlyRootFilesystem = true) => ({
            name: "storage",
            image: "supabase/storage-api:v0.43.11",
            env: [{ name: "STORAGE_BACKEND", value: "file" }, { name: "FILE_STORAGE_BACKEND_PATH", value: "/data" }],
            securityContext: { runAsUser: 1000, readOnlyRootFilesystem },
            volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "tmp", mountPath: "/tmp" }],
        });
        const found = (c: Record<string, any>, p: Record<string, any>, contract = storage, only = ["writable", "user"]) =>
            checkContainer("Deployment/storage", c, p, contract).findings.filter((f) => only.includes(f.check)).map((f) => [f.check, f.subject]);

        it("passes a root image run as a non-root UID that can write every path it writes", () => {
            expect(found(storageContainer(), storagePod(1000))).toEqual([]);
        });

        it("expands ${VAR} from the env and fails when the expanded path is not writable", () => {
            const c = storageContainer();
            c.env[1].value = "/elsewhere";
            expect(found(c, storagePod(1000), storage, ["writable"])).toEqual([["writable", "/elsewhere"]]);
        });

        it("fails a written path whose variable is unset, and skips it when its feature is off", () => {
            const c = storageContainer();
            c.env = [{ name: "STORAGE_BACKEND", value: "file" }];
            expect(found(c, storagePod(1000), storage, ["writable"])).toEqual([["writable", "${FILE_STORAGE_BACKEND_PATH}"]]);
            c.env = [{ name: "STORAGE_BACKEND", value: "s3" }];
            expect(found(c, storagePod(1000))).toEqual([]);
        });

        it("fails a root image run as a non-root UID when a written path is not writable by it, read-only root or not", () => {
            // Writable root: only the user rule can see that UID 1000 cannot write the image's root-owned /elsewhere.
            const elsewhere = storageContainer(false);
            elsewhere.env[1].value = "/elsewhere";
            expect(found(elsewhere, storagePod(1000))).toEqual([["user", "runAsUser 1000"]]);
            // A claim without fsGroup stays root's: mounted and writable, but not by UID 1000.
            expect(found(storageContainer(), storagePod())).toEqual([["user", "runAsUser 1000"]]);
            const user = checkContainer("Deployment/storage", storageContainer(), storagePod(), storage).findings.filter((f) => f.check === "user");
            expect(formatFinding(user[0]))
                .toBe("Deployment/storage/storage: user runAsUser 1000: supabase/storage-api:v0.43.11 runs as root (no USER) and writes /data; UID 1000 cannot write it without a volume it may write (an emptyDir, or fsGroup) [supabase/storage@v0.43.11:Dockerfile:14]");
        });

        it("fails a root image under runAsNonRoot with no runAsUser: the kubelet would refuse it", () => {
            const c = { ...storageContainer(), securityContext: { readOnlyRootFilesystem: true } };
            expect(found(c, storagePod(1000))).toEqual([["user", "runAsUser (image default)"]]);
        });

        it("lists an env name the contract cannot confirm, without passing or failing it; a plain typo still fails", () => {
            const c = { name: "studio", image: "supabase/studio:20240729-ce42139", env: [{ name: "HOSTNAME", value: "0.0.0.0" }, { name: "NEXT_TELEMETRY_DISABLED", value: "1" }, { name: "HOSTNAM", value: "x" }] };
            const { findings, unverified } = checkContainer("Deployment/studio", c, pod, studio);
            expect(findings.map((f) => [f.check, f.subject])).toEqual([["env-unread", "HOSTNAM"]]);
            expect(unverified.filter((u) => u.check === "env-unread").map((u) => u.subject)).toEqual(["NEXT_TELEMETRY_DISABLED"]);
        });

        it("lists an unread user as unverified, not as root", () => {
            const c = { name: "studio", image: "supabase/studio:20240729-ce42139", securityContext: { runAsUser: 1000 } };
            const { findings, unverified } = checkContainer("Deployment/studio", c, pod, studio);
            expect(findings).toEqual([]);
            expect(unverified.map((u) => [u.check, u.subject])).toEqual([["user", "runAsUser 1000"]]);
        });
    });

    it("finds contracts by image reference with or without a registry", () => {
        expect(contractFor("docker.io/library/kong:2.8.1")).toBe(kong);
        expect(contractFor("ghcr.io/supabase/gotrue:v2.132.3")).toBe(gotrue);
        expect(contractFor("kong:3.0.0")).toBeUndefined();
    });
});
