// Where the sandbox keeps its state and which loopback ports it listens on.
import * as os from "os";
import * as path from "path";

export interface SandboxLayout {
    stateDir: string;
    etcdClientPort: number;
    etcdPeerPort: number;
    apiserverPort: number;
    /** Port KWOK serves the kubelet API on (port-forward to fake pods). */
    kubeletPort: number;
    postgresPort: number;
    kubeconfig: string;
    /** The admin token of tokens.csv; the kubeconfig uses it. */
    adminToken: string;
}

/** `$SUPABASE_PLATFORM_SANDBOX` or ~/.cache/supabase-platform/sandbox; ports movable by env. */
export function sandboxLayout(env: NodeJS.ProcessEnv = process.env): SandboxLayout {
    const stateDir = env.SUPABASE_PLATFORM_SANDBOX
        || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "supabase-platform", "sandbox");
    const port = (name: string, fallback: number) => {
        const raw = env[name];
        if (raw === undefined || raw === "") return fallback;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1024 || n > 65535) {
            throw new Error(`${name}=${raw} is not a usable port: give an unprivileged port (1024-65535) or unset it (default ${fallback})`);
        }
        return n;
    };
    return {
        stateDir,
        etcdClientPort: port("SANDBOX_ETCD_PORT", 23790),
        etcdPeerPort: port("SANDBOX_ETCD_PEER_PORT", 23800),
        apiserverPort: port("SANDBOX_APISERVER_PORT", 16443),
        kubeletPort: port("SANDBOX_KUBELET_PORT", 10250),
        postgresPort: port("SANDBOX_POSTGRES_PORT", 15432),
        kubeconfig: path.join(stateDir, "kubeconfig"),
        adminToken: "sandbox-admin-token",
    };
}
