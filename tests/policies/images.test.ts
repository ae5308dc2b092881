import { describe, expect, it } from "vitest";
import { imageDigestPinned, imageMatchesRelease, imageTagPinned, parseImage } from "../../policies/rules/images";
import { RELEASE_ANNOTATION, RELEASES } from "../../releases";
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

describe("image-matches-release (advisory)", () => {
    // Starts from a passing workload: release v0.8.2 running that release's GoTrue. The tags come
    // from the release table, so a tag bump there needs no edit here.
    const GOTRUE_NEXT = RELEASES["v0.8.2"].images.gotrue;
    const GOTRUE_SEED = RELEASES.seed.images.gotrue;
    const NOT_PINNED = "supabase/gotrue:v2.0.0-never-pinned";
    const KONG_SEED = RELEASES.seed.images.kong;
    const inRelease = (release: string, image: string) => broken(deployment(), (p: any) => {
        p.metadata.annotations = { [RELEASE_ANNOTATION]: release };
        p.spec.template.spec.containers[0].image = image;
    });
    it("is advisory", () => expect(imageMatchesRelease.enforcementLevel).toBe("advisory"));
    it("passes the release's own image, with a registry host or a digest too", async () => {
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", GOTRUE_NEXT))).toEqual([]);
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", `docker.io/${GOTRUE_NEXT}@${DIGEST}`))).toEqual([]);
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("seed", KONG_SEED))).toEqual([]);
    });
    it("passes images no release pins (the operator's own)", async () => {
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", "example/api:1.2.3"))).toEqual([]);
    });
    it("flags an image of the other release", async () => {
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", GOTRUE_SEED))).toEqual([
            `Deployment supabase/api: container api runs ${GOTRUE_SEED}, which belongs to release seed, but the stack runs release v0.8.2: use ${GOTRUE_NEXT}, or change release`,
        ]);
    });
    it("flags a tag bumped alone, and a repository the release does not pin", async () => {
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", NOT_PINNED))).toEqual([
            `Deployment supabase/api: container api runs ${NOT_PINNED}, which is in no release, but the stack runs release v0.8.2: use ${GOTRUE_NEXT}, or change release`,
        ]);
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v0.8.2", KONG_SEED))).toEqual([
            `Deployment supabase/api: container api runs ${KONG_SEED}, which belongs to release seed, but the stack runs release v0.8.2: release v0.8.2 pins no kong; use its own image, or change release`,
        ]);
    });
    it("flags an unknown release name", async () => {
        expect(await resourceViolations(imageMatchesRelease, T.deployment, inRelease("v9", GOTRUE_NEXT)))
            .toEqual([`Deployment supabase/api: annotation ${RELEASE_ANNOTATION} names release v9, which the pack does not know (seed, v0.8.2)`]);
    });
});
