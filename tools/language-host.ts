// A Node.js language host for the real Pulumi CLI: the gRPC `LanguageRuntime` service the engine
// starts to run a Node.js program (Run) or a Node.js policy pack (RunPlugin).
//
// Why the project has its own: Pulumi's host (`pulumi-language-nodejs`) is a separate Go module
// with no tags, and the Go module proxy these machines reach serves none of its versions (it
// answers "This module version is not available."; `npm run tools -- --list`). The newest host
// still served inside sdk/v3 (v3.68.0) predates RunPlugin, so it cannot run policy packs with
// CLI v3.248. Everything else stays real: the CLI and engine, the analyzer protocol, the provider
// plugins, and @pulumi/pulumi's own `cmd/run` and `cmd/run-policy-pack` entry points, which this
// host starts exactly as their usage text describes.
//
// Started by the CLI as `pulumi-language-nodejs [flags] <engine-address>`; prints its port.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PULUMI = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The SDK's generated stubs and its own grpc-js, so the wire types match the SDK exactly.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [PULUMI] }));
const languageProto = require(path.join(PULUMI, "proto", "language_pb.js"));
const languageGrpc = require(path.join(PULUMI, "proto", "language_grpc_pb.js"));
const pluginProto = require(path.join(PULUMI, "proto", "plugin_pb.js"));

/** The exit code @pulumi/pulumi's runners use after they have reported the error themselves. */
const EXITED_AFTER_REPORTING = 32;

type Callback = (err: unknown, response?: unknown) => void;

/** Resource plugins the program's node_modules asks for: each package.json's "pulumi" block. */
export function requiredPlugins(programDir: string): { name: string; version: string; server?: string }[] {
    const found = new Map<string, { name: string; version: string; server?: string }>();
    const visit = (dir: string, depth: number) => {
        const modules = path.join(dir, "node_modules");
        if (depth > 3 || !fs.existsSync(modules)) return;
        for (const entry of fs.readdirSync(modules)) {
            const dirs = entry.startsWith("@") ? fs.readdirSync(path.join(modules, entry)).map((e) => path.join(modules, entry, e)) : [path.join(modules, entry)];
            for (const pkgDir of dirs) {
                const file = path.join(pkgDir, "package.json");
                if (!fs.existsSync(file)) continue;
                const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
                const meta = pkg.pulumi;
                if (meta?.resource) {
                    const name = meta.name ?? String(pkg.name).replace(/^@pulumi\//, "");
                    const version = String(meta.version ?? pkg.version).replace(/^v/, "");
                    found.set(name, { name, version, server: meta.server });
                }
            }
        }
    };
    visit(programDir, 0);
    return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The `node @pulumi/pulumi/cmd/run …` command line for a RunRequest (flags as its usage text lists). */
export function runArguments(req: {
    monitor: string; engine: string; project: string; stack: string; organization: string;
    pwd: string; rootDirectory: string; parallel: number; dryRun: boolean; program: string; args: string[];
}): string[] {
    const flags = [
        `--monitor=${req.monitor}`, `--engine=${req.engine}`,
        `--project=${req.project}`, `--stack=${req.stack}`, `--pwd=${req.pwd}`,
    ];
    if (req.organization) flags.push(`--organization=${req.organization}`);
    if (req.rootDirectory) flags.push(`--root-directory=${req.rootDirectory}`);
    if (req.parallel > 0) flags.push(`--parallel=${req.parallel}`);
    if (req.dryRun) flags.push("--dry-run");
    return [...flags, req.program || ".", ...req.args];
}

/** The runner script of the SDK the program itself installed (falls back to the host's copy). */
function sdkEntry(programDir: string, entry: "run" | "run-policy-pack"): string {
    try {
        return require.resolve(`@pulumi/pulumi/cmd/${entry}`, { paths: [programDir] });
    } catch {
        return path.join(PULUMI, "cmd", entry);
    }
}

function structToObject(struct: any): Record<string, unknown> {
    return struct ? struct.toJavaScript() : {};
}

class NodeLanguageHost {
    constructor(private readonly engineAddress: string) {}

    handshake(call: any, cb: Callback) {
        cb(null, new languageProto.LanguageHandshakeResponse());
    }

    getPluginInfo(call: any, cb: Callback) {
        const info = new pluginProto.PluginInfo();
        info.setVersion(require(path.join(PULUMI, "package.json")).version);
        cb(null, info);
    }

    getRequiredPlugins(call: any, cb: Callback) {
        const programDir = call.request.getInfo()?.getProgramDirectory() || call.request.getProgram() || process.cwd();
        const response = new languageProto.GetRequiredPluginsResponse();
        for (const plugin of requiredPlugins(programDir)) {
            const dep = new pluginProto.PluginDependency();
            dep.setName(plugin.name);
            dep.setKind("resource");
            dep.setVersion(plugin.version);
            if (plugin.server) dep.setServer(plugin.server);
            response.addPlugins(dep);
        }
        cb(null, response);
    }

    run(call: any, cb: Callback) {
        const req = call.request;
        const info = req.getInfo();
        const options = structToObject(info?.getOptions());
        const programDir = info?.getProgramDirectory() || req.getPwd();
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify(Object.fromEntries(req.getConfigMap().toArray())),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
            PULUMI_NODEJS_TYPESCRIPT: String(options.typescript !== false),
        };
        if (typeof options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
        const args = runArguments({
            monitor: req.getMonitorAddress(), engine: this.engineAddress,
            project: req.getProject(), stack: req.getStack(), organization: req.getOrganization(),
            pwd: req.getPwd(), rootDirectory: info?.getRootDirectory() ?? "",
            parallel: req.getParallel(), dryRun: req.getDryrun(),
            program: info?.getEntryPoint() || req.getProgram(), args: req.getArgsList(),
        });
        const child = spawn(process.execPath, [sdkEntry(programDir, "run"), ...args], { cwd: req.getPwd(), env, stdio: "inherit" });
        child.on("error", (err) => cb(null, runResponse(`could not start node: ${err.message}`)));
        child.on("exit", (code, signal) => {
            if (code === 0) cb(null, runResponse());
            else if (code === EXITED_AFTER_REPORTING) cb(null, runResponse(undefined, true));
            else cb(null, runResponse(`Program exited with ${signal ? `signal ${signal}` : `non-zero exit code: ${code}`}`));
        });
    }

    runPlugin(call: any) {
        const req = call.request;
        const programDir = req.getInfo()?.getProgramDirectory() || req.getProgram();
        if (req.getKind() && req.getKind() !== "analyzer") {
            call.write(pluginResponse("stderr", `language host: running a ${req.getKind()} plugin written in Node.js is not supported\n`));
            call.write(pluginResponse("exitcode", 1));
            return call.end();
        }
        const env = Object.fromEntries(req.getEnvList().map((kv: string) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
        const child = spawn(process.execPath, [sdkEntry(programDir, "run-policy-pack"), ...req.getArgsList(), programDir], {
            cwd: programDir,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.on("data", (chunk: Buffer) => call.write(pluginResponse("stdout", chunk)));
        child.stderr.on("data", (chunk: Buffer) => call.write(pluginResponse("stderr", chunk)));
        child.on("exit", (code) => {
            call.write(pluginResponse("exitcode", code ?? 1));
            call.end();
        });
        call.on("cancelled", () => child.kill());
    }

    installDependencies(call: any) {
        // Dependencies are installed by `npm ci` before the CLI runs; nothing to do here.
        call.end();
    }

    getProgramDependencies(call: any, cb: Callback) {
        cb(null, new languageProto.GetProgramDependenciesResponse());
    }

    about(call: any, cb: Callback) {
        const response = new languageProto.AboutResponse();
        response.setExecutable(process.execPath);
        response.setVersion(process.version);
        cb(null, response);
    }
}

function runResponse(error?: string, bail = false) {
    const response = new languageProto.RunResponse();
    if (error) response.setError(error);
    if (bail) response.setBail(true);
    return response;
}

function pluginResponse(kind: "stdout" | "stderr" | "exitcode", value: Buffer | string | number) {
    const response = new languageProto.RunPluginResponse();
    if (kind === "exitcode") response.setExitcode(value as number);
    else if (kind === "stdout") response.setStdout(Buffer.from(value as Buffer | string));
    else response.setStderr(Buffer.from(value as Buffer | string));
    return response;
}

function unimplemented(call: any, cb?: Callback) {
    const err = { code: grpc.status.UNIMPLEMENTED, details: "not implemented by this language host" };
    if (cb) cb(err);
    else call.destroy(err);
}

function main(argv: string[]) {
    const engineAddress = argv.filter((a) => !a.startsWith("-")).pop() ?? "";
    const host = new NodeLanguageHost(engineAddress);
    const implemented: Record<string, Function> = {
        handshake: host.handshake.bind(host),
        getRequiredPlugins: host.getRequiredPlugins.bind(host),
        run: host.run.bind(host),
        getPluginInfo: host.getPluginInfo.bind(host),
        installDependencies: host.installDependencies.bind(host),
        about: host.about.bind(host),
        getProgramDependencies: host.getProgramDependencies.bind(host),
        runPlugin: host.runPlugin.bind(host),
    };
    // Every other method answers UNIMPLEMENTED, which the CLI treats as "older host" and falls back.
    const service = Object.fromEntries(
        Object.keys(languageGrpc.LanguageRuntimeService).map((method) => {
            const name = method.charAt(0).toLowerCase() + method.slice(1);
            return [name, implemented[name] ?? unimplemented];
        }),
    );
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(languageGrpc.LanguageRuntimeService, service);
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => {
        if (err) {
            console.error(`language host: could not listen on loopback: ${err.message}`);
            process.exit(1);
        }
        process.stdout.write(`${port}\n`);
    });
    // The CLI ends a plugin by closing its stdin or signalling it.
    process.on("SIGINT", () => server.forceShutdown());
    process.on("SIGTERM", () => { server.forceShutdown(); process.exit(0); });
}

if (require.main === module) main(process.argv.slice(2));
