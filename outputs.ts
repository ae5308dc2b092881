// The stack outputs: the contract app repos read through a StackReference. Renaming a field here
// is a breaking change for every consumer (examples/app-consumer type-checks against it).
//
// A leaf: this file imports nothing, so an app repo copies it as it is (examples/app-consumer/
// platform-outputs.ts is that copy, and a test keeps the two equal).

/** The releases a platform stack can run (releases.ts; a type test keeps the two equal). */
export type Release = "seed" | "v0.8.2";

/** What one hosted app needs to talk to its own schema. */
export interface AppOutput {
    /** The app's PostgreSQL schema. */
    schema: string;
    /** PostgREST profile headers selecting the schema (supabase-js sets them from `db.schema`). */
    profileHeaders: { "Accept-Profile": string; "Content-Profile": string };
}

/**
 * One app's way in through the pooler: its login role and libpq URL templates whose password is the
 * literal `[PASSWORD]` (fill it in from `poolerPasswords[app]`, percent-encoded).
 */
export interface AppPoolerOutput {
    /** The app's login role, `<app>_login`: NOINHERIT, so a transaction picks its role with SET LOCAL ROLE. */
    role: string;
    /** In-cluster URLs: `transaction` (port 6543, the app's runtime) and `session` (port 5432, migrations). */
    inCluster: { transaction: string; session: string };
    /** The same on the pooler's LoadBalancer (poolerEndpoint loadbalancer only). */
    external?: { transaction: string; session: string };
}

export interface PlatformOutputs {
    /** External gateway URL (Kong), e.g. http://10.89.97.214:8000, or https://<apiHostname> with TLS (docs/tls.md). */
    apiUrl: string;
    /** External dashboard URL: Kong's basic-auth route on the dashboard LoadBalancer, e.g. http://10.89.97.215:3000, or https://<studioHostname> with TLS. */
    studioUrl: string;
    /** Public API key (role anon); safe in front-end builds. */
    anonKey: string;
    /** Admin API key (role service_role, bypasses RLS). Secret. */
    serviceRoleKey: string;
    /** JWT signing secret, for backends that verify user tokens themselves. Secret. */
    jwtSecret: string;
    /** The upstream release the stack runs ("seed" or "v0.8.2"); says which fields below exist. */
    release: Release;
    /** Release v0.8.2: the client key (sb_publishable_…); the gateway maps it to an anon ES256 JWT. Safe in front-end builds. */
    publishableKey: string | undefined;
    /** Release v0.8.2: the server key (sb_secret_…); the gateway maps it to a service_role ES256 JWT (bypasses RLS). Secret. */
    secretKey: string | undefined;
    /**
     * Release v0.8.2: the public signing keys (a JWKS, JSON text), for backends that verify user
     * session tokens themselves; the same document GoTrue serves at <apiUrl>/auth/v1/.well-known/jwks.json.
     */
    jwks: string | undefined;
    /** Realtime is deployed: clients connect to <apiUrl>/realtime/v1 with their API key. */
    realtime: boolean;
    /** Kubernetes namespace of the platform. */
    namespace: string;
    /** In-cluster database host (never exposed outside the cluster). */
    databaseHost: string;
    /** Per app (keyed by app name). */
    apps: Record<string, AppOutput>;
    /** The pooler is deployed (config `pooler`): its in-cluster host, e.g. pooler.supabase.svc. */
    poolerHost: string | undefined;
    /** The pooler's ports: transaction mode (6543) and session mode (5432). */
    poolerPorts: { transaction: number; session: number } | undefined;
    /** Per app (keyed by app name): its login role and connection string templates. */
    poolerApps: Record<string, AppPoolerOutput> | undefined;
    /** What transaction mode asks of a driver (prepared statements, SET LOCAL, session features). */
    poolerNote: string | undefined;
    /** Per app (keyed by app name): the password of its `<app>_login` role. Secret. */
    poolerPasswords: Record<string, string> | undefined;
}
