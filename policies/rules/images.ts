// Images: a pinned tag (never latest) is mandatory; a digest is advised, because a tag can be
// re-pushed and only a digest makes a rollout reproducible.
import { ResourceValidationPolicy } from "@pulumi/policy";
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
