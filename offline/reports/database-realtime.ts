// The Realtime part of out/<stack>/database.md (issue #15): which app tables Realtime streams,
// and the policies on realtime.messages that decide who joins which private channel.
import { ProgramRun, RecordedResource } from "../engine";

const T = {
    realtime: "supabase:database:Realtime",
    schema: "postgresql:index/schema:Schema",
    publicationTable: "pulumi-nodejs:dynamic/database:PublicationTable",
    policy: "pulumi-nodejs:dynamic/database:Policy",
};

const cell = (v: unknown, code = false) => {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) return "—";
    const text = (Array.isArray(v) ? v.join(", ") : String(v)).replace(/\|/g, "\\|").replace(/\n/g, " ");
    return code ? `\`${text}\`` : text;
};
const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
const COMMANDS = ["select", "insert", "update", "delete", "all"];

/** Lines for the report, or none when the layer has no Realtime component (Realtime off). */
export function realtimeSection(run: ProgramRun, layer: RecordedResource): string[] {
    const component = run.resources.find((r) => r.type === T.realtime && r.parent === layer.urn);
    if (!component) return [];
    const children = (type: string) => run.resources.filter((r) => r.parent === component.urn && r.type === type);
    const schemas = children(T.schema).map((s) => `\`${s.inputs.name}\` (owner \`${s.inputs.owner}\`)`).sort();
    const tables = children(T.publicationTable).map((t) => `\`${t.inputs.schema}.${t.inputs.table}\``).sort();
    const policies = children(T.policy).sort((a, b) => COMMANDS.indexOf(a.inputs.command) - COMMANDS.indexOf(b.inputs.command) || String(a.inputs.name).localeCompare(b.inputs.name));
    return [
        "## Realtime",
        "",
        `Schemas ${schemas.join(", ")}; both are kept when Realtime is switched off. Realtime logs in as \`supabase_admin\`.`,
        "",
        `Tables in the publication \`supabase_realtime\` (postgres_changes; each change reaches only clients whose select policy lets them read the row): ${tables.length ? tables.join(", ") : "none"}.`,
        "",
        "Private channels: Realtime lets a client join a channel (read) when, under the client's role and claims, with",
        "`realtime.topic()` = the channel name, a SELECT on `realtime.messages` returns its probe row for that extension",
        "(`broadcast`, `presence`); sending (write) is the same with an INSERT. Public channels are not checked.",
        "These policies are created once Realtime has created `realtime.messages`:",
        "",
        ...(policies.length === 0 ? ["(none: no private channel is open to anyone but the service role)"] : [
            row(["policy", "command", "roles", "USING", "WITH CHECK"]),
            row(["---", "---", "---", "---", "---"]),
            ...policies.map((p) => row([cell(p.inputs.name), String(p.inputs.command).toUpperCase(), cell(p.inputs.roles), cell(p.inputs.using, true), cell(p.inputs.withCheck, true)])),
        ]),
        "",
    ];
}
