// Images: a pinned tag (never latest) is mandatory; a digest is advised, because a tag can be
// re-pushed and only a digest makes a rollout reproducible.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Release, RELEASE_ANNOTATION, RELEASE_NAMES, releaseTagsOf, repositoryAndTag } from "../../releases";
import { containersOf, requireWorkload, workloadLabel } from "./util";

export interface ImageRef {
    repository: string;
    tag?: string;
    digest?: string;
}

/** `registry/repo:tag@digest`: the tag follows the last ':' after the last '/'. */
export function parseImage(image: string): ImageRef {
    const [withoutDigest, digest] = image.split("@", 2);
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    return colon === -1
        ? { repository: withoutDigest, digest }
        : { repository: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
}

export const imageTagPinned: ResourceValidationPolicy = {
    name: "image-tag-pinned",
    description: "Every container image names an explicit tag other than latest (or a digest).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            const image = container.image;
            if (typeof image !== "string" || image.trim() === "") {
                report(`${workloadLabel(w)}: container ${container.name} has no image`);
                continue;
            }
            const ref = parseImage(image);
            if (ref.digest) continue;
            if (!ref.tag) report(`${workloadLabel(w)}: container ${container.name} image ${image} has no tag (pulls latest)`);
            else if (ref.tag.toLowerCase() === "latest") report(`${workloadLabel(w)}: container ${container.name} image ${image} uses latest`);
        }
    },
};

export const imageDigestPinned: ResourceValidationPolicy = {
    name: "image-digest-pinned",
    description: "Container images are pinned by digest (tag@sha256:...), so a re-pushed tag cannot change what runs.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        for (const { container } of containersOf(w.pod)) {
            if (typeof container.image === "string" && !/@sha256:[0-9a-f]{64}$/.test(container.image)) {
                report(`${workloadLabel(w)}: container ${container.name} image ${container.image} is not pinned by digest`);
            }
        }
    },
};

/**
 * Images of one release only. A release is a set upstream tested together (releases.ts); a single
 * service bumped alone is what upstream's users report breaking (its env, roles and URLs changed
 * between releases). The workload names its release in an annotation; any container image of a
 * repository that some release pins must be that release's tag. Images no release pins (mirrors
 * under another name, the backup uploader) are the operator's own choice and pass.
 */
export const imageMatchesRelease: ResourceValidationPolicy = {
    name: "image-matches-release",
    description: `A workload's images are those of the release named in its ${RELEASE_ANNOTATION} annotation; an override from another release (or another tag) is flagged.`,
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        const w = requireWorkload(args);
        const release = w.props.metadata?.annotations?.[RELEASE_ANNOTATION] as string | undefined;
        if (release === undefined) return;
        if (!(RELEASE_NAMES as readonly string[]).includes(release)) {
            report(`${workloadLabel(w)}: annotation ${RELEASE_ANNOTATION} names release ${release}, which the pack does not know (${RELEASE_NAMES.join(", ")})`);
            return;
        }
        for (const { container } of containersOf(w.pod)) {
            if (typeof container.image !== "string") continue;
            const { repository, tag } = repositoryAndTag(container.image);
            const tags = releaseTagsOf(repository);
            if (Object.keys(tags).length === 0) continue;
            const expected = tags[release as Release];
            if (tag === expected) continue;
            const owners = Object.entries(tags).filter(([, t]) => t === tag).map(([r]) => r);
            const belongs = owners.length > 0 ? `belongs to release ${owners.join(", ")}` : "is in no release";
            const want = expected ? `use ${repository}:${expected}` : `release ${release} pins no ${repository}; use its own image`;
            report(`${workloadLabel(w)}: container ${container.name} runs ${container.image}, which ${belongs}, but the stack runs release ${release}: ${want}, or change release`);
        }
    },
};
