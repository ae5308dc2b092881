// `npm run smoke -- --stack dev`: reads the stack's outputs through the Pulumi CLI and runs the
// troubleshooting checks of the seed against the live gateway (scripts/smoke-checks.ts). Exits
// non-zero when a check fails. `--outputs file.json` reads the outputs from a file instead
// (the JSON `pulumi stack output --json --show-secrets` prints).
import { execFileSync } from "child_process";
import * as fs from "fs";
import { ARCHIVER_STATUS_SQL, ArchiverStatusRow } from "../components/services/postgres/pitr/status";
import { configReader } from "../offline/stack-config";
import { failed, formatReport, runSmokeChecks, SmokeOptions, SmokeOutputs } from "./smoke-checks";

export interface SmokeArgs {
    stack?: string;
    outputsFile?: string;
    appSchema?: string;
}

export function parseSmokeArgs(argv: string[]): SmokeArgs {
    const args: SmokeArgs = {};
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        if (flag === "--stack") args.stack = value;
        else if (flag === "--outputs") args.outputsFile = value;
        else if (flag === "--schema") args.appSchema = value;
        else throw new Error(`unknown argument ${argv[i]}; usage: npm run smoke -- --stack dev | --outputs outputs.json [--schema money_tracker]`);
    }
    if (!args.stack && !args.outputsFile) throw new Error("name a stack (--stack dev) or an outputs file (--outputs outputs.json)");
    return args;
}

/** pg_stat_archiver through kubectl exec in postgres-0 (psql there reads PGPASSWORD from the container). */
export function archiverThroughKubectl(namespace: string, cli = "kubectl"): () => Promise<ArchiverStatusRow> {
    return async () => {
        const sql = `SELECT row_to_json(s) FROM (${ARCHIVER_STATUS_SQL}) s`;
        const out = execFileSync(cli, ["-n", namespace, "exec", "postgres-0", "-c", "postgres", "--", "psql", "-U", "supabase_admin", "-d", "postgres", "-XAt", "-c", sql], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return JSON.parse(out.trim()) as ArchiverStatusRow;
    };
}

/** The archiver check's inputs for a named stack: pitr from its stack file, the status through kubectl. */
export function archiverFor(stack: string | undefined, namespace: string | undefined): SmokeOptions["archiver"] {
    if (!stack || !namespace) return undefined;
    return { pitr: configReader(stack)("pitr") === "true", status: archiverThroughKubectl(namespace) };
}

/** `pulumi stack output --json --show-secrets`, with what to do when the CLI is missing or refuses. */
export function stackOutputsJson(stack: string, cli = "pulumi"): string {
    try {
        return execFileSync(cli, ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
        const e = error as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === "ENOENT") {
            throw new Error(
                `npm run smoke -- --stack ${stack} reads the stack outputs with the Pulumi CLI, and \`${cli}\` is not on PATH. ` +
                "Install the CLI (https://www.pulumi.com/docs/install/) and log in to the stack's backend, or run " +
                "`pulumi stack output --json --show-secrets > outputs.json` where it is installed and pass `--outputs outputs.json`.",
            );
        }
        const stderr = (e.stderr ?? "").trim();
        throw new Error(`\`${cli} stack output --stack ${stack}\` failed${stderr ? `: ${stderr}` : ` (${e.message})`}. Is the stack name right and are you logged in to its backend (\`pulumi whoami\`, \`pulumi stack ls\`)?`);
    }
}

export function readOutputs(args: SmokeArgs, cli = "pulumi"): SmokeOutputs {
    const text = args.outputsFile
        ? fs.readFileSync(args.outputsFile, "utf8")
        : stackOutputsJson(args.stack!, cli);
    const outputs = JSON.parse(text) as Partial<SmokeOutputs>;
    const missing = (["apiUrl", "studioUrl", "anonKey"] as const).filter((k) => typeof outputs[k] !== "string");
    if (missing.length) throw new Error(`the stack outputs lack ${missing.join(", ")}; was the stack deployed with this program?`);
    return outputs as SmokeOutputs;
}

if (require.main === module) {
    (async () => {
        const args = parseSmokeArgs(process.argv.slice(2));
        const outputs = readOutputs(args);
        console.log(`Smoke-testing ${outputs.apiUrl} (dashboard ${outputs.studioUrl})\n`);
        const results = await runSmokeChecks(outputs, { appSchema: args.appSchema, archiver: archiverFor(args.stack, outputs.namespace) });
        console.log(formatReport(results));
        if (failed(results)) process.exitCode = 1;
    })().catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exitCode = 2;
    });
}
