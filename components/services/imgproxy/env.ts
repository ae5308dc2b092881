// imgproxy's environment, pure, per release.
import * as k8s from "../../k8s";
import { Release } from "../../../releases";
import { plainEnv } from "../../workload";
import { IMGPROXY_LOOPBACK, IMGPROXY_PORT } from "./facts";

/** imgproxy's env; v3.31 renamed WebP detection (IMGPROXY_ENABLE_WEBP_DETECTION is deprecated there). */
export function imgproxyEnv(release: Release): k8s.types.input.core.v1.EnvVar[] {
    return plainEnv({
        // Loopback only: imgproxy is unauthenticated and can read the whole volume.
        IMGPROXY_BIND: `${IMGPROXY_LOOPBACK}:${IMGPROXY_PORT}`,
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: "/",
        IMGPROXY_USE_ETAG: "true",
        ...(release === "seed" ? { IMGPROXY_ENABLE_WEBP_DETECTION: "true" } : { IMGPROXY_AUTO_WEBP: "true" }),
    });
}
