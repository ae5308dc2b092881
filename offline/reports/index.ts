// Extra files the offline render writes beside the manifests (one module per report).
import { architectureReport } from "./architecture";
import { databaseReport } from "./database";
import { kongConfigReport } from "./kong-config";
import { placeholderReport } from "./placeholders";
import { policyReport } from "./policy";
import { Report } from "./report";

export type { Report } from "./report";

export const REPORTS: Report[] = [kongConfigReport, architectureReport, placeholderReport, databaseReport, policyReport];
