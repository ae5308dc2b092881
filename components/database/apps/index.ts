// The registry of app database definitions. Adding an app = one file in this folder, one line
// here, and its name in the stack config `apps` (which also exposes it through PostgREST).
import { AppDefinition } from "../model";
import { homePortal } from "./home_portal";
import { moneyTracker } from "./money_tracker";
import { realtimeProblems } from "../realtime-model";

export const APP_DEFINITIONS: Record<string, AppDefinition> = Object.fromEntries(
    [homePortal, moneyTracker].map((app) => [app.schema, app]),
);

/**
 * An app listed in config without a definition file gets its schema, the API roles' USAGE and
 * default privileges and its app role — no tables, no buckets — and the program warns. It is
 * never skipped: PostgREST exposes the schema, so it has to exist.
 */
export function definitionFor(schema: string): AppDefinition {
    return APP_DEFINITIONS[schema] ?? { schema, description: "(no definition file: schema and grants only)", tables: [], buckets: [] };
}

export function hasDefinition(schema: string): boolean {
    return schema in APP_DEFINITIONS;
}

/**
 * MIME types a browser may execute or render as a document (scripts, markup, SVG), and wildcards
 * that include them. storage-api only checks the type the uploader declares, so a public bucket
 * that accepts one of these serves attacker-written script from the API's own origin.
 */
export function activeMimeTypes(types: string[]): string[] {
    return types.filter((t) => {
        const type = t.toLowerCase();
        return type.includes("*") || type.endsWith("+xml") || /\/(x-)?(html|xhtml|xml|javascript|ecmascript|svg|xsl|xslt)$/.test(type);
    });
}

/** Mistakes in a definition that the database would not catch, or would catch too late. */
export function validateDefinition(app: AppDefinition): string[] {
    const problems: string[] = [];
    const where = (table: string) => `${app.schema}.${table}`;
    const tableNames = new Set<string>();
    for (const table of app.tables) {
        if (tableNames.has(table.name)) problems.push(`${where(table.name)} is defined twice`);
        tableNames.add(table.name);
        const leading = new Set([
            table.primaryKey[0],
            ...(table.unique ?? []).map((u) => u[0]),
            ...(table.indexes ?? []).map((i) => i.columns[0]),
        ]);
        if (table.ownerColumn && !leading.has(table.ownerColumn)) {
            problems.push(`${where(table.name)}: owner column ${table.ownerColumn} must lead an index (policies filter on it)`);
        }
        for (const column of table.columns.filter((c) => c.references)) {
            if (!leading.has(column.name)) problems.push(`${where(table.name)}: foreign key ${column.name} must lead an index`);
        }
        if (table.policies.length === 0) problems.push(`${where(table.name)}: has no policy; say who may do what`);
        const policyNames = new Set<string>();
        for (const policy of table.policies) {
            if (policyNames.has(policy.name)) problems.push(`${where(table.name)}: policy "${policy.name}" is defined twice`);
            policyNames.add(policy.name);
            if (/auth\.uid\(\)/.test(`${policy.using ?? ""} ${policy.withCheck ?? ""}`.replace(/\(select auth\.uid\(\)\)/g, ""))) {
                problems.push(`${where(table.name)}: policy "${policy.name}" calls auth.uid() per row; write (select auth.uid())`);
            }
        }
    }
    for (const bucket of app.buckets) {
        if (bucket.public) {
            const active = activeMimeTypes(bucket.allowedMimeTypes);
            if (bucket.allowedMimeTypes.length === 0) problems.push(`bucket ${bucket.id} is public and accepts any MIME type; list the (inert) types it takes`);
            if (active.length) problems.push(`bucket ${bucket.id} is public and accepts active content (${active.join(", ")}), which would run in the API's origin`);
        }
        for (const policy of bucket.policies) {
            if (!`${policy.using ?? ""} ${policy.withCheck ?? ""}`.includes(`bucket_id = '${bucket.id}'`)) {
                problems.push(`bucket ${bucket.id}: policy "${policy.name}" is not limited to bucket_id = '${bucket.id}'`);
            }
        }
    }
    return problems;
}

/**
 * Every definition problem of the configured apps, and buckets claimed by two apps. loadPlatformConfig
 * reports these with the config problems, before any resource is registered.
 */
export function appDefinitionProblems(appNames: string[]): string[] {
    const definitions = appNames.map(definitionFor);
    const problems = [...definitions.flatMap(validateDefinition), ...realtimeProblems(definitions)];
    const bucketIds = definitions.flatMap((app) => app.buckets.map((b) => b.id));
    for (const id of new Set(bucketIds)) {
        if (bucketIds.indexOf(id) !== bucketIds.lastIndexOf(id)) problems.push(`bucket ${id} is declared by more than one app`);
    }
    return problems;
}
