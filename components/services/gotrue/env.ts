// GoTrue's environment, pure: (config, gateway URL) -> the env its Deployment gets. What differs
// per release sits in releaseEnv() and apiExternalUrl(); each key is listed in contracts/<tag>.ts.
import * as k8s from "../../k8s";
import { PlatformConfig } from "../../../config";
import { Release } from "../../../releases";
import { SERVICES } from "../../endpoints";
import { plainEnv } from "../../workload";
import { GOTRUE_DB_POOL_SIZE } from "./facts";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Where a provider sends the browser back: GoTrue's callback behind the external gateway. */
export function oauthRedirectUri(gatewayUrl: string): string {
    return `${gatewayUrl}/auth/v1/callback`;
}

/**
 * API_EXTERNAL_URL: GoTrue's own public base. The seed's GoTrue appends its paths to the gateway
 * URL itself; newer ones take the base with /auth/v1 and also use it as the token issuer
 * (upstream changelog 47093; supabase/supabase@1f37f2a9:docker/docker-compose.yml, the auth service).
 */
export function apiExternalUrl(release: Release, gatewayUrl: string): string {
    return release === "seed" ? gatewayUrl : `${gatewayUrl}/auth/v1`;
}

/** What a release adds: the issuer of its tokens (GOTRUE_JWT_KEYS comes from the Secret). */
function releaseEnv(release: Release, gatewayUrl: string): Record<string, string> {
    if (release === "seed") return {};
    // `iss` of every token and the base of /.well-known/openid-configuration (supabase/auth@v2.196.0).
    return { GOTRUE_JWT_ISSUER: apiExternalUrl(release, gatewayUrl) };
}

/**
 * Where GoTrue's mail links land. GoTrue builds every link (the mails it sends and the ones
 * `POST /admin/generate_link` returns, with or without SMTP) as
 * `externalURL.ResolveReference(path)`, externalURL being API_EXTERNAL_URL
 * (supabase/auth@v2.132.3:internal/mailer/template.go:349, @v2.196.0:
 * internal/mailer/templatemailer/templatemailer.go:421). Its default path is `/verify`
 * (v2.132.3:internal/conf/configuration.go:596-609, v2.196.0:1155-1168): absolute, so it replaces
 * the base's path, and the link is `<apiUrl>/verify`, which the gateway routes to no service of
 * GoTrue's. `/auth/v1/verify` is the gateway's open route to GoTrue's /verify
 * (components/services/kong/declarative-config.ts, auth-v1-open), whatever API_EXTERNAL_URL's path is. Only these four
 * are read at either tag (magic links use Recovery's path); the contracts list the keys.
 */
export const MAILER_URL_PATHS: Record<string, string> = {
    GOTRUE_MAILER_URLPATHS_INVITE: "/auth/v1/verify",
    GOTRUE_MAILER_URLPATHS_CONFIRMATION: "/auth/v1/verify",
    GOTRUE_MAILER_URLPATHS_RECOVERY: "/auth/v1/verify",
    GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE: "/auth/v1/verify",
};

/** The non-secret environment; secrets are added from the gotrue Secret by the component. */
export function gotrueEnv(config: PlatformConfig, gatewayUrl: string): EnvVar[] {
    const { auth } = config;
    const env: Record<string, string> = {
        GOTRUE_API_HOST: "0.0.0.0",
        GOTRUE_API_PORT: String(SERVICES.gotrue.port),
        API_EXTERNAL_URL: apiExternalUrl(config.release, gatewayUrl),
        ...releaseEnv(config.release, gatewayUrl),
        GOTRUE_DB_DRIVER: "postgres",
        GOTRUE_DB_MAX_POOL_SIZE: String(GOTRUE_DB_POOL_SIZE),
        GOTRUE_SITE_URL: auth.siteUrl,
        GOTRUE_URI_ALLOW_LIST: auth.additionalRedirectUrls.join(","),
        GOTRUE_DISABLE_SIGNUP: String(auth.disableSignup),
        GOTRUE_JWT_ADMIN_ROLES: "service_role",
        GOTRUE_JWT_AUD: "authenticated",
        GOTRUE_JWT_DEFAULT_GROUP_NAME: "authenticated",
        GOTRUE_JWT_EXP: String(config.keys.jwtExpirySeconds),
        GOTRUE_EXTERNAL_EMAIL_ENABLED: "true",
        GOTRUE_MAILER_AUTOCONFIRM: String(auth.enableEmailAutoconfirm),
        // Set with or without SMTP: generate_link and invites build links either way.
        ...MAILER_URL_PATHS,
        // No SMS provider is configurable, so phone sign-up would only produce unverifiable users.
        GOTRUE_EXTERNAL_PHONE_ENABLED: "false",
        GOTRUE_SMS_AUTOCONFIRM: "false",
    };
    if (auth.smtp) {
        Object.assign(env, {
            GOTRUE_SMTP_HOST: auth.smtp.host,
            GOTRUE_SMTP_PORT: String(auth.smtp.port),
            GOTRUE_SMTP_USER: auth.smtp.user,
            GOTRUE_SMTP_ADMIN_EMAIL: auth.smtp.adminEmail,
            GOTRUE_SMTP_SENDER_NAME: auth.smtp.senderName,
        });
    }
    for (const { provider, clientId } of auth.oauth) {
        const prefix = `GOTRUE_EXTERNAL_${provider.toUpperCase()}`;
        env[`${prefix}_ENABLED`] = "true";
        env[`${prefix}_CLIENT_ID`] = clientId;
        env[`${prefix}_REDIRECT_URI`] = oauthRedirectUri(gatewayUrl);
    }
    return plainEnv(env);
}
