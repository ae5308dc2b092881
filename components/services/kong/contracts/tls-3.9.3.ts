// Kong's TLS contract at Kong/kong@3.9.3 (the v0.8.2 release's kong/kong:3.9.3): as at 2.8.1,
// except that KONG_SSL_CERT / KONG_SSL_CERT_KEY items may also be the PEM (or its base64) inline,
// and HTTP/2 is rendered as a server-wide `http2 on;`. Read at the tag; line numbers are that tag's.
import { SourceRef } from "../../contract-types";
import { KongTlsContract } from "./tls-types";

const KONG = (path: string, line?: number): SourceRef => ({ repo: "Kong/kong", tag: "3.9.3", path, line });
const DEFAULTS = "kong/templates/kong_defaults.lua";
const PARSE = "kong/conf_loader/parse.lua";
const CONSTANTS = "kong/conf_loader/constants.lua";
const TEMPLATE = "kong/templates/nginx_kong.lua";
const HANDLER = "kong/runloop/handler.lua";
const ROUTES = "kong/db/schema/entities/routes.lua";

export const KONG_TLS_3_9_3: KongTlsContract = {
    kongTag: "3.9.3",
    listener: {
        env: "KONG_PROXY_LISTEN",
        default: "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384",
        sslFlag: "ssl",
        http2Flag: "http2",
        // listeners.lua:66-67 drops "http2" from the listen line (deprecated since nginx 1.25.1);
        // nginx_kong.lua:93-98 writes `http2 on;` once for the server when any listener has it.
        http2Rendering: "server-directive",
        defaultTlsPort: 8443,
        defaultPlainPort: 8000,
        sources: [KONG(DEFAULTS, 27), KONG("kong/conf_loader/listeners.lua", 17), KONG("kong/conf_loader/listeners.lua", 66), KONG(TEMPLATE, 93), KONG(PARSE, 317)],
    },
    certificate: {
        certEnv: "KONG_SSL_CERT",
        keyEnv: "KONG_SSL_CERT_KEY",
        commaList: true,
        accepts: ["path", "pem", "base64-pem"],
        pathMustExist: false,
        countsMustMatch: true,
        readAt: "start-or-reload",
        selfSignedDefaultWithout: true,
        sources: [
            KONG(DEFAULTS, 52), KONG(DEFAULTS, 53),
            KONG(CONSTANTS, 279), // ssl_cert = { typ = "array" }, ssl_cert_key likewise (:280)
            KONG(PARSE, 91), // arrays: split on ",", each item stripped (:91-98)
            KONG(PARSE, 332), // counts must match (:332-340)
            KONG(PARSE, 343), // an item that is no file is decoded from base64 if it is, then parsed as PEM (:343-368)
            KONG(TEMPLATE, 121), // ssl_certificate / ssl_certificate_key per pair (:121-124)
            KONG("kong/runloop/certificate.lua", 245), // default cert read from ssl_cert[1] in init() (:245-252)
            KONG("kong/init.lua", 687), // certificate.init() from Kong.init (init_by_lua: start, reload)
            KONG("kong/cmd/utils/prefix_handler.lua", 103), // gen_default_ssl_cert when none is given
        ],
    },
    hsts: {
        headersPropertyHasHsts: false,
        envPrefix: "KONG_NGINX_PROXY_",
        env: "KONG_NGINX_PROXY_ADD_HEADER",
        directive: "add_header",
        renderedInProxyServer: true,
        noLocationAddHeader: true,
        openresty: "1.25.3.2",
        sources: [
            KONG(DEFAULTS, 71), // headers = server_tokens, latency_tokens, x-kong-request-id
            KONG(CONSTANTS, 141), // injected_conf_name nginx_proxy_directives, prefix nginx_proxy_
            KONG("kong/conf_loader/init.lua", 313), // every KONG_* variable is listed (env.read_all, :313-322)
            KONG(PARSE, 950), // directive = the key after the prefix (:944-953)
            KONG(TEMPLATE, 134), // "# injected nginx_proxy_* directives": `$(el.name) $(el.value);` (:134-137)
            KONG(TEMPLATE, 162), // the proxy server's locations (:162-410) declare no add_header
            KONG(".requirements", 3), // OPENRESTY=1.25.3.2
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
            KONG(ROUTES, 154), // protocols: set, default { "http", "https" } (:154-166)
            KONG(ROUTES, 168), // https_redirect_status_code: one_of 426, 301, 302, 307, 308; default 426 (:168-172)
            KONG(HANDLER, 1261), // https-only route reached without https: 426, or a redirect (:1261-1281)
            KONG(HANDLER, 1278), // Location = "https://" .. forwarded_host .. ctx.request_uri
            KONG(HANDLER, 1234), // X-Forwarded-Proto read only from a trusted IP (:1234-1245)
            KONG(DEFAULTS, 73), // trusted_ips = NONE
        ],
    },
};
