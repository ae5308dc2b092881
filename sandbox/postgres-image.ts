// PostgreSQL as a release's supabase/postgres image makes it, for the sandbox and the tests:
// which image and major a release runs, whether its upstream scripts are readable here, and the
// bootstrap itself (image-bootstrap.ts) plus, on request, Realtime's tenant schema.
//
// What the image gives that the services' own migrations do not: roles (with `postgres` demoted
// and `supabase_admin` the superuser, on both images: see the demote migration), the auth,
// storage, realtime, extensions and graphql_public schemas, the supabase_realtime publication.
// GoTrue's and Storage's tables and functions beyond the image's are the services' migrations,
// not replayed here.
import { Client } from "pg";
import { Release, RELEASES, repositoryAndTag } from "../releases";
import { locateSource } from "../tools/sources";
import { ImageBootstrapResult, ImageRole, replayImage } from "./image-bootstrap";
import { PostgresImage, PostgresImageSource, POSTGRES_IMAGE_SOURCES, postgresImageRequest, REALTIME_SOURCE, realtimeRequest } from "./image-sources";
import { replayRealtimeTenant } from "./realtime-tenant";

export { ImageBootstrapResult } from "./image-bootstrap";

/** The image source a release's postgres image is replayed from. */
export function imageSourceFor(release: Release): PostgresImageSource {
    const tag = repositoryAndTag(RELEASES[release].images.postgres).tag as PostgresImage;
    const source = POSTGRES_IMAGE_SOURCES[tag];
    if (!source) throw new Error(`no replay source recorded for supabase/postgres:${tag} (release ${release}); add it to sandbox/image-sources.ts`);
    return source;
}

export type ImageSourcesStatus =
    | { available: true; postgresDir: string; realtimeDir: string }
    | { available: false; missing: string };

/**
 * Whether the image's scripts (and Realtime's tenant schema) for `release` are readable here.
 * When not, `missing` is the one line to print: what, which repository and ref, which command.
 */
export function imageSourcesStatus(release: Release, env: NodeJS.ProcessEnv = process.env): ImageSourcesStatus {
    const source = imageSourceFor(release);
    const postgres = locateSource(postgresImageRequest(source), env);
    if ("missing" in postgres) return { available: false, missing: postgres.missing };
    const realtime = locateSource(realtimeRequest(), env);
    if ("missing" in realtime) return { available: false, missing: realtime.missing };
    return { available: true, postgresDir: postgres.dir, realtimeDir: realtime.dir };
}

/** For the engine tier and the tests: true when `release` bootstraps from the image's own scripts here. */
export function realImageBootstrapAvailable(release: Release, env: NodeJS.ProcessEnv = process.env): boolean {
    return imageSourcesStatus(release, env).available;
}

export interface ImageBootstrapOptions {
    release: Release;
    /** POSTGRES_PASSWORD: supabase_admin's and postgres's password after the bootstrap. */
    password: string;
    /** A session as one of the image's roles (trust on loopback or the socket is enough). */
    connect: (role: ImageRole) => Promise<Client>;
    /** Also create Realtime's tenant schema as the running service would (its own migrations, not the image's). */
    realtime?: boolean;
    env?: NodeJS.ProcessEnv;
}

export interface ImageBootstrap extends ImageBootstrapResult {
    /** Set when Realtime's tenant schema was created: the Realtime ref replayed. */
    realtimeRef?: string;
}

/** Bootstraps a fresh cluster from the image's scripts; throws the one missing line when they are absent. */
export async function bootstrapFromImage(options: ImageBootstrapOptions): Promise<ImageBootstrap> {
    const status = imageSourcesStatus(options.release, options.env);
    if (!status.available) throw new Error(status.missing);
    const source = imageSourceFor(options.release);
    const result: ImageBootstrap = await replayImage(source, status.postgresDir, options.password, options.connect);
    if (options.realtime) {
        const client = await options.connect("supabase_admin");
        try {
            await replayRealtimeTenant(client, status.realtimeDir, source.major);
        } finally {
            await client.end();
        }
        result.realtimeRef = REALTIME_SOURCE.ref;
    }
    return result;
}
