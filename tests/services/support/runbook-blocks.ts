// The fenced blocks of a runbook that carry a name in their info string (```sh pitr:restore), so a
// test can hold the runbook's commands against what it runs.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../../tools/paths";

/** name → block text (without the fences), for every ```<lang> <name> block of the file. */
export function namedBlocks(relativePath: string): Record<string, { lang: string; text: string }> {
    const text = fs.readFileSync(path.join(REPO_ROOT, relativePath), "utf8");
    const out: Record<string, { lang: string; text: string }> = {};
    for (const m of text.matchAll(/^```(\w+) ([\w:-]+)\n([\s\S]*?)\n```$/gm)) {
        if (out[m[2]]) throw new Error(`${relativePath}: two blocks named ${m[2]}`);
        out[m[2]] = { lang: m[1], text: m[3] };
    }
    return out;
}
