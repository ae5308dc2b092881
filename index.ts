// The Pulumi program: parse the stack config once, build the platform, export the outputs that
// app repos read (typed by PlatformOutputs in outputs.ts).
import { loadConfig } from "./config";
import { appOutputs, SupabasePlatform } from "./components/platform";

const config = loadConfig();
const platform = new SupabasePlatform("supabase", { config });

// At the addresses MetalLB assigned to the Kong LoadBalancers (the dashboard is Kong's basic-auth route).
export const apiUrl = platform.kong.apiUrl;
export const studioUrl = platform.kong.dashboardUrl;
export const anonKey = platform.bundle.values.anonKey;
export const serviceRoleKey = platform.bundle.values.serviceRoleKey;
export const jwtSecret = platform.bundle.values.jwtSecret;
export const namespace = platform.cluster.namespaceName;
export const databaseHost = platform.postgres.host;
export const apps = appOutputs(config);
