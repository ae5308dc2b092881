// Runs index.ts the way the Pulumi CLI's Node.js host does (@pulumi/pulumi/cmd/run): the same
// choice of ts-node and TypeScript, the same register() options (transpileOnly from
// PULUMI_NODEJS_TRANSPILE_ONLY or compilerOptions.noCheck, else ts-node's own config), under
// Pulumi's mocks instead of an engine. Prints one JSON line of timings. Plain JavaScript, so that
// nothing but ts-node compiles the program. Usage: node bench/host-run.js <config.json> <stack>
const path = require("path");

const start = process.hrtime.bigint();
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const root = path.resolve(__dirname, "..");
process.chdir(root);
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
const transpileOnly = env ? env === "true" : compilerOptions.noCheck;
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
// tsutils names ts-node as a package (resolved from @pulumi/pulumi) or as its vendored copy's path.
const tsn = require(path.isAbsolute(tsnodeRequire) ? tsnodeRequire : require.resolve(tsnodeRequire, { paths: [require.resolve("@pulumi/pulumi")] }));
tsn.register({
    compiler: typescriptRequire,
    transpileOnly,
    project: "tsconfig.json",
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions },
});
const pulumi = require("@pulumi/pulumi");
const config = require(path.resolve(process.argv[2]));
let resources = 0;
pulumi.runtime
    .setMocks({ newResource: (args) => (resources++, { id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs }, "supabase-platform", process.argv[3], true)
    .then(async () => {
        pulumi.runtime.setAllConfig(config, []);
        const setupMs = ms(start);
        const program = require(path.join(root, "index.ts"));
        await Promise.all(Object.values(program).filter((v) => pulumi.Output.isInstance(v)).map((o) => o.promise()));
        await pulumi.runtime.disconnect();
        const cpu = process.cpuUsage();
        console.log(JSON.stringify({ tsNode: tsn.VERSION, setupMs, totalMs: ms(start), cpuMs: (cpu.user + cpu.system) / 1000, resources }));
    })
    .catch((err) => {
        console.error(err);
        process.exitCode = 1;
    });
