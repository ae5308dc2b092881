// Kong's TLS settings for one Kong tag, rendered from that tag's TLS contract
// (contracts/tls-<tag>.ts): the proxy listeners, the certificate pair, the HSTS header and the
// route fields that redirect HTTP to HTTPS. Pure: the caller wires them into the Deployment, the
// declarative config and the Services.
import { KongTlsContract } from "./contracts/tls-types";
import { KONG_TLS_2_8_1 } from "./contracts/tls-2.8.1";
import { KONG_TLS_3_9_3 } from "./contracts/tls-3.9.3";

/** The contracts by Kong tag (the tag of the release's kong image). */
export const KONG_TLS_CONTRACTS: Record<string, KongTlsContract> = {
    [KONG_TLS_2_8_1.kongTag]: KONG_TLS_2_8_1,
    [KONG_TLS_3_9_3.kongTag]: KONG_TLS_3_9_3,
};

/** Where the certificate Secret is mounted in Kong's container (beside /etc/kong/declarative). */
export const KONG_TLS_DIR = "/etc/kong/tls";

export interface KongTlsOptions {
    /** Absolute path of the PEM certificate chain inside the container. */
    certPath: string;
    /** Absolute path of the PEM private key inside the container. */
    keyPath: string;
    /** HSTS max-age in seconds (0 tells browsers to forget an earlier HSTS). */
    hstsMaxAge: number;
    /** Add `includeSubDomains` to the HSTS header (default false: other hosts of the domain are not ours). */
    hstsIncludeSubDomains?: boolean;
    /** Status of the HTTP-to-HTTPS redirect; default 308, which keeps the method and body (301/302 turn a POST into a GET). */
    redirectStatus?: number;
    /** Container ports of the plain and the TLS listener; default the tag's own (8000, 8443). */
    httpPort?: number;
    httpsPort?: number;
}

export interface KongTlsSettings {
    /** Variables for Kong's container. */
    env: Record<string, string>;
    /** The container ports the listeners take: a LoadBalancer maps 80 to `http` and 443 to `https`. */
    ports: { http: number; https: number };
    /** Fields for every route of the declarative config that must be reached over HTTPS only. */
    route: { protocols: string[]; https_redirect_status_code: number };
    /** The Strict-Transport-Security value the responses carry. */
    hsts: string;
    contract: KongTlsContract;
}

export function kongTlsContract(kongTag: string): KongTlsContract {
    const contract = KONG_TLS_CONTRACTS[kongTag];
    if (!contract) {
        throw new Error(`kong tag '${kongTag}': no Kong TLS contract for it; known tags: ${Object.keys(KONG_TLS_CONTRACTS).join(", ")} (add components/services/kong/contracts/tls-${kongTag}.ts read at Kong/kong@${kongTag})`);
    }
    return contract;
}

function checkPath(key: string, value: string, contract: KongTlsContract): void {
    if (!value.startsWith("/")) throw new Error(`${key} '${value}': give an absolute path inside the container, e.g. ${KONG_TLS_DIR}/tls.crt`);
    // Kong splits KONG_SSL_CERT and KONG_SSL_CERT_KEY on commas (a list of pairs) and trims each item.
    if (contract.certificate.commaList && value.includes(",")) throw new Error(`${key} '${value}': Kong ${contract.kongTag} reads this variable as a comma-separated list, so a path cannot hold a comma; rename the file`);
    if (value !== value.trim() || /\s/.test(value)) throw new Error(`${key} '${value}': Kong trims list items, so a path cannot hold spaces; rename the file`);
}

function checkPort(key: string, value: number): void {
    if (!Number.isInteger(value) || value < 1024 || value > 65535) throw new Error(`${key} ${value}: give an unprivileged port (1024-65535); Kong runs as a non-root user`);
}

export function kongTls(kongTag: string, options: KongTlsOptions): KongTlsSettings {
    const contract = kongTlsContract(kongTag);
    checkPath("certPath", options.certPath, contract);
    checkPath("keyPath", options.keyPath, contract);
    if (options.certPath === options.keyPath) throw new Error(`certPath and keyPath are both '${options.certPath}': give the certificate and the key as two files (tls.crt, tls.key)`);
    if (!Number.isInteger(options.hstsMaxAge) || options.hstsMaxAge < 0) {
        throw new Error(`hstsMaxAge ${options.hstsMaxAge}: give a whole number of seconds >= 0 (31536000 is one year; 0 withdraws HSTS)`);
    }
    const redirectStatus = options.redirectStatus ?? 308;
    if (!contract.redirect.allowed.includes(redirectStatus) || redirectStatus === 426) {
        const redirects = contract.redirect.allowed.filter((s) => s !== 426);
        throw new Error(`redirectStatus ${redirectStatus}: Kong ${kongTag} redirects with one of ${redirects.join(", ")} (426 refuses instead of redirecting); 308 keeps the method`);
    }
    const http = options.httpPort ?? contract.listener.defaultPlainPort;
    const https = options.httpsPort ?? contract.listener.defaultTlsPort;
    checkPort("httpPort", http);
    checkPort("httpsPort", https);
    if (http === https) throw new Error(`httpPort and httpsPort are both ${http}: give the plain and the TLS listener different ports`);

    const hsts = `max-age=${options.hstsMaxAge}${options.hstsIncludeSubDomains ? "; includeSubDomains" : ""}`;
    return {
        env: {
            // The plain listener stays: it answers with the redirect (routes are https-only).
            [contract.listener.env]: `0.0.0.0:${http}, 0.0.0.0:${https} ${contract.listener.http2Flag} ${contract.listener.sslFlag}`,
            [contract.certificate.certEnv]: options.certPath,
            [contract.certificate.keyEnv]: options.keyPath,
            // `add_header ... always` in the proxy server block: on every response, Kong's own errors included.
            [contract.hsts.env]: `Strict-Transport-Security "${hsts}" always`,
        },
        ports: { http, https },
        route: { protocols: [...contract.redirect.protocols], https_redirect_status_code: redirectStatus },
        hsts,
        contract,
    };
}

/**
 * The Secret volume and mount for Kong's container: the kubernetes.io/tls Secret's tls.crt and
 * tls.key as files in KONG_TLS_DIR (a whole-directory mount, never subPath, so the kubelet
 * replaces the files when the Secret changes), readable by Kong's non-root user.
 */
export function kongTlsVolume(secretName: string, volumeName = "kong-tls") {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(secretName) || secretName.length > 253) {
        throw new Error(`tls secret name '${secretName}': give a Kubernetes object name (lower-case letters, digits, '-', '.')`);
    }
    return {
        volume: { name: volumeName, secret: { secretName, items: [{ key: "tls.crt", path: "tls.crt" }, { key: "tls.key", path: "tls.key" }], defaultMode: 0o444 } },
        volumeMount: { name: volumeName, mountPath: KONG_TLS_DIR, readOnly: true },
        certPath: `${KONG_TLS_DIR}/tls.crt`,
        keyPath: `${KONG_TLS_DIR}/tls.key`,
    };
}
