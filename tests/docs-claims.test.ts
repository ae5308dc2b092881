// What docs/database.md says about storage-api's answers and about removing a bucket, held against
// the program and storage-api's source (issue 20 items 3 and 7).
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "database.md"), "utf8");
const section = (heading: string) => {
    const start = readme.indexOf(heading);
    if (start < 0) throw new Error(`docs/database.md has no section ${heading}`);
    const next = readme.indexOf("\n#", start + heading.length);
    return readme.slice(start, next < 0 ? undefined : next);
};
const source = (file: string) => fs.readFileSync(path.join(__dirname, "..", file), "utf8");

describe("docs/database.md on storage", () => {
    it("says a refusal comes back as HTTP 400 with the status in the body, never as an HTTP 403 from storage", () => {
        // storage-api sends userStatusCode, 400 for anything but a 500 (src/storage/errors.ts:47 at v0.43.11).
        const text = section("### Storage: where users write");
        expect(text).not.toMatch(/refused \(403\)|with 403\b/);
        expect(text).toContain("HTTP **400**");
        expect(text).toContain(`"statusCode":"403"`);
    });

    it("says a removed bucket is retained, as the program registers it", () => {
        expect(source("components/database/app.ts")).toMatch(/retainOnDelete: true/);
        expect(source("components/database/providers/bucket.ts")).not.toMatch(/async delete\(/);
        expect(readme).toMatch(/schema, tables and buckets are registered with `retainOnDelete`/);
    });
});
