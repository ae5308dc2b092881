// The pooler's pure parts: the pgbouncer.ini it renders per process, the app connection strings,
// and the validator that names every bad combination. The real PgBouncer runs these files in
// tests/services/pooler.test.ts.
import { describe, expect, it } from "vitest";
import { contractFor } from "../components/services/contracts";
import { appConnectionTemplates, preparedStatementsNote, withPassword } from "../components/services/pooler/connection";
import { PGBOUNCER_VERSION as PGBOUNCER_V1_23_1, POOLER_V1_23_1_P3_CONTRACT } from "../components/services/pooler/contracts/v1.23.1-p3";
import { PGBOUNCER_VERSION as PGBOUNCER_V1_25_2, POOLER_V1_25_2_P0_CONTRACT } from "../components/services/pooler/contracts/v1.25.2-p0";
import { PGBOUNCER_IN_IMAGE, pgbouncerVersionOf, poolerAuthQuery, poolerBudgetClient, PoolMode, PoolSizes } from "../components/services/pooler/facts";
import { renderAuthFile, renderPgbouncerIni, renderPoolerConfig, versionAtLeast } from "../components/services/pooler/ini";
import { PoolerSettings, poolerProblems } from "../components/services/pooler/validate";
import { RELEASE_NAMES, RELEASES } from "../releases";

/** The config's defaults (config/schema.ts poolerTransaction…/poolerSession… keys). */
const POOLER_DEFAULTS: Record<PoolMode, PoolSizes> = {
    transaction: { defaultPoolSize: 10, maxDbConnections: 10, maxClientConn: 200 },
    session: { defaultPoolSize: 5, maxDbConnections: 5, maxClientConn: 50 },
};

const base = { databaseHost: "supabase-db", databasePort: 5432, pgbouncerVersion: "1.25.2", allowedRoles: ["money_tracker_login"] };
const settings = (ini: string) => Object.fromEntries(ini.split("\n").filter((l) => / = /.test(l) && !l.startsWith(";")).map((l) => [l.slice(0, l.indexOf(" = ")), l.slice(l.indexOf(" = ") + 3)]));

describe("pgbouncer.ini", () => {
    const files = renderPoolerConfig(base, POOLER_DEFAULTS);

    it("serves the database postgres in transaction mode on 6543 and session mode on 5432, one process each", () => {
        const tx = settings(files["transaction.ini"]);
        const session = settings(files["session.ini"]);
        expect([tx.listen_port, tx.pool_mode, session.listen_port, session.pool_mode]).toEqual(["6543", "transaction", "5432", "session"]);
        expect(tx.postgres).toBe("host=supabase-db port=5432 dbname=postgres auth_user=pgbouncer pool_mode=transaction max_db_connections=10");
    });

    it("looks passwords up through the image's function, narrowed to the app login roles, with one password (the auth user's) in userlist.txt", () => {
        const tx = settings(files["transaction.ini"]);
        expect([tx.auth_type, tx.auth_user, tx.auth_file]).toEqual(["scram-sha-256", "pgbouncer", "/etc/pgbouncer/userlist.txt"]);
        expect(tx.auth_query).toBe(poolerAuthQuery(["money_tracker_login"]));
        expect(tx.auth_query).toMatch(/^SELECT username, password FROM pgbouncer\.get_auth\(\$1\) WHERE username = ANY \('\{money_tracker_login\}'::text\[\]\) AND NOT EXISTS .*rolsuper OR r\.rolreplication OR r\.rolbypassrls/);
        expect(() => poolerAuthQuery(["x'; drop"])).toThrow(/cannot go into auth_query/);
        expect(renderAuthFile("s3cret")).toBe('"pgbouncer" "s3cret"\n');
        expect(() => renderAuthFile('a"b')).toThrow(/double quote/);
    });

    it("sets max_prepared_statements only for a PgBouncer that has it (1.21+)", () => {
        expect(settings(renderPgbouncerIni({ ...base, poolMode: "transaction", sizes: POOLER_DEFAULTS.transaction })).max_prepared_statements).toBe("200");
        expect(renderPgbouncerIni({ ...base, pgbouncerVersion: "1.18.0", poolMode: "transaction", sizes: POOLER_DEFAULTS.transaction })).not.toMatch(/max_prepared_statements/);
        expect([versionAtLeast("1.23.1", "1.21.0"), versionAtLeast("1.18.0", "1.21.0"), versionAtLeast("1.21", "1.21.0")]).toEqual([true, false, true]);
    });

    it("refuses a host that would break the ini line", () => {
        expect(() => renderPgbouncerIni({ ...base, databaseHost: "db host", poolMode: "session", sizes: POOLER_DEFAULTS.session })).toThrow(/databaseHost 'db host'/);
    });
});

describe("the images and their contracts", () => {
    it("pin upstream's override image for v0.8.2 and a 1.23 image for the seed, each PgBouncer version as its Dockerfile says", () => {
        expect([RELEASES["v0.8.2"].images.pooler, RELEASES.seed.images.pooler]).toEqual(["edoburu/pgbouncer:v1.25.2-p0", "edoburu/pgbouncer:v1.23.1-p3"]);
        for (const release of RELEASE_NAMES) {
            const image = RELEASES[release].images.pooler;
            const c = contractFor(image)!;
            expect(`${c.image}:${c.tag}`).toBe(image);
            expect(c.env.reads.every((r) => !r.required && r.source.repo === "edoburu/docker-pgbouncer" && r.source.tag === c.tag)).toBe(true);
        }
        // The facts' version table is what each contract read from its Dockerfile.
        expect(PGBOUNCER_IN_IMAGE).toEqual({ [POOLER_V1_25_2_P0_CONTRACT.tag]: PGBOUNCER_V1_25_2.version, [POOLER_V1_23_1_P3_CONTRACT.tag]: PGBOUNCER_V1_23_1.version });
        expect([pgbouncerVersionOf("edoburu/pgbouncer:v1.24.1-p1"), pgbouncerVersionOf("registry.local/edoburu/pgbouncer:v1.25.2-p0")]).toEqual(["1.24.1", "1.25.2"]);
        expect(() => pgbouncerVersionOf("edoburu/pgbouncer:latest")).toThrow(/cannot tell the PgBouncer version/);
        // LOGFILE and DATABASE_URLS arrived after 1.23.1-p3.
        expect(POOLER_V1_25_2_P0_CONTRACT.env.reads.map((r) => r.name)).toEqual(expect.arrayContaining(["LOGFILE", "DATABASE_URLS"]));
        expect(POOLER_V1_23_1_P3_CONTRACT.env.reads.map((r) => r.name)).not.toEqual(expect.arrayContaining(["LOGFILE"]));
    });
});

describe("app connection strings", () => {
    it("name the app's login role, the pooler host and both ports, the password left to fill in", () => {
        const t = appConnectionTemplates("money_tracker", "supabase-pooler.supabase.svc.cluster.local");
        expect(t.transaction).toBe("postgresql://money_tracker_login:[PASSWORD]@supabase-pooler.supabase.svc.cluster.local:6543/postgres?sslmode=disable");
        expect(t.session).toBe(t.transaction.replace(":6543/", ":5432/"));
        expect(withPassword(t.transaction, "a/b@c")).toContain("money_tracker_login:a%2Fb%40c@");
    });

    it("say what transaction mode asks of a driver, for the release's PgBouncer", () => {
        expect(preparedStatementsNote("1.25.2")).toMatch(/^PgBouncer 1\.25\.2 keeps protocol-level prepared statements working/);
        expect(preparedStatementsNote("1.18.0")).toMatch(/turn prepared statements off/);
        expect(preparedStatementsNote("1.25.2")).toMatch(/SET LOCAL/);
    });
});

describe("the validator", () => {
    const ok: PoolerSettings = { enabled: true, setting: "auto", databaseLayer: true, replicas: 1, sizes: POOLER_DEFAULTS, endpoint: "cluster", loadBalancerIp: "", sourceRanges: [] };
    const roomy = { othersTotal: 80, available: 187, maxConnections: 200 };

    it("accepts the defaults when the budget has room, and counts the pooler at rollout peak", () => {
        expect(poolerProblems(ok, roomy)).toEqual([]);
        expect(poolerBudgetClient(1, POOLER_DEFAULTS)).toEqual({ label: "pooler", perPod: 15, pods: 2 });
    });

    it("returns every problem at once, each with key, value and fix", () => {
        const problems = poolerProblems({
            ...ok, endpoint: "cluster", sourceRanges: ["10.0.0.0/24"], loadBalancerIp: "10.0.0.5",
            sizes: { ...POOLER_DEFAULTS, transaction: { defaultPoolSize: 20, maxDbConnections: 10, maxClientConn: 5 } },
        }, roomy);
        expect(problems.map((p) => [p.key, p.value])).toEqual([
            ["poolerSourceRanges", ["10.0.0.0/24"]],
            ["poolerLoadBalancerIp", "10.0.0.5"],
            ["poolerTransactionDefaultPoolSize", 20],
            ["poolerTransactionMaxClientConn", 5],
        ]);
        expect(problems.every((p) => p.fix.length > 20)).toBe(true);
    });

    it("wants an IP and source ranges on a LoadBalancer, and a database layer for an explicit pooler", () => {
        expect(poolerProblems({ ...ok, endpoint: "loadbalancer" }, roomy).map((p) => p.key)).toEqual(["poolerLoadBalancerIp", "poolerSourceRanges"]);
        expect(poolerProblems({ ...ok, endpoint: "loadbalancer", loadBalancerIp: "10.0.0.9", sourceRanges: ["10.1.0.0/16"] }, roomy)).toEqual([]);
        expect(poolerProblems({ ...ok, setting: "true", databaseLayer: false }, roomy).map((p) => [p.key, p.value])).toEqual([["pooler", "true"]]);
        expect(poolerProblems({ ...ok, enabled: false, endpoint: "loadbalancer" }, roomy).map((p) => p.key)).toEqual(["poolerEndpoint"]);
    });

    it("refuses a pool that breaks the connection budget, naming the max_connections that would fit", () => {
        // The v0.8.2 dev stack at max_connections 100 (the seed's default): 80 of 87 taken before the pooler.
        const [problem, ...rest] = poolerProblems(ok, { othersTotal: 80, available: 87, maxConnections: 100 });
        expect(rest).toEqual([]);
        expect(problem.key).toBe("poolerTransactionMaxDbConnections");
        expect(problem.fix).toMatch(/15 PostgreSQL connections per pod .* × 2 pods at rollout = 30, but the other services leave 7 of max_connections 100; raise postgresMaxConnections to at least 123, or lower .* to 3 in all/);
    });
});
