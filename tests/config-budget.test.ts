// The connection budget is checked twice from one function (components/connection-budget.ts):
// by config before anything is registered, and by the policy pack on the rendered workloads. The
// two must agree to the connection: config refuses exactly the max_connections the pack refuses.
import { afterEach, describe, expect, it, vi } from "vitest";
import { configuredBudget } from "../components/configured-budget";
import { evaluate, mandatory } from "../policies/evaluate";
import { connectionBudget } from "../policies/rules/connections";
import { budgetConnections, DEFAULT_ADMIN_MARGIN, DEFAULT_SUPERUSER_RESERVED, peakPodCount } from "../components/connection-budget";
import { configReader } from "../offline/stack-config";
import { RELEASE_NAMES } from "../releases";
import { releaseVariants, runExpectingFailure, runStack } from "./support/program";

/** The pack's verdict on a stack rendered with config's own budget check switched off. */
async function packRefuses(stack: string, maxConnections: number, overrides: Record<string, unknown> = {}): Promise<boolean> {
    vi.doMock("../components/configured-budget", async (importOriginal) => ({
        ...(await importOriginal<typeof import("../components/configured-budget")>()),
        // Room for everything, so the pooler's own rule (which reads the others' budget) is silent too.
        configuredBudget: () => ({ total: 0, available: Number.MAX_SAFE_INTEGER, fits: true, explanation: "" }),
    }));
    const run = await runStack(stack, { overrides: { ...overrides, postgresMaxConnections: maxConnections }, fresh: true });
    const result = await evaluate(run.resources, [connectionBudget]);
    return mandatory(result).length > 0;
}

afterEach(() => vi.doUnmock("../components/configured-budget"));

describe("the shared budget function", () => {
    it("sums pool × peak pods against max_connections − reserved − admin margin", () => {
        const budget = budgetConnections({
            maxConnections: 100, superuserReserved: 3, adminMargin: 10,
            clients: [{ label: "rest", perPod: 11, pods: 3 }, { label: "idle", perPod: 0, pods: 2 }],
        });
        expect(budget).toEqual({ total: 33, available: 87, fits: true, explanation: "33 connections (rest 11×3) but max_connections 100 − 3 reserved − 10 admin margin leaves 87" });
        expect(budgetConnections({ maxConnections: 40, superuserReserved: 3, adminMargin: 10, clients: [{ label: "x", perPod: 28, pods: 1 }] }).fits).toBe(false);
    });

    it("counts the rollout peak as Kubernetes runs it", () => {
        expect(peakPodCount({ kind: "Deployment", replicas: 2, maxSurge: 1 })).toBe(3);
        expect(peakPodCount({ kind: "Deployment", replicas: 4 })).toBe(5); // 25% surge, rounded up
        expect(peakPodCount({ kind: "Deployment", replicas: 2, strategy: "Recreate" })).toBe(2);
        expect(peakPodCount({ kind: "CronJob" })).toBe(2); // Allow: a late run overlaps the next
        expect(peakPodCount({ kind: "CronJob", concurrencyPolicy: "Forbid" })).toBe(1);
    });
});

// Realtime's and the pooler's shares (on from v0.8.2) are held to the pack on dev; prod adds nothing new for them.
describe.each(releaseVariants(["dev", "prod"], RELEASE_NAMES).filter((v) => v.label !== "prod@v0.8.2"))("config and the pack agree on stack $label (Realtime and the pooler on from v0.8.2)", ({ stack, overrides }) => {
    const values = () => {
        const read = configReader(stack, overrides);
        const int = (key: string) => Number(read(key));
        return {
            postgresMaxConnections: int("postgresMaxConnections"),
            storageBackend: read("storageBackend") as "file" | "s3",
            gotrueReplicas: int("gotrueReplicas"), restReplicas: int("restReplicas"),
            storageReplicas: int("storageReplicas"), metaReplicas: int("metaReplicas"),
            release: (read("release") || "seed") as "seed" | "v0.8.2",
            realtime: (read("realtime") || "auto") as "auto" | "true" | "false",
            realtimeReplicas: int("realtimeReplicas"),
            pitr: read("pitr") === "true",
            pooler: (read("pooler") || "auto") as "auto" | "true" | "false",
            dbAdminEndpoint: read("dbAdminEndpoint") || "tunnel",
            poolerReplicas: int("poolerReplicas"),
            poolerTransactionMaxDbConnections: int("poolerTransactionMaxDbConnections"),
            poolerSessionMaxDbConnections: int("poolerSessionMaxDbConnections"),
        };
    };

    it("config refuses one connection short of what the pack accepts, and the pack agrees", async () => {
        const { total } = configuredBudget(values());
        const least = total + DEFAULT_SUPERUSER_RESERVED + DEFAULT_ADMIN_MARGIN;
        expect(configuredBudget({ ...values(), postgresMaxConnections: least }).fits).toBe(true);
        expect(configuredBudget({ ...values(), postgresMaxConnections: least - 1 }).fits).toBe(false);
        expect(await packRefuses(stack, least, overrides)).toBe(false);
        expect(await packRefuses(stack, least - 1, overrides)).toBe(true);
    });

    it("refuses the short stack before registering anything, naming the fix", async () => {
        const { total } = configuredBudget(values());
        const short = Math.max(20, total);
        const { error, registered } = await runExpectingFailure(stack, { overrides: { ...overrides, postgresMaxConnections: short } });
        expect(error.name).toBe("ConfigError");
        expect(registered).toEqual([]);
        expect(error.message).toContain(`supabase-platform:postgresMaxConnections = ${short}: the services may open ${total} connections (gotrue `);
        expect(error.message).toContain(`raise postgresMaxConnections to at least ${total + DEFAULT_SUPERUSER_RESERVED + DEFAULT_ADMIN_MARGIN}`);
    });
});
