// The rules table of docs/guardrails.md, generated from the rules themselves (tests/policies/pack.test.ts
// keeps the page equal to it): `npx tsx policies/rules-table.ts`.
import { POLICY_AREAS } from "./rules";

export function rulesTable(): string {
    const rows = Object.entries(POLICY_AREAS).flatMap(([area, policies]) =>
        policies.map((p) => `| ${area} | \`${p.name}\` | ${p.enforcementLevel} | ${"validateStack" in p ? "stack" : "resource"} | ${p.description.replace(/\|/g, "\\|")} |`));
    return ["| Area | Rule | Level | Scope | What it checks |", "|---|---|---|---|---|", ...rows].join("\n");
}

if (require.main === module) console.log(rulesTable());
