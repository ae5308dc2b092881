// One extra file (or set of files) the offline render writes beside the manifests.
import { ProgramRun } from "../engine";

export interface Report {
    /** Writes its file(s) under outDir and returns lines for the printed summary. */
    write(run: ProgramRun, outDir: string): string[];
    /** A mandatory failure (e.g. a policy violation) makes the render exit non-zero. */
    failed?(run: ProgramRun): boolean;
}
