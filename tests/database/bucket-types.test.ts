// Public buckets are served from the API's own origin: a definition may not let them accept
// content a browser executes (issue #11). Pure: no database.
import { describe, expect, it } from "vitest";
import { activeMimeTypes, APP_DEFINITIONS, validateDefinition } from "../../components/database/apps";
import { homePortal } from "../../components/database/apps/home_portal";

describe("active content in public buckets", () => {
    it("knows scripts, markup, SVG, XML and wildcards from inert types", () => {
        expect(activeMimeTypes(["image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript",
            "application/x-javascript", "image/*", "*/*", "image/png", "image/jpeg", "application/pdf", "application/json"]))
            .toEqual(["image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript", "application/x-javascript", "image/*", "*/*"]);
    });

    it("the shipped definitions pass", () => {
        for (const app of Object.values(APP_DEFINITIONS)) expect(validateDefinition(app)).toEqual([]);
    });

    it("home-portal-assets taking SVG again would be refused", () => {
        const app = structuredClone(homePortal);
        app.buckets[0].allowedMimeTypes.push("image/svg+xml");
        expect(validateDefinition(app)).toEqual(["bucket home-portal-assets is public and accepts active content (image/svg+xml), which would run in the API's origin"]);
    });

    it("a public bucket must list its types (an empty list means any type)", () => {
        const app = structuredClone(homePortal);
        app.buckets[0].allowedMimeTypes = [];
        expect(validateDefinition(app)).toEqual(["bucket home-portal-assets is public and accepts any MIME type; list the (inert) types it takes"]);
    });
});
