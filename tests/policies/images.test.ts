import { describe, expect, it } from "vitest";
import { imageDigestPinned, imageTagPinned, parseImage } from "../../policies/rules/images";
import { broken, deployment, resourceViolations, T } from "../support/policy";

const setImage = (image: string) => (p: any) => (p.spec.template.spec.containers[0].image = image);
const DIGEST = "sha256:" + "a".repeat(64);

describe("parseImage", () => {
    it("splits registry ports from tags", () => {
        expect(parseImage("registry.local:5000/team/app:1.0@" + DIGEST)).toEqual({ repository: "registry.local:5000/team/app", tag: "1.0", digest: DIGEST });
        expect(parseImage("registry.local:5000/team/app")).toEqual({ repository: "registry.local:5000/team/app", digest: undefined });
    });
});

describe("image-tag-pinned", () => {
    it("passes a tagged image and a digest-only image", async () => {
        expect(await resourceViolations(imageTagPinned, T.deployment, deployment())).toEqual([]);
        expect(await resourceViolations(imageTagPinned, T.deployment, broken(deployment(), setImage(`example/api@${DIGEST}`)))).toEqual([]);
    });
    it("rejects latest", async () => {
        expect(await resourceViolations(imageTagPinned, T.deployment, broken(deployment(), setImage("example/api:latest"))))
            .toEqual(["Deployment supabase/api: container api image example/api:latest uses latest"]);
    });
    it("rejects a missing tag, even behind a registry port", async () => {
        expect(await resourceViolations(imageTagPinned, T.deployment, broken(deployment(), setImage("registry:5000/api"))))
            .toEqual(["Deployment supabase/api: container api image registry:5000/api has no tag (pulls latest)"]);
    });
});

describe("image-digest-pinned (advisory)", () => {
    it("is advisory", () => expect(imageDigestPinned.enforcementLevel).toBe("advisory"));
    it("passes a digest and flags a bare tag", async () => {
        expect(await resourceViolations(imageDigestPinned, T.deployment, broken(deployment(), setImage(`example/api:1.2.3@${DIGEST}`)))).toEqual([]);
        expect(await resourceViolations(imageDigestPinned, T.deployment, deployment()))
            .toEqual(["Deployment supabase/api: container api image example/api:1.2.3 is not pinned by digest"]);
    });
});
