// Says which encrypted stack values the offline render replaced by placeholders, so nobody reads
// a render of a stack with `secure:` values as if it held the real ones.
import { ProgramRun } from "../engine";
import { placeholdersUsed } from "../stack-config";
import type { Report } from "./report";

export const placeholderReport: Report = {
    write(run: ProgramRun): string[] {
        const keys = placeholdersUsed(run.stack);
        if (keys.length === 0) return [];
        return [`${keys.length} encrypted value${keys.length === 1 ? "" : "s"} replaced by placeholders: ${keys.join(", ")}`];
    },
};
