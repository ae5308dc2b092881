// `npm run pitr:restore-job -- --stack prod --time 2026-12-07T14:04:00Z [--config key=value]`:
// prints the restore Job template of a stack (a new PVC, the Job, its NetworkPolicy) as YAML for
// `kubectl apply -f -`. Reads the stack file as the offline render does (secrets stay in the
// cluster's Secret; the Job reads them by secretKeyRef). See docs/runbooks/pitr-restore.md.
import YAML from "yaml";
import { loadPlatformConfig } from "../components/program-rules";
import { restoreJobManifests, RestoreTarget } from "../components/services/postgres/pitr/restore-job";
import { readProjectFile, stackConfig } from "../offline/stack-config";

export interface RestoreJobArgs {
    stack: string;
    target: RestoreTarget;
    overrides: Record<string, string>;
}

const USAGE = "usage: npm run pitr:restore-job -- --stack <stack> (--time 2026-12-07T14:04:00Z | --lsn 0/3000060) [--config key=value]";

export function parseRestoreJobArgs(argv: string[]): RestoreJobArgs {
    let stack: string | undefined;
    const target: RestoreTarget = {};
    const overrides: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
        if (flag === "--stack") stack = value;
        else if (flag === "--time") target.time = value;
        else if (flag === "--lsn") target.lsn = value;
        else if (flag === "--config") {
            const [key, v] = value.split(/=(.*)/s, 2);
            if (v === undefined) throw new Error(`--config ${value}: write key=value; ${USAGE}`);
            overrides[key] = v;
        } else throw new Error(`unknown argument ${argv[i]}; ${USAGE}`);
    }
    if (!stack) throw new Error(`name the stack; ${USAGE}`);
    return { stack, target, overrides };
}

/** The manifests as one multi-document YAML text. */
export function restoreJobYaml(args: RestoreJobArgs): string {
    const values = stackConfig(args.stack, args.overrides);
    const project = readProjectFile().name;
    const config = loadPlatformConfig({
        project,
        stack: args.stack,
        get: (key) => values[`${project}:${key}`],
        keys: () => Object.keys(values).filter((k) => k.startsWith(`${project}:`)).map((k) => k.slice(project.length + 1)),
    });
    return restoreJobManifests(config, args.target).map((m) => YAML.stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })).join("---\n");
}

if (require.main === module) {
    try {
        process.stdout.write(restoreJobYaml(parseRestoreJobArgs(process.argv.slice(2))));
    } catch (error) {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 2;
    }
}
