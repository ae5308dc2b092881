// What a test or build asks of an upstream tree: a leaf, read by tools/sources.ts and the sandbox's
// list of the trees the tests need (sandbox/image-sources.ts).
export interface SourceRequest {
    /** owner/name on GitHub. */
    repo: string;
    /** Tag or full commit id. */
    ref: string;
    /** Files or directories inside the repository. */
    paths: string[];
    /** Other repositories whose snapshots also hold `ref` (forks carrying the upstream commit). */
    alsoIn?: string[];
    /** What the tree is for, for the missing line (e.g. "the supabase/postgres:15.1.1.78 init scripts"). */
    purpose?: string;
}
