// How an app repo reads the platform: a StackReference to the platform stack of the same
// environment, every output typed by the platform's PlatformOutputs. platform-outputs.ts is a copy
// of the platform repository's outputs.ts (it imports nothing); take a new copy when the platform
// changes its outputs, and a renamed output breaks this file's type check, which is the point.
import * as pulumi from "@pulumi/pulumi";
import type { AppOutput, PlatformOutputs } from "./platform-outputs";

/** `<org>/supabase-platform/<stack>`: the platform stack an app stack reads. */
export function platformStackName(org: string, stack: string): string {
    return `${org}/supabase-platform/${stack}`;
}

/** One platform output, typed; fails the app's deployment if the platform does not export it. */
export function platformOutput<K extends keyof PlatformOutputs>(ref: pulumi.StackReference, key: K): pulumi.Output<PlatformOutputs[K]> {
    return ref.requireOutput(key) as pulumi.Output<PlatformOutputs[K]>;
}

export interface AppPlatform {
    apiUrl: pulumi.Output<string>;
    anonKey: pulumi.Output<string>;
    /** The app's schema and PostgREST profile headers. */
    app: pulumi.Output<AppOutput>;
}

/** The app's entry of the `apps` output; a missing app is a configuration error worth a clear message. */
export function selectApp(apps: PlatformOutputs["apps"], appName: string): AppOutput {
    const app = apps[appName];
    if (!app) throw new Error(`the platform hosts no app "${appName}"; add it to the platform's \`apps\` config (docs/runbooks/add-an-app.md)`);
    return app;
}

/** Reads what a front end of `appName` needs; only public values (no service_role key). */
export function readPlatform(ref: pulumi.StackReference, appName: string): AppPlatform {
    const apps = platformOutput(ref, "apps");
    return {
        apiUrl: platformOutput(ref, "apiUrl"),
        anonKey: platformOutput(ref, "anonKey"),
        app: apps.apply((all) => selectApp(all, appName)),
    };
}
