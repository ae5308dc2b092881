import { describe, expect, it } from "vitest";
import { connectionBudget, repositoryOf } from "../../policies/rules/connections";
import { brokenStack, deployment, Fixture, passingStack, stackNotApplicable, stackViolations, T } from "../support/policy";

const c0 = (p: any) => p.spec.template.spec.containers[0];
function rest(replicas: number, pool: string): Fixture {
    const props = deployment("rest", replicas, 3000);
    c0(props).image = "postgrest/postgrest:v12.0.2";
    c0(props).env.push({ name: "PGRST_DB_POOL", value: pool });
    return { type: T.deployment, name: "rest", props };
}
const withRest = (replicas: number, pool: string) => [...passingStack(), rest(replicas, pool)];

describe("repositoryOf", () => {
    it("strips registries and library/", () => {
        expect(repositoryOf("docker.io/library/kong:2.8.1")).toBe("kong");
        expect(repositoryOf("ghcr.io/supabase/gotrue:v2")).toBe("supabase/gotrue");
        expect(repositoryOf("postgrest/postgrest:v12.0.2")).toBe("postgrest/postgrest");
    });
});

/** A pooler Deployment whose PgBouncer reads its cap from the ConfigMap it mounts, as components/services/pooler renders it. */
function pooler(replicas: number, cap: number): Fixture[] {
    const props = deployment("pooler", replicas, 6543);
    c0(props).image = "edoburu/pgbouncer:v1.25.2-p0";
    c0(props).volumeMounts = [{ name: "config", mountPath: "/etc/pgbouncer/pgbouncer.ini", subPath: "transaction.ini", readOnly: true }];
    props.spec.template.spec.volumes = [{ name: "config", configMap: { name: "pooler-config" } }];
    const ini = [
        "[databases]",
        `postgres = host=postgres.supabase.svc port=5432 dbname=postgres auth_user=pgbouncer pool_mode=transaction max_db_connections=${cap}`,
        "",
        "[pgbouncer]",
        "listen_port = 6543",
        `max_db_connections = ${cap}`,
    ].join("\n");
    const map = { metadata: { name: "pooler-config", namespace: "supabase" }, data: { "transaction.ini": ini } };
    return [{ type: T.deployment, name: "pooler", props }, { type: T.configMap, name: "pooler-config", props: map }];
}
const withPooler = (replicas: number, cap: number) => [...passingStack(), ...pooler(replicas, cap)];

describe("connection-budget", () => {
    // PgBouncer's server connections are its ini's max_db_connections, × pods at rollout peak.
    it("counts a pooler by the max_db_connections of the ini it mounts: 40 × 2 = 80 ≤ 87", async () => {
        expect(await stackViolations(connectionBudget, withPooler(1, 40))).toEqual([]);
        expect(await stackViolations(connectionBudget, withPooler(1, 44))).toEqual([
            "StatefulSet supabase/postgres: clients may open 88 connections (Deployment supabase/pooler/pooler 44×2) but max_connections 100 − 3 reserved − 10 admin margin leaves 87",
        ]);
    });
    it("rejects a pooler whose ini sets no cap, or that mounts none", async () => {
        const uncapped = brokenStack(withPooler(1, 40), "pooler-config", (p) => (p.data["transaction.ini"] = p.data["transaction.ini"].replace(" max_db_connections=40", "").replace("\nmax_db_connections = 40", "")));
        expect(await stackViolations(connectionBudget, uncapped)).toEqual([
            "Deployment supabase/pooler: container pooler (edoburu/pgbouncer:v1.25.2-p0) has a database without max_db_connections (PgBouncer's default 0 means no limit); set it",
        ]);
        const unmounted = brokenStack(withPooler(1, 40), "pooler", (p) => (c0(p).volumeMounts = []));
        expect(await stackViolations(connectionBudget, unmounted)).toEqual([
            "Deployment supabase/pooler: container pooler (edoburu/pgbouncer:v1.25.2-p0) mounts no pgbouncer.ini from a ConfigMap at /etc/pgbouncer/pgbouncer.ini, so its server connections are unknown",
        ]);
    });

    // max 100 − 3 reserved − 10 margin = 87; PostgREST holds pool + 1 listener per pod, and a
    // RollingUpdate with maxSurge 1 runs replicas + 1 pods.
    it("passes pools that fit: (40 + 1) × 2 = 82 ≤ 87", async () => {
        expect(await stackViolations(connectionBudget, withRest(1, "40"))).toEqual([]);
    });
    it("rejects pools that do not: (40 + 1) × 3 = 123 > 87", async () => {
        expect(await stackViolations(connectionBudget, withRest(2, "40"))).toEqual([
            "StatefulSet supabase/postgres: clients may open 123 connections (Deployment supabase/rest/rest 41×3) but max_connections 100 − 3 reserved − 10 admin margin leaves 87",
        ]);
    });
    it("reads max_connections from the server args", async () => {
        expect(await stackViolations(connectionBudget, brokenStack(withRest(2, "40"), "postgres", (p) => (c0(p).args[4] = "max_connections=200")))).toEqual([]);
    });
    it("uses the image default when the env var is unset", async () => {
        const stack = brokenStack(withRest(2, "40"), "rest", (p) => (c0(p).env = c0(p).env.filter((e: any) => e.name !== "PGRST_DB_POOL")));
        expect(await stackViolations(connectionBudget, stack)).toEqual([]); // (10 + 1) × 3 = 33
    });
    it("rejects an unbounded GoTrue pool", async () => {
        const gotrue = deployment("gotrue", 1, 9999);
        c0(gotrue).image = "supabase/gotrue:v2.132.3";
        expect(await stackViolations(connectionBudget, [...passingStack(), { type: T.deployment, name: "gotrue", props: gotrue }])).toEqual([
            "Deployment supabase/gotrue: container gotrue has an unbounded pool; set GOTRUE_DB_MAX_POOL_SIZE (0 or unset means no limit)",
        ]);
    });
    it("rejects a database client whose pool it cannot know", async () => {
        const stack = brokenStack(passingStack(), "api", (p) => c0(p).env.push({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }));
        expect(await stackViolations(connectionBudget, stack)).toEqual([
            "Deployment supabase/api: container api (example/api:1.2.3) connects to a database (DATABASE_URL) but its pool size is unknown; add its image to DATABASE_POOLS",
        ]);
    });
    it("counts a CronJob that may overlap twice", async () => {
        const template = deployment("dump").spec.template;
        c0({ spec: { template } }).image = "supabase/postgres:15.1.1.78";
        const cron = { metadata: { name: "dump", namespace: "supabase" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template } } } };
        const messages = await stackViolations(connectionBudget, [...withRest(1, "42"), { type: T.cronJob, name: "dump", props: cron }], { adminMargin: 0 });
        expect(messages).toEqual([]); // 43 × 2 + 1 × 2 = 88 ≤ 97
        const tight = await stackViolations(connectionBudget, [...withRest(1, "42"), { type: T.cronJob, name: "dump", props: cron }]);
        expect(tight[0]).toMatch(/clients may open 88 connections .* CronJob supabase\/dump\/dump 1×2/);
    });
    it("counts an init container that holds a session while the main containers hold none", async () => {
        // pg_dump as the init container of an S3 backup, the uploader as the only main container.
        const template = deployment("dump").spec.template;
        const dump = { ...c0({ spec: { template } }), name: "pg-dump", image: "supabase/postgres:15.1.1.78" };
        template.spec.initContainers = [dump];
        c0({ spec: { template } }).image = "amazon/aws-cli:2.15.0";
        const cron = { metadata: { name: "dump", namespace: "supabase" }, spec: { schedule: "0 3 * * *", concurrencyPolicy: "Forbid", jobTemplate: { spec: { template } } } };
        const stack = [...withRest(1, "42"), { type: T.cronJob, name: "dump", props: cron }];
        expect(await stackViolations(connectionBudget, stack)).toEqual([]); // 43 × 2 + 1 × 1 = 87 ≤ 87
        const tight = await stackViolations(connectionBudget, stack, { adminMargin: 11 });
        expect(tight[0]).toMatch(/clients may open 87 connections .*CronJob supabase\/dump\/pg-dump 1×1\) but .* leaves 86$/);
    });
    it("does not apply without a database", async () => {
        expect(await stackNotApplicable(connectionBudget, passingStack().filter((f) => f.name !== "postgres"))).toBe(true);
    });
});
