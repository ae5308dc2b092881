// storage-api's environment, pure: the configured backend, the release's differences, and whether
// its tag carries the RLS check on object moves.
import * as k8s from "../../k8s";
import { Release } from "../../../releases";
import { FILE_BACKEND_PATH, STORAGE_DB_POOL, STORAGE_MOVE_FIXED_IN } from "./facts";
import { SERVICES } from "../../endpoints";
import { PlatformConfig, imageTag } from "../../../config";
import { IMGPROXY_LOCAL_URL } from "../imgproxy/facts";
import { plainEnv } from "../../workload";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** `v0.43.11` → [0, 43, 11]; undefined for a tag that is not a release version. */
export function storageVersion(image: string): [number, number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:$|[-+])/.exec(imageTag(image) ?? "");
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True unless the image is known to carry the upstream fix: an unreadable tag counts as affected. */
export function storageMoveUnsafe(image: string): boolean {
    const v = storageVersion(image);
    if (!v) return true;
    for (let i = 0; i < 3; i++) if (v[i] !== STORAGE_MOVE_FIXED_IN[i]) return v[i] < STORAGE_MOVE_FIXED_IN[i];
    return false;
}

/** The non-secret environment of storage-api for the configured backend. */
export function storageEnv(config: PlatformConfig): EnvVar[] {
    const { storageApi } = config;
    // No POSTGREST_URL: v0.43.11 queries the database itself and reads no such variable.
    const env: Record<string, string> = {
        FILE_SIZE_LIMIT: String(storageApi.fileSizeLimit),
        STORAGE_BACKEND: storageApi.backend,
        TENANT_ID: "stub",
        DATABASE_MAX_CONNECTIONS: String(STORAGE_DB_POOL),
        ENABLE_IMAGE_TRANSFORMATION: "true",
        IMGPROXY_URL: IMGPROXY_LOCAL_URL,
        PORT: String(SERVICES.storage.port),
    };
    if (storageApi.s3) {
        const s3 = storageApi.s3;
        env.GLOBAL_S3_BUCKET = s3.bucket;
        env.REGION = s3.region;
        if (s3.endpoint) {
            env.GLOBAL_S3_ENDPOINT = s3.endpoint;
            // v1 reads the scheme from the endpoint URL and no longer reads GLOBAL_S3_PROTOCOL
            // (supabase/storage@v1.70.6:src/config.ts; contracts/v1.74.0.ts).
            if (config.release === "seed") env.GLOBAL_S3_PROTOCOL = new URL(s3.endpoint).protocol.replace(":", "");
        }
        // Only "true" counts (src/config.ts:119); set either way so the manifest says which.
        env.GLOBAL_S3_FORCE_PATH_STYLE = String(s3.forcePathStyle);
    } else {
        env.FILE_STORAGE_BACKEND_PATH = FILE_BACKEND_PATH;
        // With the file backend the "bucket" is a directory under the path; names as in compose.
        env.GLOBAL_S3_BUCKET = "stub";
        env.REGION = "stub";
    }
    Object.assign(env, releaseEnv(config.release));
    return plainEnv(env);
}

/**
 * What storage-api v1 adds. Its S3-compatible endpoint is on unless turned off and would answer
 * for any request signed with S3_PROTOCOL_* keys, which the program does not issue: off, so no
 * second way into the buckets exists beside the JWT-checked API.
 */
function releaseEnv(release: Release): Record<string, string> {
    if (release === "seed") return {};
    return { S3_PROTOCOL_ENABLED: "false" };
}
