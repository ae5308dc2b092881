// The shape of Kong's TLS contract at one Kong tag: how the proxy's TLS listener takes a
// certificate, how a response header such as HSTS can be added, and how a route redirects HTTP to
// HTTPS. Data only, each fact read from Kong/kong at that tag; components/services/kong/tls.ts
// renders from it and tests/kong-tls.test.ts holds the rendering to it.
import { SourceRef } from "../../contract-types";

export interface KongTlsContract {
    /** The Kong tag the facts were read at (Kong/kong), e.g. "2.8.1". */
    kongTag: string;
    listener: {
        /** The property that declares the proxy's listeners, as its variable. */
        env: "KONG_PROXY_LISTEN";
        /** Its default at this tag. */
        default: string;
        /** The listener flag that turns TLS on for that address (also what makes Kong require a certificate). */
        sslFlag: string;
        /** The flag that turns HTTP/2 on. */
        http2Flag: string;
        /** How HTTP/2 reaches nginx: kept on the `listen` line, or moved to a server-wide `http2 on;`. */
        http2Rendering: "listen-flag" | "server-directive";
        /** Port of the default TLS listener. */
        defaultTlsPort: number;
        /** Port of the default plain listener. */
        defaultPlainPort: number;
        sources: SourceRef[];
    };
    certificate: {
        certEnv: "KONG_SSL_CERT";
        keyEnv: "KONG_SSL_CERT_KEY";
        /** Both are arrays split on "," with each item trimmed: several pairs, matched by position. */
        commaList: boolean;
        /** What an item may be: a file path only, or also the PEM (or base64 of it) inline. */
        accepts: ("path" | "pem" | "base64-pem")[];
        /** A path item must exist when Kong starts, else Kong refuses the configuration. */
        pathMustExist: boolean;
        /** The counts of certificates and keys must be equal. */
        countsMustMatch: boolean;
        /**
         * When Kong reads the files: nginx's ssl_certificate and Kong's own default certificate
         * (runloop/certificate.lua init(), from Kong.init, the init_by_lua phase) are both loaded at
         * start and at an nginx reload, never while running.
         */
        readAt: "start-or-reload";
        /** Without a certificate, a TLS listener serves Kong's self-generated default one from the prefix's ssl/. */
        selfSignedDefaultWithout: boolean;
        sources: SourceRef[];
    };
    hsts: {
        /** Kong's `headers` property lists only Kong's own headers; it has no HSTS value. */
        headersPropertyHasHsts: false;
        /** The mechanism used: an injected nginx directive in the proxy server block. */
        envPrefix: "KONG_NGINX_PROXY_";
        /** KONG_NGINX_PROXY_<DIRECTIVE>: the lower-cased remainder is the nginx directive's name. */
        env: "KONG_NGINX_PROXY_ADD_HEADER";
        directive: "add_header";
        /** Rendered as `<directive> <value>;` inside `server { server_name kong; ... }`. */
        renderedInProxyServer: boolean;
        /** No location of the proxy server declares add_header itself, so the server-level one is inherited everywhere. */
        noLocationAddHeader: boolean;
        /** OpenResty (nginx) version at this tag; `always` (add the header on every status) needs nginx >= 1.7.5. */
        openresty: string;
        sources: SourceRef[];
    };
    redirect: {
        field: "https_redirect_status_code";
        allowed: number[];
        default: number;
        /** The redirect happens only on a route whose protocols hold "https" and not "http". */
        protocols: string[];
        /** Where the redirect points: "https://" .. forwarded host .. request URI: no port. */
        locationHasNoPort: boolean;
        /** X-Forwarded-Proto counts only from addresses in this property (else the connection's scheme). */
        forwardedProtoTrustedFrom: "KONG_TRUSTED_IPS";
        trustedIpsDefault: string;
        sources: SourceRef[];
    };
}
