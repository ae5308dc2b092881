// The pooler's pure parts: the pgbouncer.ini it renders per process, the app connection strings,
// and the validator that names every bad combination. The real PgBouncer runs these files in
// tests/services/pooler.test.ts.
import { describe, expect, it } from "vitest";
import { CONTRACTS } from "../components/contracts";
import { appConnectionTemplates, preparedStatementsNote, withPassword } from "../components/services/pooler/connection";
import { POOLER_V1_23_1_P3_CONTRACT } from "../components/services/pooler/contracts/v1.23.1-p3";
import { POOLER_V1_25_2_P0_CONTRACT } from "../components/services/pooler/contracts/v1.25.2-p0";
import { POOLER_DEFAULTS, POOLER_IMAGES, poolerBudgetClient } from "../components/services/pooler/facts";
import { renderAuthFile, renderPgbouncerIni, renderPoolerConfig, versionAtLeast } from "../components/services/pooler/ini";
import { PoolerSettings, poolerProblems } from "../components/services/pooler/validate";

const base = { databaseHost: "supabase-db", databasePort: 5432, pgbouncerVersion: "1.25.2" };
const settings = (ini: string) => Object.fromEntries(ini.split("\n").filter((l) => / = /.test(l) && !l.startsWith(";")).map((l) => l.split(" = ", 2) as [string, string]));

describe("pgbouncer.ini", () => {
    const files = renderPoolerConfig(base, POOLER_DEFAULTS);

    it("serves the database postgres in transaction mode on 6543 and session mode on 5432, one process each", () => {
        const tx = settings(files["transaction.ini"]);
        const session = settings(files["session.ini"]);
        expect([tx.listen_port, tx.pool_mode, session.listen_port, session.pool_mode]).toEqual(["6543", "transaction", "5432", "session"]);
        expect(tx.postgres).toBe("host=supabase-db port=5432 dbname=postgres auth_user=pgbouncer pool_mode=transaction max_db_connections=10");
    });

    it("looks passwords up through the image's function, with one password (the auth user's) in userlist.txt", () => {
        const tx = settings(files["transaction.ini"]);
        expect([tx.auth_type, tx.auth_user, tx.auth_query, tx.auth_file]).toEqual(["scram-sha-256", "pgbouncer", "SELECT * FROM pgbouncer.get_auth($1)", "/etc/pgbouncer/userlist.txt"]);
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
    it("pin upstream's override image for v0.8.2 and a 1.23 image for the seed, each PgBouncer version read from its Dockerfile", () => {
        expect(POOLER_IMAGES["v0.8.2"]).toMatchObject({ image: "edoburu/pgbouncer:v1.25.2-p0", pgbouncer: "1.25.2" });
        expect(POOLER_IMAGES.seed).toMatchObject({ image: "edoburu/pgbouncer:v1.23.1-p3", pgbouncer: "1.23.1" });
        for (const c of [POOLER_V1_25_2_P0_CONTRACT, POOLER_V1_23_1_P3_CONTRACT]) {
            expect(POOLER_IMAGES[c.tag === "v1.25.2-p0" ? "v0.8.2" : "seed"].image).toBe(`${c.image}:${c.tag}`);
            expect(c.env.reads.every((r) => !r.required && r.source.repo === "edoburu/docker-pgbouncer" && r.source.tag === c.tag)).toBe(true);
        }
        // LOGFILE and DATABASE_URLS arrived after 1.23.1-p3.
        expect(POOLER_V1_25_2_P0_CONTRACT.env.reads.map((r) => r.name)).toEqual(expect.arrayContaining(["LOGFILE", "DATABASE_URLS"]));
        expect(POOLER_V1_23_1_P3_CONTRACT.env.reads.map((r) => r.name)).not.toEqual(expect.arrayContaining(["LOGFILE"]));
        // Not yet in the program's contract index: the lead registers them when the pooler is rendered.
        expect(Object.keys(CONTRACTS).some((k) => k.startsWith("edoburu/pgbouncer"))).toBe(false);
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
    const ok: PoolerSettings = { enabled: true, replicas: 1, sizes: POOLER_DEFAULTS, endpoint: "cluster", sourceRanges: [] };
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

    it("wants source ranges, as CIDRs, on a LoadBalancer", () => {
        expect(poolerProblems({ ...ok, endpoint: "loadbalancer" }, roomy).map((p) => p.key)).toEqual(["poolerSourceRanges"]);
        expect(poolerProblems({ ...ok, endpoint: "loadbalancer", sourceRanges: ["10.1.0.0/16", "10.1.0.300/16"] }, roomy))
            .toEqual([{ key: "poolerSourceRanges", value: "10.1.0.300/16", fix: expect.stringMatching(/not a CIDR/) }]);
    });

    it("refuses a pool that breaks the connection budget, naming the max_connections that would fit", () => {
        // The v0.8.2 dev stack today: 80 of 87 connections taken before the pooler (config/budget.ts).
        const [problem, ...rest] = poolerProblems(ok, { othersTotal: 80, available: 87, maxConnections: 100 });
        expect(rest).toEqual([]);
        expect(problem.key).toBe("poolerTransactionMaxDbConnections");
        expect(problem.fix).toMatch(/15 PostgreSQL connections per pod .* × 2 pods at rollout = 30, but the other services leave 7 of max_connections 100; raise postgresMaxConnections to at least 123, or lower .* to 3 in all/);
    });
});
