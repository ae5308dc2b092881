// Point-in-time recovery in production. Without it, a bad migration or a deleted table loses
// everything since the last nightly dump, up to a day of users' writes; with it, the database comes
// back to the second before the mistake. The rule is mandatory: nothing else the platform offers
// recovers those writes, and the damage is only found after it is too late to turn PITR on.
// The window must reach back at least a week (configurable): a wrong delete or a bad migration is
// often noticed days later (a Friday change seen on Monday, a monthly report), and a window shorter
// than that gives recovery to a time when the data was already wrong.
//
// What the pack sees: the database StatefulSet's args (`-c archive_mode=on`, an archive_command
// running wal-g wal-push), and the base-backup CronJob, whose exec carries PITR_WINDOW_SECONDS to the
// retention (components/services/postgres/pitr). Applies only to production, recognised as api-over-tls
// does: the namespace labelled platform.supabase.io/environment=production (config `environment`), or
// the stack tag environment=production.
import { StackValidationPolicy } from "@pulumi/policy";
import { productionNamespaces } from "./tls";
import { appOf, configOf, containersOf, Obj, T, WorkloadView, workloadLabel, workloadsOf } from "./util";

export interface RecoveryConfig {
    databaseApps: string[];
    minWindowDays: number;
    /** The stack tag that marks production, and its value (as api-over-tls reads it). */
    productionTag: { name: string; value: string };
}

/** `name=value` of a `-c name=value` (or `--name=value`) server setting in a container's command and args. */
export function serverSettingText(container: Obj, name: string): string | undefined {
    const words: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(String);
    for (const w of words) {
        const m = new RegExp(`^(?:-c|--)?${name}=(.*)$`, "s").exec(w.trim());
        if (m) return m[1];
    }
    return undefined;
}

/** The recovery window a CronJob's retention enforces (PITR_WINDOW_SECONDS in its containers' args or env), in seconds. */
export function retentionWindowSeconds(w: WorkloadView): number | undefined {
    for (const { container } of containersOf(w.pod)) {
        const words: string[] = [...(container.command ?? []), ...(container.args ?? []), ...((container.env ?? []) as Obj[]).map((e) => `${e.name}=${e.value}`)].map(String);
        for (const word of words) {
            const m = /^PITR_WINDOW_SECONDS=([0-9]+)$/.exec(word);
            if (m) return Number(m[1]);
        }
    }
    return undefined;
}

export const pitrInProduction: StackValidationPolicy = {
    name: "pitr-in-production",
    description: "A production stack archives its WAL (archive_mode on, archive_command running wal-g wal-push) and runs a base-backup CronJob whose retention keeps at least minWindowDays (7) restorable: a bad migration is undone to the second, and found days later is still in reach.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            databaseApps: { type: "array", items: { type: "string" }, default: ["postgres"] },
            minWindowDays: { type: "number", minimum: 1, default: 7 },
            productionTag: {
                type: "object",
                properties: { name: { type: "string" }, value: { type: "string" } },
                default: { name: "environment", value: "production" },
            },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<RecoveryConfig>(pitrInProduction, args);
        const tagged = args.stackTags.get(config.productionTag.name) === config.productionTag.value;
        const labelled = productionNamespaces(args.resources);
        if (!tagged && labelled.size === 0) return args.notApplicable("not a production stack (no namespace labelled production, no production stack tag)");
        const workloads = workloadsOf(args.resources);
        const database = workloads.find((w) => w.type === T.statefulSet && config.databaseApps.includes(appOf(w)) && (tagged || labelled.has(w.namespace)));
        if (!database) return args.notApplicable("no database StatefulSet in a production namespace");
        const server = containersOf(database.pod).find((c) => !c.init && c.container.name === "postgres")?.container
            ?? containersOf(database.pod).find((c) => !c.init)?.container ?? {};
        const where = workloadLabel(database);
        const mode = serverSettingText(server, "archive_mode");
        if (mode !== "on" && mode !== "always") {
            report(`${where}: production without point-in-time recovery (archive_mode is ${mode ?? "unset, i.e. off"}); set pitr: true (docs/runbooks/pitr-restore.md)`, database.urn);
            return;
        }
        const command = serverSettingText(server, "archive_command") ?? "";
        if (!/wal-g wal-push/.test(command)) report(`${where}: archive_command ${JSON.stringify(command)} does not archive with wal-g wal-push; the restore path reads a wal-g archive`, database.urn);
        const jobs = workloads.filter((w) => w.type === T.cronJob && w.namespace === database.namespace && retentionWindowSeconds(w) !== undefined);
        if (jobs.length === 0) {
            report(`${where}: WAL is archived but no base-backup CronJob (with PITR_WINDOW_SECONDS) runs; without a base backup the archive restores nothing`, database.urn);
            return;
        }
        for (const job of jobs) {
            const seconds = retentionWindowSeconds(job)!;
            if (seconds < config.minWindowDays * 86400) {
                report(`${workloadLabel(job)}: the recovery window is ${Math.round((seconds / 86400) * 100) / 100} days, production needs at least ${config.minWindowDays}; raise pitrWindowDays`, job.urn);
            }
        }
    },
};
