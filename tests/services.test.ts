// GoTrue, PostgREST, Storage (+ imgproxy) and postgres-meta under the mock engine, on every stack
// file and with config overrides: Secret wiring, derived env, probes, volumes, ordering.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { RELEASES } from "../releases";
import { ProgramRun, runProgram } from "../offline/engine";
import { containersOf, Manifest } from "../offline/manifests";
import { configReader, stackConfig, stackNames } from "../offline/stack-config";
import type { SupabasePlatform } from "../components/platform";
import { DATABASE_POOLS } from "../policies/rules/connections";
import { validateManifest } from "./support/k8s-schema";
import { findManifest, manifests, runStack } from "./support/program";
import { META_DB_CONNECTIONS } from "../components/services/meta/facts";
import { DEFAULT_EXPOSED_SCHEMAS, exposedSchemas } from "../components/services/rest/env";

const STACKS = stackNames();
const SERVICES = ["gotrue", "rest", "storage", "meta"] as const;
type Service = (typeof SERVICES)[number];

/** The UID each image runs as (sources are in the component files). */
const EXPECTED_UID: Record<string, number> = { gotrue: 1000, postgrest: 1000, storage: 1000, imgproxy: 999, meta: 1000 };

const deployment = (run: ProgramRun, service: Service) => findManifest(run, "Deployment", service);
const podSpec = (run: ProgramRun, service: Service) => deployment(run, service).spec.template.spec;
const container = (run: ProgramRun, service: Service, name: string) => {
    const found = podSpec(run, service).containers.find((c: any) => c.name === name);
    if (!found) throw new Error(`no container ${name} in ${service}`);
    return found;
};
const envOf = (c: any): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));
const literal = (c: any, name: string): string | undefined => envOf(c)[name]?.value;
const secretData = (run: ProgramRun, name: string): Record<string, string> => findManifest(run, "Secret", name).stringData;
const serviceObjects = (run: ProgramRun): Manifest[] =>
    manifests(run).filter((m) => (SERVICES as readonly string[]).includes(m.metadata.labels?.["app.kubernetes.io/name"] ?? "") && m.kind !== "Secret");

describe.each(STACKS)("services on stack %s", (stack) => {
    let run: ProgramRun;
    let cfg: (key: string) => string | undefined;
    beforeAll(async () => {
        run = await runStack(stack);
        cfg = configReader(stack);
    });

    it("declares a Deployment, ClusterIP Service and ServiceAccount per service (plus a PDB when replicated), all schema-valid", () => {
        const objects = serviceObjects(run);
        for (const service of SERVICES) {
            const replicated = deployment(run, service).spec.replicas >= 2;
            const expected = ["Deployment", ...(replicated ? ["PodDisruptionBudget"] : []), "Service", "ServiceAccount"];
            expect(objects.filter((m) => m.metadata.name === service).map((m) => m.kind).sort(), service).toEqual(expected);
            expect(findManifest(run, "Service", service).spec.type).toBe("ClusterIP");
        }
        for (const m of objects) expect(validateManifest(m)).toBe("upstream");
    });

    it("reads every secret through secretKeyRef into its own Secret, and every referenced key exists there", () => {
        for (const service of SERVICES) {
            const data = secretData(run, `${service}-secrets`);
            const referenced = new Set<string>();
            for (const c of containersOf(deployment(run, service))) {
                for (const e of c.env ?? []) {
                    const ref = e.valueFrom?.secretKeyRef;
                    if (!ref) continue;
                    expect(ref.name, `${service}/${c.name} ${e.name}`).toBe(`${service}-secrets`);
                    expect(Object.keys(data), `${service}/${c.name} ${e.name}`).toContain(ref.key);
                    referenced.add(ref.key);
                }
            }
            // Nothing in a scoped Secret is dead weight: the service reads all of it.
            expect([...referenced].sort()).toEqual(Object.keys(data).sort());
        }
    });

    it("puts no secret value into a literal env value, command or annotation", () => {
        const secrets = manifests(run).filter((m) => m.kind === "Secret").flatMap((m) => Object.values<string>(m.stringData ?? {}));
        const password = secretData(run, "postgres-secrets").POSTGRES_PASSWORD;
        expect(secrets).toContain(password);
        const leaks: string[] = [];
        for (const service of SERVICES) {
            const dep = deployment(run, service);
            const texts = [JSON.stringify(dep.spec.template.metadata.annotations ?? {})];
            for (const c of containersOf(dep)) {
                texts.push(JSON.stringify([c.command, c.args]));
                for (const e of c.env ?? []) if (e.value !== undefined) texts.push(`${e.name}=${e.value}`);
            }
            for (const text of texts) for (const s of secrets) if (s.length >= 8 && text.includes(s)) leaks.push(`${service}: ${text.slice(0, 40)}`);
        }
        expect(leaks).toEqual([]);
    });

    it("connects each service to the database as its own role", () => {
        const host = run.outputs.databaseHost.value as string;
        const roleOf = (url: string) => new URL(url).username;
        expect(roleOf(secretData(run, "gotrue-secrets").GOTRUE_DB_DATABASE_URL)).toBe("supabase_auth_admin");
        expect(roleOf(secretData(run, "rest-secrets").PGRST_DB_URI)).toBe("authenticator");
        expect(roleOf(secretData(run, "storage-secrets").DATABASE_URL)).toBe("supabase_storage_admin");
        for (const url of [secretData(run, "gotrue-secrets").GOTRUE_DB_DATABASE_URL, secretData(run, "rest-secrets").PGRST_DB_URI]) {
            expect(new URL(url).hostname).toBe(host);
        }
        const meta = envOf(container(run, "meta", "meta"));
        expect(meta.PG_META_DB_HOST.value).toBe(host);
        expect(meta.PG_META_DB_PORT.value).toBe("5432");
        expect(meta.PG_META_DB_USER.value).toBe("supabase_admin");
        expect(meta.PG_META_DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: "meta-secrets", key: "PG_META_DB_PASSWORD" });
        expect(meta.CRYPTO_KEY.valueFrom.secretKeyRef).toEqual({ name: "meta-secrets", key: "CRYPTO_KEY" });
        expect(secretData(run, "meta-secrets").PG_META_DB_PASSWORD).toBe(secretData(run, "postgres-secrets").POSTGRES_PASSWORD);
        // The start script run directly, so npm (and its HOME writes) never starts.
        expect(container(run, "meta", "meta").args).toEqual(["node", "dist/server/server.js"]);
        for (const npmVar of ["HOME", "NPM_CONFIG_CACHE", "NPM_CONFIG_UPDATE_NOTIFIER"]) expect(Object.keys(meta)).not.toContain(npmVar);
    });

    it("exposes through PostgREST exactly the default schemas and the stack's apps", () => {
        const apps = JSON.parse(cfg("apps")!) as string[];
        expect(apps.length).toBeGreaterThan(0);
        const rest = envOf(container(run, "rest", "postgrest"));
        expect(rest.PGRST_DB_SCHEMAS.value.split(",")).toEqual([...DEFAULT_EXPOSED_SCHEMAS, ...apps]);
        expect(rest.PGRST_DB_ANON_ROLE.value).toBe("anon");
        expect(rest.PGRST_APP_SETTINGS_JWT_EXP.value).toBe(cfg("jwtExpirySeconds"));
        // Both JWT settings read the one key the Secret holds.
        expect(rest.PGRST_JWT_SECRET.valueFrom.secretKeyRef).toEqual({ name: "rest-secrets", key: "PGRST_JWT_SECRET" });
        expect(rest.PGRST_APP_SETTINGS_JWT_SECRET.valueFrom.secretKeyRef).toEqual({ name: "rest-secrets", key: "PGRST_JWT_SECRET" });
        expect(secretData(run, "rest-secrets").PGRST_JWT_SECRET).toBe(run.outputs.jwtSecret.value);
    });

    it("points GoTrue at the gateway's external URL and the stack's auth settings", () => {
        const gotrue = envOf(container(run, "gotrue", "gotrue"));
        const external = `http://${cfg("kongLoadBalancerIp")}:8000`;
        expect(gotrue.API_EXTERNAL_URL.value).toBe(external);
        expect(run.outputs.apiUrl.value).toBe(external);
        expect(gotrue.GOTRUE_SITE_URL.value).toBe(cfg("siteUrl"));
        expect(gotrue.GOTRUE_JWT_EXP.value).toBe(cfg("jwtExpirySeconds"));
        expect(gotrue.GOTRUE_DISABLE_SIGNUP.value).toBe(cfg("disableSignup"));
        expect(gotrue.GOTRUE_MAILER_AUTOCONFIRM.value).toBe(cfg("enableEmailAutoconfirm"));
        expect(gotrue.GOTRUE_API_PORT.value).toBe(String(findManifest(run, "Service", "gotrue").spec.ports[0].port));
        expect(gotrue.GOTRUE_JWT_SECRET.valueFrom.secretKeyRef).toEqual({ name: "gotrue-secrets", key: "GOTRUE_JWT_SECRET" });
        // Exactly the providers the stack file configures are switched on, each with its secret.
        const configured = ["google", "github", "gitlab", "azure"].filter((p) => cfg(`oauth${p[0].toUpperCase()}${p.slice(1)}ClientId`));
        const oauthNames = new Set(["google", "github", "gitlab", "azure"]);
        const enabled = Object.keys(gotrue).map((k) => /^GOTRUE_EXTERNAL_([A-Z]+)_ENABLED$/.exec(k)?.[1]?.toLowerCase())
            .filter((p): p is string => !!p && oauthNames.has(p) && gotrue[`GOTRUE_EXTERNAL_${p.toUpperCase()}_ENABLED`].value === "true");
        expect(enabled.sort()).toEqual([...configured].sort());
        for (const provider of configured) {
            const upper = provider.toUpperCase();
            expect(gotrue[`GOTRUE_EXTERNAL_${upper}_REDIRECT_URI`].value).toBe(`${external}/auth/v1/callback`);
            expect(gotrue[`GOTRUE_EXTERNAL_${upper}_SECRET`].valueFrom.secretKeyRef).toEqual({ name: "gotrue-secrets", key: `GOTRUE_EXTERNAL_${upper}_SECRET` });
        }
        if (cfg("smtpHost")) {
            expect(gotrue.GOTRUE_SMTP_HOST.value).toBe(cfg("smtpHost"));
            expect(gotrue.GOTRUE_SMTP_PASS.valueFrom.secretKeyRef).toEqual({ name: "gotrue-secrets", key: "GOTRUE_SMTP_PASS" });
        } else {
            expect(Object.keys(gotrue).filter((k) => k.startsWith("GOTRUE_SMTP_"))).toEqual([]);
        }
    });

    it("probes every container twice, differently, and bounds its resources", () => {
        for (const service of SERVICES) {
            for (const c of podSpec(run, service).containers) {
                const where = `${service}/${c.name}`;
                expect(c.readinessProbe, where).toBeDefined();
                expect(c.livenessProbe, where).toBeDefined();
                expect(c.livenessProbe, where).not.toEqual(c.readinessProbe);
                expect(c.resources.requests.cpu, where).toBeDefined();
                expect(c.resources.requests.memory, where).toBeDefined();
                expect(c.resources.limits.memory, where).toBeDefined();
            }
        }
        expect(container(run, "gotrue", "gotrue").readinessProbe.httpGet).toEqual({ path: "/health", port: "http" });
        expect(container(run, "storage", "storage").readinessProbe.httpGet).toEqual({ path: "/status", port: "http" });
        const rest = container(run, "rest", "postgrest");
        const adminPort = rest.ports.find((p: any) => p.name === "admin").containerPort;
        expect(envOf(rest).PGRST_ADMIN_SERVER_PORT.value).toBe(String(adminPort));
        expect([rest.readinessProbe.httpGet.path, rest.livenessProbe.httpGet.path]).toEqual(["/ready", "/live"]);
    });

    it("runs every container non-root under the restricted profile with the image's UID", () => {
        for (const service of SERVICES) {
            const spec = podSpec(run, service);
            expect(spec.securityContext.runAsNonRoot).toBe(true);
            expect(spec.automountServiceAccountToken).toBe(false);
            for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                const sc = c.securityContext;
                expect(sc, `${service}/${c.name}`).toMatchObject({
                    runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
                });
                if (c.name !== "wait-for-db") expect(sc.runAsUser, `${service}/${c.name}`).toBe(EXPECTED_UID[c.name]);
                expect(sc.runAsUser).toBeGreaterThan(0);
            }
        }
    });

    it("uses the configured images and replica counts", () => {
        const imageOf: Record<string, string> = { gotrue: "gotrue", postgrest: "rest", storage: "storage", imgproxy: "imgproxy", meta: "meta" };
        for (const service of SERVICES) {
            const dep = deployment(run, service);
            expect(dep.spec.replicas).toBe(Number(cfg(`${service}Replicas`)));
            for (const c of dep.spec.template.spec.containers) {
                const name = imageOf[c.name] as keyof typeof RELEASES.seed.images;
                expect(c.image).toBe(cfg(`${name}Image`) || RELEASES.seed.images[name]);
            }
            expect(dep.spec.template.spec.initContainers.map((c: any) => c.image)).toEqual([cfg("postgresImage") || RELEASES.seed.images.postgres]);
        }
    });

    it("waits for the database: dependsOn the postgres StatefulSet and a pg_isready init container", () => {
        const statefulSet = run.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "postgres")!;
        for (const service of SERVICES) {
            const record = run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === service)!;
            expect(record.dependencies).toContain(statefulSet.urn);
            // No input of the Deployment reads the StatefulSet, so the edge is the dependsOn.
            expect(JSON.stringify(record.inputs)).not.toContain(statefulSet.urn);
            const init = podSpec(run, service).initContainers[0];
            expect(init.command.join(" ")).toContain(`pg_isready -h ${run.outputs.databaseHost.value} -p 5432`);
        }
    });

    it("keeps storage files on a Longhorn claim that imgproxy reads in the same pod (file backend) or in S3", () => {
        if (cfg("storageBackend") === "s3") {
            expect(manifests(run).filter((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "storage-data")).toEqual([]);
            const env = envOf(container(run, "storage", "storage"));
            expect(env.STORAGE_BACKEND.value).toBe("s3");
            expect(env.GLOBAL_S3_BUCKET.value).toBe(cfg("s3Bucket"));
            expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: "storage-secrets", key: "AWS_SECRET_ACCESS_KEY" });
            expect(deployment(run, "storage").spec.replicas).toBe(Number(cfg("storageReplicas") ?? 1));
            return;
        }
        const claim = findManifest(run, "PersistentVolumeClaim", "storage-data");
        expect(claim.spec.storageClassName).toBe(cfg("storageClassName"));
        expect(claim.spec.resources.requests.storage).toBe(cfg("storageVolumeSize"));
        expect(claim.spec.accessModes).toEqual(["ReadWriteOnce"]);
        expect(validateManifest(claim)).toBe("upstream");

        const dep = deployment(run, "storage");
        expect(dep.spec.strategy).toEqual({ type: "Recreate" });
        const volume = dep.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim);
        expect(volume.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
        const mountOf = (c: any) => c.volumeMounts.find((m: any) => m.name === volume.name);
        const storage = container(run, "storage", "storage");
        const imgproxy = container(run, "storage", "imgproxy");
        expect(mountOf(imgproxy).mountPath).toBe(mountOf(storage).mountPath);
        expect(mountOf(imgproxy).readOnly).toBe(true);
        expect(mountOf(storage).readOnly).toBe(false);
        // imgproxy (another UID) reads what storage writes through the pod's fsGroup.
        expect(dep.spec.template.spec.securityContext.fsGroup).toBe(storage.securityContext.runAsGroup);

        const env = envOf(storage);
        expect(env.STORAGE_BACKEND.value).toBe("file");
        expect(env.FILE_STORAGE_BACKEND_PATH.value).toBe(mountOf(storage).mountPath);
        expect(env.FILE_SIZE_LIMIT.value).toBe(cfg("storageFileSizeLimit"));
        expect(env.ENABLE_IMAGE_TRANSFORMATION.value).toBe("true");
        // v0.43.11 reads neither (components/services/storage/contracts/v0.43.11.ts): the first is dead, the second only
        // matters to the multi-tenant admin listener.
        expect(Object.keys(env)).not.toContain("POSTGREST_URL");
        expect(Object.keys(env)).not.toContain("ADMIN_PORT");
        for (const key of ["ANON_KEY", "SERVICE_KEY", "PGRST_JWT_SECRET", "DATABASE_URL"]) {
            expect(env[key].valueFrom.secretKeyRef).toEqual({ name: "storage-secrets", key });
        }
        expect(Object.keys(env)).not.toContain("AWS_ACCESS_KEY_ID");
        // Storage calls imgproxy over loopback, on the port imgproxy binds.
        const imgproxyUrl = new URL(env.IMGPROXY_URL.value);
        expect(imgproxyUrl.hostname).toBe("127.0.0.1");
        expect(literal(imgproxy, "IMGPROXY_BIND")).toBe(`127.0.0.1:${imgproxyUrl.port}`);
        expect(literal(imgproxy, "IMGPROXY_LOCAL_FILESYSTEM_ROOT")).toBe("/");
        expect(literal(imgproxy, "IMGPROXY_USE_ETAG")).toBe("true");
        // No Service points at imgproxy: only storage may talk to it.
        expect(manifests(run).filter((m) => m.kind === "Service").flatMap((m) => m.spec.ports.map((p: any) => p.port))).not.toContain(Number(imgproxyUrl.port));
    });

    it("gives writable scratch space where a read-only root would break the image", () => {
        for (const [service, name] of [["storage", "storage"], ["storage", "imgproxy"], ["meta", "meta"]] as const) {
            const spec = podSpec(run, service);
            const tmp = container(run, service, name).volumeMounts.find((m: any) => m.mountPath === "/tmp");
            expect(spec.volumes.find((v: any) => v.name === tmp.name).emptyDir.sizeLimit).toBeDefined();
        }
    });
});

describe("service config overrides (dev)", () => {
    let base: ProgramRun;
    beforeAll(async () => {
        base = await runStack("dev");
    });

    it("exposes an app added to config with no other edit", async () => {
        const apps = [...(JSON.parse(stackConfig("dev")["supabase-platform:apps"]) as string[]), "reading_list"];
        const run = await runStack("dev", { overrides: { apps } });
        const schemas = envOf(container(run, "rest", "postgrest")).PGRST_DB_SCHEMAS.value.split(",");
        expect(schemas).toEqual(exposedSchemas(apps.map((name) => ({ name }))));
        expect(schemas).toContain("reading_list");
        expect(schemas.filter((s: string) => s === "reading_list")).toHaveLength(1);
        expect(schemas.slice(0, DEFAULT_EXPOSED_SCHEMAS.length)).toEqual([...DEFAULT_EXPOSED_SCHEMAS]);
        const baseSchemas = envOf(container(base, "rest", "postgrest")).PGRST_DB_SCHEMAS.value.split(",");
        expect(schemas.filter((s: string) => !baseSchemas.includes(s))).toEqual(["reading_list"]);
    });

    it("enables OAuth providers and SMTP with their secrets in the gotrue Secret only", async () => {
        const secrets = { oauthGithubSecret: "github-oauth-secret-value", oauthAzureSecret: "azure-oauth-secret-value", smtpPass: "smtp-password-value" };
        const run = await runStack("dev", {
            overrides: {
                ...secrets,
                oauthGithubClientId: "github-client-id",
                oauthAzureClientId: "azure-client-id",
                smtpHost: "smtp.example.internal",
                smtpPort: 2525,
                smtpUser: "mailer",
                smtpAdminEmail: "auth@example.internal",
            },
            secretKeys: Object.keys(secrets),
        });
        const env = envOf(container(run, "gotrue", "gotrue"));
        const data = secretData(run, "gotrue-secrets");
        const external = env.API_EXTERNAL_URL.value;
        for (const [provider, id, secret] of [["GITHUB", "github-client-id", secrets.oauthGithubSecret], ["AZURE", "azure-client-id", secrets.oauthAzureSecret]]) {
            expect(env[`GOTRUE_EXTERNAL_${provider}_ENABLED`].value).toBe("true");
            expect(env[`GOTRUE_EXTERNAL_${provider}_CLIENT_ID`].value).toBe(id);
            expect(env[`GOTRUE_EXTERNAL_${provider}_REDIRECT_URI`].value).toBe(`${external}/auth/v1/callback`);
            const ref = env[`GOTRUE_EXTERNAL_${provider}_SECRET`].valueFrom.secretKeyRef;
            expect(ref.name).toBe("gotrue-secrets");
            expect(data[ref.key]).toBe(secret);
        }
        expect(env.GOTRUE_EXTERNAL_GOOGLE_ENABLED).toBeUndefined();
        expect(env.GOTRUE_EXTERNAL_GITLAB_ENABLED).toBeUndefined();

        expect(env.GOTRUE_SMTP_HOST.value).toBe("smtp.example.internal");
        expect(env.GOTRUE_SMTP_PORT.value).toBe("2525");
        expect(env.GOTRUE_SMTP_USER.value).toBe("mailer");
        expect(env.GOTRUE_SMTP_ADMIN_EMAIL.value).toBe("auth@example.internal");
        expect(data[env.GOTRUE_SMTP_PASS.valueFrom.secretKeyRef.key]).toBe(secrets.smtpPass);

        const literals = JSON.stringify(manifests(run).filter((m) => m.kind !== "Secret"));
        for (const value of Object.values(secrets)) expect(literals).not.toContain(value);
        for (const other of ["rest-secrets", "storage-secrets", "meta-secrets", "studio-secrets"]) {
            expect(Object.values(secretData(run, other))).not.toEqual(expect.arrayContaining([secrets.oauthGithubSecret]));
        }
        // New Secret contents roll GoTrue and nothing else among the services.
        const checksum = (r: ProgramRun, s: Service) => deployment(r, s).spec.template.metadata.annotations["checksum/config"];
        expect(checksum(run, "gotrue")).not.toBe(checksum(base, "gotrue"));
        for (const s of ["rest", "storage", "meta"] as const) expect(checksum(run, s)).toBe(checksum(base, s));
    });

    it("switches storage to S3: no claim, S3 env, keys via secretKeyRef, rolling updates", async () => {
        const keys = { s3AccessKeyId: "s3-access-key-id-value", s3SecretAccessKey: "s3-secret-access-key-value" };
        const run = await runStack("dev", {
            overrides: { ...keys, storageBackend: "s3", s3Bucket: "supabase-objects", s3Endpoint: "http://minio.minio.svc:9000", s3Region: "eu-central-1", storageReplicas: 2 },
            secretKeys: Object.keys(keys),
        });
        // Storage's own claim is gone (the backup dump volume is another workload's).
        expect(manifests(run).filter((m) => m.kind === "PersistentVolumeClaim" && m.metadata.labels?.["app.kubernetes.io/name"] === "storage")).toEqual([]);
        const dep = deployment(run, "storage");
        expect(dep.spec.replicas).toBe(2);
        expect(dep.spec.strategy.type).toBe("RollingUpdate");
        expect(dep.spec.template.spec.volumes.filter((v: any) => v.persistentVolumeClaim)).toEqual([]);
        const env = envOf(container(run, "storage", "storage"));
        expect(env.STORAGE_BACKEND.value).toBe("s3");
        expect(env.GLOBAL_S3_BUCKET.value).toBe("supabase-objects");
        expect(env.GLOBAL_S3_ENDPOINT.value).toBe("http://minio.minio.svc:9000");
        expect(env.GLOBAL_S3_PROTOCOL.value).toBe("http");
        expect(env.GLOBAL_S3_FORCE_PATH_STYLE.value).toBe("true");
        expect(env.REGION.value).toBe("eu-central-1");
        expect(env.FILE_STORAGE_BACKEND_PATH).toBeUndefined();
        const data = secretData(run, "storage-secrets");
        expect(env.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef).toEqual({ name: "storage-secrets", key: "AWS_ACCESS_KEY_ID" });
        expect(env.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef).toEqual({ name: "storage-secrets", key: "AWS_SECRET_ACCESS_KEY" });
        expect(data.AWS_ACCESS_KEY_ID).toBe(keys.s3AccessKeyId);
        expect(data.AWS_SECRET_ACCESS_KEY).toBe(keys.s3SecretAccessKey);
        const literals = JSON.stringify(manifests(run).filter((m) => m.kind !== "Secret"));
        for (const value of Object.values(keys)) expect(literals).not.toContain(value);
        for (const m of manifests(run).filter((x) => x.metadata.labels?.["app.kubernetes.io/name"] === "storage" && x.kind !== "Secret")) {
            expect(validateManifest(m)).toBe("upstream");
        }
    });

    it("rolls every service when rotation changes its Secret", async () => {
        const rotated = await runStack("dev", { overrides: { rotation: 1 } });
        for (const service of SERVICES) {
            const sum = (r: ProgramRun) => deployment(r, service).spec.template.metadata.annotations["checksum/config"];
            expect(sum(base)).toMatch(/^[0-9a-f]{64}$/);
            expect(sum(rotated)).not.toBe(sum(base));
        }
    });
});

describe("service components", () => {
    let platform: SupabasePlatform;
    let run: ProgramRun;
    beforeAll(async () => {
        vi.resetModules();
        run = await runProgram({
            stack: "prod",
            load: async () => {
                const { loadPlatformConfig } = await import("../components/program-rules");
                const { SupabasePlatform } = await import("../components/platform");
                platform = new SupabasePlatform("supabase", { config: loadPlatformConfig() });
                return {};
            },
        });
    });

    it("exposes the Deployment as ready and the Service's in-cluster URL", () => {
        for (const service of SERVICES) {
            const component = platform[service];
            expect(component.ready).toBe(component.workload.deployment);
            const svc = findManifest(run, "Service", service);
            expect(component.url).toBe(`http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${svc.spec.ports[0].port}`);
        }
    });

    it("budgets meta as many connections as requests in flight, in the program and the pack alike", () => {
        // postgres-meta builds a pool of max 1 per request (issue 20 item 5): 8 concurrent
        // POST /query calls hold 8 connections, so 1 per pod undercounts.
        expect(META_DB_CONNECTIONS).toBeGreaterThanOrEqual(8);
        expect(DATABASE_POOLS["supabase/postgres-meta"].default).toBe(META_DB_CONNECTIONS);
    });

    it("budgets database connections from the pool sizes the pods are given", () => {
        const replicas = (s: Service) => deployment(run, s).spec.replicas as number;
        const pool = (s: Service, c: string, key: string) => Number(literal(container(run, s, c), key));
        // PostgREST keeps one LISTEN connection beside its pool; storage one migration client.
        expect(platform.gotrue.databaseConnections).toBe(replicas("gotrue") * pool("gotrue", "gotrue", "GOTRUE_DB_MAX_POOL_SIZE"));
        expect(platform.rest.databaseConnections).toBe(replicas("rest") * (pool("rest", "postgrest", "PGRST_DB_POOL") + 1));
        expect(platform.storage.databaseConnections).toBe(replicas("storage") * (pool("storage", "storage", "DATABASE_MAX_CONNECTIONS") + 1));
        // meta opens a pool per request: its budget is the requests in flight reserved per pod, not 1.
        expect(platform.meta.databaseConnections).toBe(replicas("meta") * META_DB_CONNECTIONS);
        expect(META_DB_CONNECTIONS).toBeGreaterThanOrEqual(8);
        expect(replicas("gotrue")).toBeGreaterThan(1);
        const total = SERVICES.reduce((sum, s) => sum + platform[s].databaseConnections, 0);
        expect(total).toBeLessThan(Number(stackConfig("prod")["supabase-platform:postgresMaxConnections"]));
    });
});
