// The Pulumi program: parse the stack config once (config's rules and the program's), build the platform, export the outputs that
// app repos read (typed by PlatformOutputs in outputs.ts).
import { appOutputs, SupabasePlatform } from "./components/platform";
import { loadPlatformConfig } from "./components/program-rules";
import { poolerOutputs } from "./components/services/pooler/outputs";

const config = loadPlatformConfig();
const platform = new SupabasePlatform("supabase", { config });

// At the addresses MetalLB assigned to the Kong LoadBalancers (the dashboard is Kong's basic-auth route), or https://<hostname> with TLS.
export const apiUrl = platform.kong.apiUrl;
export const studioUrl = platform.kong.dashboardUrl;
export const anonKey = platform.bundle.values.anonKey;
export const serviceRoleKey = platform.bundle.values.serviceRoleKey;
export const jwtSecret = platform.bundle.values.jwtSecret;
export const release = config.release;
export const realtime = config.realtime.enabled;
// Release v0.8.2 only: the opaque keys and the public signing keys (absent for the seed).
export const publishableKey = platform.bundle.values.asymmetric?.publishableKey;
export const secretKey = platform.bundle.values.asymmetric?.secretKey;
export const jwks = platform.bundle.values.asymmetric?.jwks;
export const namespace = platform.cluster.namespaceName;
export const databaseHost = platform.postgres.host;
export const apps = appOutputs(config);
// The pooler (config `pooler`): where app repos connect, per app its templates, and its login passwords (secret).
const pooler = poolerOutputs(config, platform.bundle.values.pooler);
export const poolerHost = pooler?.host;
export const poolerPorts = pooler?.ports;
export const poolerApps = pooler?.apps;
export const poolerNote = pooler?.note;
export const poolerPasswords = pooler?.passwords;
