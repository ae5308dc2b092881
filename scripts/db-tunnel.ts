// npm run db-tunnel -- --stack NAME
// Opens the stack's database tunnel (dbAdminEndpoint tunnel) and keeps it open until Ctrl-C, for
// the Pulumi commands that do not run the program, above all `pulumi import` of a database object:
// the postgresql provider stored 127.0.0.1:<tunnel port> in the state, and only a running program
// listens there. Same port (dbAdminTunnelPort, else derived from project and stack), same pod and
// same credentials (kubernetes:kubeconfig / kubernetes:context, else KUBECONFIG) as the program.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Tunnel } from "../components/database/tunnel";
import { kubernetesApi, loadKubeConfig } from "../components/database/tunnel-kubernetes";
import { tunnelPort } from "../config/tunnel-port";

const ROOT = path.resolve(__dirname, "..");

export interface TunnelPlan {
    namespace: string;
    port: number;
    kubeconfig?: string;
    context?: string;
}

/** What the program would open for this stack, read from Pulumi.yaml and Pulumi.<stack>.yaml. */
export function tunnelPlan(stack: string, root = ROOT): TunnelPlan {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const config: Record<string, unknown> = fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8"))?.config ?? {} : {};
    const key = (name: string) => config[`${project.name}:${name}`];
    const mode = key("dbAdminEndpoint") ?? project.config?.dbAdminEndpoint?.default;
    if (mode !== "tunnel") {
        throw new Error(`stack ${stack} uses dbAdminEndpoint ${String(mode)}, not tunnel: it has no tunnel to open (${path.basename(file)})`);
    }
    const plain = (value: unknown) => (typeof value === "string" ? value : undefined);
    return {
        namespace: String(key("namespace") ?? project.config.namespace.default),
        port: tunnelPort(Number(key("dbAdminTunnelPort") ?? 0), project.name, stack),
        kubeconfig: plain(config["kubernetes:kubeconfig"]),
        context: plain(config["kubernetes:context"]),
    };
}

async function main(argv: string[]) {
    const at = argv.indexOf("--stack");
    const stack = at >= 0 ? argv[at + 1] : undefined;
    if (!stack) {
        console.error("usage: npm run db-tunnel -- --stack NAME   (the stack whose database tunnel to keep open)");
        process.exitCode = 2;
        return;
    }
    const plan = tunnelPlan(stack);
    const tunnel = await Tunnel.open({
        target: { namespace: plan.namespace, pod: "postgres-0", port: 5432 },
        port: plan.port,
        api: () => kubernetesApi(loadKubeConfig({ kubeconfig: plan.kubeconfig, context: plan.context })),
        log: { info: (m) => console.log(m), error: (m) => console.error(m) },
    });
    console.log(`db-tunnel: 127.0.0.1:${tunnel.port} -> pod postgres-0 port 5432 in namespace ${plan.namespace}; Ctrl-C closes it`);
    // The tunnel's own handles are unref'd (so a program run can end); this keeps the script alive.
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = () => {
        clearInterval(keepAlive);
        void tunnel.close().then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err: Error) => {
        console.error(`db-tunnel: ${err.message}`);
        process.exitCode = 1;
    });
}
