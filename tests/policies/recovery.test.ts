import { describe, expect, it } from "vitest";
import { pitrInProduction } from "../../policies/rules/recovery";
import { PITR_SCRIPTS } from "../../components/services/postgres/pitr";
import { brokenStack, Fixture, passingStack, stackNotApplicable, stackViolations, T } from "../support/policy";

const server = (p: any) => p.spec.template.spec.containers[0];

/** The passing stack, marked production, archiving with wal-g, with a base-backup CronJob keeping 7 days. */
function productionWithPitr(): Fixture[] {
    const stack = brokenStack(passingStack(), "postgres", (p) => {
        server(p).args.push("-c", "archive_mode=on", "-c", 'archive_command=/usr/local/bin/wal-g wal-push "%p"', "-c", "archive_timeout=300");
    });
    const retention = {
        name: "retention",
        image: "registry.k8s.io/kubectl:v1.30.0",
        args: ["exec", "postgres-0", "--", "gosu", "postgres", "env", "PITR_RETAIN_FULL=2", `PITR_WINDOW_SECONDS=${7 * 86400}`, "sh", "-c", PITR_SCRIPTS.retention],
    };
    return [
        ...stack,
        { type: T.namespace, name: "ns", props: { metadata: { name: "supabase", labels: { "platform.supabase.io/environment": "production" } } } },
        {
            type: T.cronJob, name: "pitr",
            props: {
                metadata: { name: "postgres-pitr-base-backup", namespace: "supabase" },
                spec: { schedule: "0 1 * * *", jobTemplate: { spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "postgres-pitr-base-backup" } }, spec: { containers: [retention] } } } } },
            },
        },
    ];
}

describe("pitr-in-production", () => {
    it("passes a production stack that archives with wal-g and keeps 7 days", async () => {
        expect(await stackViolations(pitrInProduction, productionWithPitr())).toEqual([]);
    });
    it("rejects production without archiving", async () => {
        const stack = brokenStack(productionWithPitr(), "postgres", (p) => (server(p).args = server(p).args.filter((a: string) => !a.startsWith("archive_"))));
        expect(await stackViolations(pitrInProduction, stack)).toEqual([
            "StatefulSet supabase/postgres: production without point-in-time recovery (archive_mode is unset, i.e. off); set pitr: true (docs/runbooks/pitr-restore.md)",
        ]);
    });
    it("rejects an archive_command that is not wal-g's", async () => {
        const stack = brokenStack(productionWithPitr(), "postgres", (p) => {
            const args: string[] = server(p).args;
            args[args.findIndex((a) => a.startsWith("archive_command="))] = "archive_command=/bin/true";
        });
        expect(await stackViolations(pitrInProduction, stack)).toEqual([
            'StatefulSet supabase/postgres: archive_command "/bin/true" does not archive with wal-g wal-push; the restore path reads a wal-g archive',
        ]);
    });
    it("rejects archiving without a base-backup CronJob", async () => {
        const stack = productionWithPitr().filter((f) => f.name !== "pitr");
        expect(await stackViolations(pitrInProduction, stack)).toEqual([
            "StatefulSet supabase/postgres: WAL is archived but no base-backup CronJob (with PITR_WINDOW_SECONDS) runs; without a base backup the archive restores nothing",
        ]);
    });
    it("rejects a window shorter than 7 days, and takes another minimum from config", async () => {
        const stack = brokenStack(productionWithPitr(), "pitr", (p) => {
            const args: string[] = p.spec.jobTemplate.spec.template.spec.containers[0].args;
            args[args.findIndex((a) => a.startsWith("PITR_WINDOW_SECONDS="))] = `PITR_WINDOW_SECONDS=${3 * 86400}`;
        });
        expect(await stackViolations(pitrInProduction, stack)).toEqual([
            "CronJob supabase/postgres-pitr-base-backup: the recovery window is 3 days, production needs at least 7; raise pitrWindowDays",
        ]);
        expect(await stackViolations(pitrInProduction, stack, { minWindowDays: 3 })).toEqual([]);
    });
    it("does not apply to a stack not marked production", async () => {
        const stack = brokenStack(productionWithPitr(), "ns", (p) => delete p.metadata.labels);
        expect(await stackNotApplicable(pitrInProduction, stack)).toBe(true);
    });
});
