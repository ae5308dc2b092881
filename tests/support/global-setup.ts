// Vitest global set-up: a scratch directory where test files share program runs (tests/support/program.ts),
// removed when the suite ends.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export default function setup(): () => void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-runs-"));
    process.env.SUPABASE_PLATFORM_RUN_CACHE = dir;
    return () => fs.rmSync(dir, { recursive: true, force: true });
}
