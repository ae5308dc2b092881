// Kong's TLS contract at Kong/kong@2.8.1 (the seed release's kong:2.8.1): the proxy's TLS listener
// and certificate, the HSTS header through an injected nginx directive, and the route-level
// HTTP-to-HTTPS redirect. Read at the tag; line numbers are that tag's.
import { SourceRef } from "../../contract-types";
import { KongTlsContract } from "./tls-types";

const KONG = (path: string, line?: number): SourceRef => ({ repo: "Kong/kong", tag: "2.8.1", path, line });
const DEFAULTS = "kong/templates/kong_defaults.lua";
const CONF_LOADER = "kong/conf_loader/init.lua";
const TEMPLATE = "kong/templates/nginx_kong.lua";
const HANDLER = "kong/runloop/handler.lua";
const ROUTES = "kong/db/schema/entities/routes.lua";

export const KONG_TLS_2_8_1: KongTlsContract = {
    kongTag: "2.8.1",
    listener: {
        env: "KONG_PROXY_LISTEN",
        default: "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384",
        sslFlag: "ssl",
        http2Flag: "http2",
        // listeners.lua keeps every flag on the listener string; nginx_kong.lua:117-119 writes it as `listen ...;`.
        http2Rendering: "listen-flag",
        defaultTlsPort: 8443,
        defaultPlainPort: 8000,
        sources: [KONG(DEFAULTS, 20), KONG("kong/conf_loader/listeners.lua", 12), KONG("kong/conf_loader/listeners.lua", 70), KONG(TEMPLATE, 117), KONG(CONF_LOADER, 837)],
    },
    certificate: {
        certEnv: "KONG_SSL_CERT",
        keyEnv: "KONG_SSL_CERT_KEY",
        commaList: true,
        accepts: ["path"],
        pathMustExist: true,
        countsMustMatch: true,
        readAt: "start-or-reload",
        selfSignedDefaultWithout: true,
        sources: [
            KONG(DEFAULTS, 36), KONG(DEFAULTS, 37),
            KONG(CONF_LOADER, 319), // ssl_cert = { typ = "array" }, ssl_cert_key likewise (:320)
            KONG(CONF_LOADER, 723), // arrays: split on ",", each item stripped (:723-731)
            KONG(CONF_LOADER, 852), // counts must match (:852-860)
            KONG(CONF_LOADER, 863), // "ssl_cert: no such file at ..." (:863-876): paths only
            KONG(TEMPLATE, 128), // ssl_certificate / ssl_certificate_key per pair (:128-131)
            KONG("kong/runloop/certificate.lua", 186), // default cert read from ssl_cert[1] in init()
            KONG("kong/init.lua", 531), // certificate.init() from Kong.init (init_by_lua: start, reload)
            KONG("kong/cmd/utils/prefix_handler.lua", 88), // gen_default_ssl_cert when none is given
        ],
    },
    hsts: {
        headersPropertyHasHsts: false,
        envPrefix: "KONG_NGINX_PROXY_",
        env: "KONG_NGINX_PROXY_ADD_HEADER",
        directive: "add_header",
        renderedInProxyServer: true,
        noLocationAddHeader: true,
        openresty: "1.19.9.1",
        sources: [
            KONG(DEFAULTS, 52), // headers = server_tokens, latency_tokens
            KONG(CONF_LOADER, 143), // injected_conf_name nginx_proxy_directives, prefix nginx_proxy_
            KONG(CONF_LOADER, 1424), // every KONG_* variable is listed (env.read_all, :1424-1433) and matched against the namespaces
            KONG(CONF_LOADER, 1205), // directive = the key after the prefix (:1199-1208)
            KONG(TEMPLATE, 138), // "# injected nginx_proxy_* directives": `$(el.name) $(el.value);` (:138-141)
            KONG(TEMPLATE, 166), // the proxy server's locations (:166-376) declare no add_header
            KONG(".requirements", 5), // RESTY_VERSION=1.19.9.1
        ],
    },
    redirect: {
        field: "https_redirect_status_code",
        allowed: [426, 301, 302, 307, 308],
        default: 426,
        protocols: ["https"],
        locationHasNoPort: true,
        forwardedProtoTrustedFrom: "KONG_TRUSTED_IPS",
        trustedIpsDefault: "NONE",
        sources: [
            KONG(ROUTES, 16), // protocols: set, default { "http", "https" }, subsets { "http", "https" } (:16-27)
            KONG(ROUTES, 41), // https_redirect_status_code: one_of 426, 301, 302, 307, 308; default 426 (:41-44)
            KONG(HANDLER, 1340), // https-only route reached without https: 426, or a redirect (:1340-1360)
            KONG(HANDLER, 1357), // Location = "https://" .. forwarded_host .. ctx.request_uri
            KONG(HANDLER, 1313), // X-Forwarded-Proto read only from a trusted IP (:1313-1323)
            KONG(DEFAULTS, 53), // trusted_ips = NONE
        ],
    },
};
