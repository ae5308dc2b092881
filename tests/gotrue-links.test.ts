// GoTrue's mail links (invite, confirmation, recovery and magic link, email change), as
// `POST /admin/generate_link` returns them and as the mails carry them, resolved the way GoTrue
// resolves them and then routed by the program's gateway: each must reach GoTrue's /verify, on
// every stack and release, with SMTP configured (prod) or not (dev).
import { beforeAll, describe, expect, it } from "vitest";
import { parseKongYaml } from "../components/services/kong/declarative-config";
import { serviceUrl } from "../components/endpoints";
import { RELEASE_NAMES } from "../releases";
import { ProgramRun } from "../offline/engine";
import { stackNames } from "../offline/stack-config";
import { simulateKong } from "./support/kong";
import { findManifest, releaseVariants, runStack } from "./support/program";
import { MAILER_URL_PATHS } from "../components/services/gotrue/env";

const envOf = (run: ProgramRun): Record<string, string> => Object.fromEntries(
    findManifest(run, "Deployment", "gotrue").spec.template.spec.containers[0].env
        .filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

/**
 * The link GoTrue builds: `externalURL.ResolveReference(path)` with the token query
 * (supabase/auth@v2.132.3:internal/mailer/template.go:349; @v2.196.0 templatemailer.go:421).
 * WHATWG URL resolution agrees with Go's ResolveReference for an absolute or relative path.
 */
const goTrueLink = (apiExternalUrl: string, path: string) =>
    new URL(`${path}?token=t0k3n&type=invite&redirect_to=`, apiExternalUrl);

/** GoTrue's defaults when a key is unset (configuration.go:596-609 at v2.132.3, 1155-1168 at v2.196.0). */
const GOTRUE_DEFAULT_PATH = "/verify";

describe.each(releaseVariants(stackNames(), RELEASE_NAMES))("GoTrue's mail links on $label", ({ stack, overrides }) => {
    let run: ProgramRun;
    beforeAll(async () => { run = await runStack(stack, { overrides }); });

    it("sets every mail link path GoTrue reads, whether or not SMTP is configured", () => {
        const env = envOf(run);
        for (const key of Object.keys(MAILER_URL_PATHS)) expect(env[key], key).toBe("/auth/v1/verify");
    });

    it("resolves each link through the gateway's open route to GoTrue's /verify, on the API URL's origin", () => {
        const env = envOf(run);
        const kong = parseKongYaml(findManifest(run, "Secret", "kong-config").stringData["kong.yml"]);
        const apiUrl = new URL(run.outputs.apiUrl.value as string);
        const gotrue = serviceUrl("gotrue", findManifest(run, "Deployment", "gotrue").metadata.namespace!).replace(/\/$/, "");
        for (const key of Object.keys(MAILER_URL_PATHS)) {
            const link = goTrueLink(env.API_EXTERNAL_URL, env[key] ?? GOTRUE_DEFAULT_PATH);
            expect(link.origin, key).toBe(apiUrl.origin);
            // No API key: a mail link is opened by a browser.
            const outcome = simulateKong(kong, { path: link.pathname });
            expect(outcome, `${key} → ${link.href}`).toMatchObject({ status: 200, service: "auth-v1-open" });
            expect(outcome.status === 200 && outcome.upstream).toBe(`${gotrue}/verify`);
        }
    });
});
