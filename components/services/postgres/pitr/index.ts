// Point-in-time recovery for the database: settings and their checks, the wal-g contract, what the
// server, the CronJobs and the restore run, and the archiver's status. Pure: no Pulumi here; the
// database component renders these into its StatefulSet, CronJobs and restore Job template.
export * from "./settings";
export * from "./render";
export * from "./status";
export { longestCronGapSeconds } from "./cron-gap";
export * from "./program";
export { WALG_CONTRACT, WALG_VERSION, WALG_COMMIT, imageWalg } from "./walg-contract";
export type { WalgContract, WalgCommandFact, WalgImageFact } from "./walg-contract";
