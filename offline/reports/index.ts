// Extra files the offline render writes beside the manifests (one module per report).
import { ProgramRun } from "../engine";
import { architectureReport } from "./architecture";
import { databaseReport } from "./database";
import { kongConfigReport } from "./kong-config";
import { placeholderReport } from "./placeholders";
import { policyReport } from "./policy";

export interface Report {
    /** Writes its file(s) under outDir and returns lines for the printed summary. */
    write(run: ProgramRun, outDir: string): string[];
    /** A mandatory failure (e.g. a policy violation) makes the render exit non-zero. */
    failed?(run: ProgramRun): boolean;
}

export const REPORTS: Report[] = [kongConfigReport, architectureReport, placeholderReport, databaseReport, policyReport];
