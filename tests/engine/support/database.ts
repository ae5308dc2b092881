// What the engine tier reads back from the sandbox's PostgreSQL after the real engine applied the
// database layer: the objects an app definition promises, and the stack's own secrets.
import { Client } from "pg";
import { APP_DEFINITIONS } from "../../../components/database/apps";
import { AppDefinition, SERVICE_ROLE_TABLE_PRIVILEGES } from "../../../components/database/model";
import { appServiceRole } from "../../../components/database/app";
import { kubeClients } from "./cluster";

/** One line per promised object that the database lacks; empty when the app is whole. */
export async function missingAppObjects(client: Client, app: AppDefinition): Promise<string[]> {
    const missing: string[] = [];
    const schema = await client.query("select 1 from pg_namespace where nspname = $1", [app.schema]);
    if (schema.rowCount === 0) return [`schema ${app.schema}`];
    const role = await client.query("select rolbypassrls, rolcanlogin from pg_roles where rolname = $1", [appServiceRole(app.schema)]);
    if (role.rowCount === 0 || !role.rows[0].rolbypassrls || role.rows[0].rolcanlogin) missing.push(`role ${appServiceRole(app.schema)} (nologin, bypassrls)`);
    for (const grantee of ["anon", "authenticated", "service_role", appServiceRole(app.schema)]) {
        const usage = await client.query("select has_schema_privilege($1, $2, 'USAGE') as ok", [grantee, app.schema]);
        if (!usage.rows[0].ok) missing.push(`USAGE on schema ${app.schema} for ${grantee}`);
    }
    const defaults = await client.query(
        "select count(*)::int as n from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace where n.nspname = $1", [app.schema]);
    if (defaults.rows[0].n === 0) missing.push(`default privileges in schema ${app.schema}`);
    for (const table of app.tables) {
        const name = `${app.schema}.${table.name}`;
        const rls = await client.query("select c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2", [app.schema, table.name]);
        if (rls.rowCount === 0) { missing.push(`table ${name}`); continue; }
        if (!rls.rows[0].relrowsecurity) missing.push(`row level security on ${name}`);
        const grants: Record<string, readonly string[] | undefined> = { ...table.grants, service_role: SERVICE_ROLE_TABLE_PRIVILEGES, [appServiceRole(app.schema)]: SERVICE_ROLE_TABLE_PRIVILEGES };
        for (const [grantee, privileges] of Object.entries(grants)) {
            for (const privilege of privileges ?? []) {
                const ok = await client.query("select has_table_privilege($1, $2, $3) as ok", [grantee, name, privilege]);
                if (!ok.rows[0].ok) missing.push(`${privilege} on ${name} for ${grantee}`);
            }
        }
        const policies = await client.query("select policyname from pg_policies where schemaname = $1 and tablename = $2", [app.schema, table.name]);
        const present = new Set(policies.rows.map((r) => r.policyname));
        for (const policy of table.policies) if (!present.has(policy.name)) missing.push(`policy "${policy.name}" on ${name}`);
    }
    for (const bucket of app.buckets) {
        const row = await client.query("select public from storage.buckets where id = $1", [bucket.id]);
        if (row.rowCount === 0 || row.rows[0].public !== bucket.public) missing.push(`bucket ${bucket.id} (public ${bucket.public})`);
        const policies = await client.query("select policyname from pg_policies where schemaname = 'storage' and tablename = 'objects'");
        const present = new Set(policies.rows.map((r) => r.policyname));
        for (const policy of bucket.policies) if (!present.has(policy.name)) missing.push(`storage policy "${policy.name}"`);
    }
    return missing;
}

/** The definition of an app the stack config lists (a config-only app gets schema and grants only). */
export function appDefinition(schema: string): AppDefinition {
    return APP_DEFINITIONS[schema] ?? { schema, description: "config only", tables: [], buckets: [] };
}

/** The value of a key in the namespace's Secrets (the first Secret holding it). */
export async function secretValue(kubeconfig: string, namespace: string, key: string): Promise<string> {
    const { core } = kubeClients(kubeconfig);
    for (const secret of (await core.listNamespacedSecret({ namespace })).items) {
        const value = secret.data?.[key];
        if (value !== undefined) return Buffer.from(value, "base64").toString("utf8");
    }
    throw new Error(`no Secret in namespace ${namespace} holds ${key}`);
}

/** An env var of a Deployment's first container, as written in its spec (value, not valueFrom). */
export async function deploymentEnv(kubeconfig: string, namespace: string, name: string, key: string): Promise<string | undefined> {
    const { apps } = kubeClients(kubeconfig);
    const deployment = await apps.readNamespacedDeployment({ name, namespace });
    return deployment.spec?.template.spec?.containers[0].env?.find((e) => e.name === key)?.value;
}

/** Whether `role` can log in to the sandbox's PostgreSQL with `password` (password authentication). */
export async function logsIn(port: number, role: string, password: string): Promise<boolean | string> {
    const client = new Client({ host: "127.0.0.1", port, user: role, password, database: "postgres", connectionTimeoutMillis: 10_000 });
    try {
        await client.connect();
        return true;
    } catch (err) {
        const message = (err as Error).message;
        return /password authentication failed/.test(message) ? false : message;
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** A Deployment container's whole env as the kubelet would give it: values, Secret and ConfigMap references. */
export async function resolvedEnv(kubeconfig: string, namespace: string, deployment: string, container: string): Promise<Record<string, string>> {
    const { apps, core } = kubeClients(kubeconfig);
    const spec = (await apps.readNamespacedDeployment({ name: deployment, namespace })).spec!.template.spec!.containers.find((c) => c.name === container);
    if (!spec) throw new Error(`Deployment ${deployment} has no container ${container}`);
    const secret = async (name: string) => Object.fromEntries(Object.entries((await core.readNamespacedSecret({ name, namespace })).data ?? {})
        .map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    const configMap = async (name: string) => (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
    const env: Record<string, string> = {};
    for (const from of spec.envFrom ?? []) {
        Object.assign(env, from.secretRef ? await secret(from.secretRef.name!) : from.configMapRef ? await configMap(from.configMapRef.name!) : {});
    }
    for (const e of spec.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.secretKeyRef) env[e.name] = (await secret(e.valueFrom.secretKeyRef.name!))[e.valueFrom.secretKeyRef.key];
        else if (e.valueFrom?.configMapKeyRef) env[e.name] = (await configMap(e.valueFrom.configMapKeyRef.name!))[e.valueFrom.configMapKeyRef.key];
    }
    // $(VAR) references, which the kubelet expands from earlier entries.
    for (const [k, v] of Object.entries(env)) env[k] = v.replace(/\$\(([A-Z0-9_]+)\)/g, (m, name) => env[name] ?? m);
    return env;
}
