// What each kind of value must look like, as strictly as the thing that consumes it will check it.
// A rule takes the value and returns the fix to print, or undefined when the value is fine. Rules
// are pure; config/schema.ts attaches them to keys.
import * as net from "net";

export type Rule<T = string> = (value: T) => string | undefined;

/** The first problem the rules find, in order. */
export function firstProblem<T>(value: T, rules: readonly Rule<T>[]): string | undefined {
    for (const rule of rules) {
        const problem = rule(value);
        if (problem !== undefined) return problem;
    }
    return undefined;
}

/** Allows the empty string ("unset"), else applies the rules. */
export const optional = (...rules: Rule[]): Rule => (value) => (value === "" ? undefined : firstProblem(value, rules));

// --- Kubernetes names and quantities (k8s.io/apimachinery/pkg/util/validation) ---

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const dnsLabel: Rule = (value) =>
    value.length > 63 || !DNS_LABEL.test(value)
        ? "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric, at most 63 characters"
        : undefined;

export const dnsSubdomain: Rule = (value) =>
    value.length > 253 || !DNS_SUBDOMAIN.test(value) || value.split(".").some((l) => l.length > 63)
        ? "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters"
        : undefined;

/**
 * Namespaces the platform must not take over: it creates its namespace (Pod Security labels,
 * NetworkPolicies, deleted on destroy), so an existing system namespace would be adopted or refused.
 */
export const SYSTEM_NAMESPACES = [
    "default", "kube-system", "kube-public", "kube-node-lease", "longhorn-system", "metallb-system",
    "cert-manager", "ingress-nginx", "kube-flannel", "calico-system", "calico-apiserver", "tigera-operator",
    "cattle-system", "local-path-storage", "kubernetes-dashboard", "monitoring", "argocd", "flux-system",
] as const;

export const platformNamespace: Rule = (value) =>
    (SYSTEM_NAMESPACES as readonly string[]).includes(value) || value.startsWith("kube-")
        ? "is a namespace the cluster or another system owns (kube-*, default, longhorn-system, metallb-system, …); the platform creates, labels and deletes its namespace, so give it its own, e.g. supabase"
        : undefined;

/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): a signed decimal number with an
 * optional binary-SI, decimal-SI or exponent suffix.
 */
const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const SUFFIX_FACTOR: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity in base units (bytes, cores), or undefined when it is no quantity. */
export function quantityValue(value: string): number | undefined {
    const m = QUANTITY.exec(value);
    if (!m) return undefined;
    const suffix = m[3] ?? "";
    const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
    return (m[1] === "-" ? -1 : 1) * Number(m[2]) * factor;
}

/** A byte size (volume, memory): a positive quantity of whole bytes, at least `min` bytes. */
export const byteSize = (min: number, minText: string): Rule => (value) => {
    const n = quantityValue(value);
    if (n === undefined || n <= 0) return `must be a positive Kubernetes quantity such as "20Gi" or "512Mi"`;
    if (/m$/.test(value)) return `is in milli-bytes ("m"); a byte size uses Ki, Mi, Gi…, e.g. "512Mi"`;
    if (n < min) return `must be at least ${minText}`;
    return undefined;
};

/** A CPU amount: a positive quantity, at least 1m (Kubernetes' smallest CPU unit). */
export const cpuQuantity: Rule = (value) => {
    const n = quantityValue(value);
    if (n === undefined || n <= 0) return `must be a positive Kubernetes quantity such as "1", "500m" or "2"`;
    if (n < 1e-3) return `must be at least 1m (Kubernetes' smallest CPU unit)`;
    return undefined;
};

// --- Images (OCI distribution spec: github.com/distribution/reference) ---

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*";
const REFERENCE = new RegExp(
    `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);

export interface ImageReference {
    /** Registry host (and port) when the first component names one. */
    domain?: string;
    path: string;
    tag?: string;
    digest?: string;
}

/** Parses `[domain/]path[:tag][@digest]` by the distribution grammar; undefined when it does not match. */
export function parseImageReference(image: string): ImageReference | undefined {
    const m = REFERENCE.exec(image);
    if (!m) return undefined;
    let domain: string | undefined = m[1];
    let path = m[2];
    // Without a '.', ':' or "localhost" the first component is part of the path (Docker Hub).
    if (domain !== undefined && !/[.:]/.test(domain) && domain !== "localhost" && !/[A-Z]/.test(domain)) {
        path = `${domain}/${path}`;
        domain = undefined;
    }
    return { domain, path, tag: m[3], digest: m[4] };
}

/** Splits `registry/repo:tag@digest`; the tag is what follows the last ':' after the last '/'. */
export function imageTag(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

/** An image reference the container runtime can pull, pinned by a tag other than latest or by a digest. */
export const pinnedImage = (example: string): Rule => (value) => {
    const ref = parseImageReference(value);
    if (!ref) {
        return `is not an image reference the container runtime can pull ([registry[:port]/]path[:tag][@sha256:digest], path in lower case); e.g. ${example}`;
    }
    if (value.length > 255 + 129 + 72) return `is too long for an image reference; e.g. ${example}`;
    if ((ref.domain ? ref.domain.length + 1 : 0) + ref.path.length > 255) return `has a repository name over 255 characters; e.g. ${example}`;
    if (ref.digest) {
        const [algorithm, hex] = ref.digest.split(":");
        if (algorithm === "sha256" && !/^[a-f0-9]{64}$/.test(hex)) return `has a sha256 digest that is not 64 lower-case hex digits; e.g. ${example}`;
        if (algorithm === "sha512" && !/^[a-f0-9]{128}$/.test(hex)) return `has a sha512 digest that is not 128 lower-case hex digits; e.g. ${example}`;
        if (algorithm !== "sha256" && algorithm !== "sha512") return `has a digest algorithm (${algorithm}) registries do not serve; use sha256`;
    }
    if (ref.tag === undefined && ref.digest === undefined) return `has no tag; pin a version, e.g. ${example}`;
    if (ref.tag?.toLowerCase() === "latest" && ref.digest === undefined) return `uses "latest", which changes under you; pin a version, e.g. ${example}`;
    return undefined;
};

// --- Cron schedules (Kubernetes CronJob: robfig/cron ParseStandard; Longhorn RecurringJobs likewise) ---

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const CRON_FIELDS: { name: string; min: number; max: number; names?: string[]; nameBase?: number }[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
    { name: "day of week", min: 0, max: 6, names: DAY_NAMES, nameBase: 0 },
];

function cronFieldProblem(text: string, field: (typeof CRON_FIELDS)[number]): string | undefined {
    const number = (s: string): number | undefined => {
        if (/^[0-9]+$/.test(s)) return Number(s);
        const i = field.names?.indexOf(s.toLowerCase()) ?? -1;
        return i === -1 ? undefined : i + (field.nameBase ?? 0);
    };
    const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0].toUpperCase()}-${field.names[field.names.length - 1].toUpperCase()}` : ""}`;
    for (const part of text.split(",")) {
        const [span, step, ...extra] = part.split("/");
        if (extra.length > 0 || span === "") return `${field.name} "${part}" is not a value, range or step`;
        if (step !== undefined && (!/^[0-9]+$/.test(step) || Number(step) === 0)) return `${field.name} "${part}" has a step that is not a positive number`;
        if (span === "*" || span === "?") continue;
        const [from, to, ...more] = span.split("-");
        const lo = number(from);
        const hi = to === undefined ? lo : number(to);
        if (more.length > 0 || lo === undefined || hi === undefined) return `${field.name} "${part}" is not a number in ${range}`;
        if (lo < field.min || hi > field.max) return `${field.name} "${part}" is outside ${range}`;
        if (lo > hi) return `${field.name} "${part}" starts after it ends`;
    }
    return undefined;
}

/** A schedule the CronJob API accepts: five fields or one of its macros, no time zone inside. */
export const cronSchedule: Rule = (value) => {
    const hint = 'e.g. "30 2 * * *" (minute hour day-of-month month day-of-week, UTC)';
    if (/^\s*(CRON_)?TZ=/.test(value)) return `sets a time zone inside the schedule, which Kubernetes refuses (it has a timeZone field); write the time in UTC, ${hint}`;
    if (value.startsWith("@")) {
        return CRON_MACROS.includes(value) ? undefined : `is not a schedule macro Kubernetes accepts (${CRON_MACROS.join(", ")}); ${hint}`;
    }
    const fields = value.split(" ").filter((f) => f !== "");
    if (fields.length !== 5 || /[^ -~]|\t/.test(value)) return `must be a five-field cron expression, fields separated by spaces; ${hint}`;
    for (let i = 0; i < 5; i++) {
        const problem = cronFieldProblem(fields[i], CRON_FIELDS[i]);
        if (problem) return `${problem}; ${hint}`;
    }
    return undefined;
};

// --- Network values ---

export function isIPv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(value: string): boolean {
    return !value.includes("%") && net.isIPv6(value);
}

/** The canonical text of an IP, so two spellings of one IPv6 address compare equal. */
export function canonicalIp(value: string): string {
    if (!isIPv6(value)) return value;
    return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

function ipv6Words(value: string): number[] {
    const expanded = canonicalIp(value);
    const [head, tail] = expanded.includes("::") ? expanded.split("::") : [expanded, undefined];
    const words = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
    const h = words(head);
    const t = words(tail);
    return tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

export function isCidr(value: string): boolean {
    const [ip, bits, ...rest] = value.split("/");
    if (rest.length !== 0 || bits === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
    return (isIPv4(ip) && Number(bits) <= 32) || (isIPv6(ip) && Number(bits) <= 128);
}

/** Why MetalLB could not announce this address, or undefined. */
function unannounceable(value: string): string | undefined {
    if (isIPv4(value)) {
        const [a, b] = value.split(".").map(Number);
        if (value === "0.0.0.0" || a === 0) return "is in 0.0.0.0/8 (\"this network\"), which no host answers on";
        if (a === 127) return "is a loopback address";
        if (a === 169 && b === 254) return "is link-local (169.254.0.0/16); routers do not forward it";
        if (a >= 224 && a <= 239) return "is a multicast address";
        if (value === "255.255.255.255") return "is the broadcast address";
        if (a >= 240) return "is in the reserved 240.0.0.0/4 block";
        return undefined;
    }
    const w = ipv6Words(value);
    if (w.every((x) => x === 0)) return "is the unspecified address (::)";
    if (w.slice(0, 7).every((x) => x === 0) && w[7] === 1) return "is the loopback address (::1)";
    if ((w[0] & 0xffc0) === 0xfe80) return "is link-local (fe80::/10); routers do not forward it";
    if ((w[0] & 0xff00) === 0xff00) return "is a multicast address (ff00::/8)";
    if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return "is an IPv4-mapped IPv6 address; write the IPv4 address itself";
    return undefined;
}

/** An address a MetalLB pool can hold and announce (L2/BGP): a unicast IPv4 or IPv6 address. */
export const loadBalancerIp: Rule = (value) => {
    if (!isIPv4(value) && !isIPv6(value)) return "must be an IPv4 or IPv6 address such as 10.89.97.214";
    const why = unannounceable(value);
    return why ? `${why}; MetalLB cannot announce it. Use a free address of the nodes' network, e.g. 10.89.97.216` : undefined;
};

/** loadBalancerSourceRanges entry: a CIDR, never everyone. */
export const sourceRange: Rule = (value) => {
    if (!isCidr(value)) return "each entry must be a CIDR such as 192.168.10.0/24 (IPv4) or fd00:10::/64 (IPv6)";
    if (/\/0$/.test(value)) return "opens the database to everyone; list only the networks that need it";
    return undefined;
};

export const port: Rule<number> = (value) => (value < 1 || value > 65535 ? "must be a TCP port (1-65535)" : undefined);

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/** A host name or IP a client resolves and connects to. */
export const hostname: Rule = (value) =>
    HOSTNAME.test(value) || isIPv4(value) || isIPv6(value) ? undefined : "must be a host name such as smtp.example.com or an IP address";

/**
 * An absolute http(s) URL. WHATWG parsing would silently strip spaces and tabs, so the raw text is
 * checked first; credentials and fragments are refused because the consumers would leak or drop them.
 */
export const httpUrl = (example: string): Rule => (value) => {
    const fix = `must be an http(s) URL such as ${example}`;
    if (/[\s"<>\\^`{|}]/.test(value)) return fix;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return fix;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return fix;
    if (!/^https?:\/\/[^/]/i.test(value) || url.hostname === "") return fix;
    if (url.username || url.password) return "must not carry credentials in the URL; they would be printed in logs and pod specs";
    if (url.hash) return "must not have a #fragment; it never reaches the server";
    return undefined;
};

/** An S3 endpoint: an http(s) origin, optionally with a path, no query. */
export const s3Endpoint: Rule = (value) => httpUrl("https://s3.example.internal")(value) ?? (new URL(value).search ? "must not have a ?query" : undefined);

/**
 * A GOTRUE_URI_ALLOW_LIST entry: an absolute URL or a glob of one (`*` and `**`), with any scheme
 * (mobile deep links use their own). Entries are joined with ',' so none may contain one.
 */
export const redirectUrl: Rule = (value) => {
    const fix = "each entry must be an absolute URL or URL glob, such as https://app.example.com/auth/callback or https://*.example.com/**";
    if (value.includes(",")) return "contains ',', which GoTrue reads as the separator of the allow list; list each URL as its own entry";
    if (/\s/.test(value) || !/^[a-z][a-z0-9+.-]*:\/\/./i.test(value)) return fix;
    if (value.includes("*")) return undefined;
    try {
        new URL(value);
    } catch {
        return fix;
    }
    return undefined;
};

/** An RFC 5321 mailbox GoTrue can put in From: dot-atom local part, host-name domain. */
export const emailAddress: Rule = (value) => {
    const fix = "must be an e-mail address such as no-reply@example.com";
    const at = value.lastIndexOf("@");
    if (at <= 0) return fix;
    const local = value.slice(0, at);
    const domain = value.slice(at + 1);
    if (local.length > 64 || value.length > 254) return `${fix} (local part at most 64, whole address at most 254 characters)`;
    if (!/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local)) return fix;
    if (!HOSTNAME.test(domain)) return fix;
    return undefined;
};

// --- S3 ---

/** Bucket naming rules of Amazon S3 (general purpose buckets), which MinIO and Ceph RGW follow. */
export const s3BucketName: Rule = (value) => {
    if (value.length < 3 || value.length > 63) return "must be 3 to 63 characters (S3 bucket naming rules)";
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) return "must use lower-case letters, digits, '.' and '-', beginning and ending with a letter or digit (S3 bucket naming rules)";
    if (value.includes("..")) return "must not contain two adjacent periods (S3 bucket naming rules)";
    if (isIPv4(value)) return "must not be formatted as an IP address (S3 bucket naming rules)";
    for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"]) if (value.startsWith(prefix)) return `must not start with "${prefix}" (reserved by S3)`;
    for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) if (value.endsWith(suffix)) return `must not end with "${suffix}" (reserved by S3)`;
    return undefined;
};

/** The AWS SDK refuses a region that is not a host label; MinIO and RGW regions follow suit. */
export const s3Region: Rule = (value) =>
    /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(value) ? undefined : "must be a region name such as us-east-1 (letters, digits and '-')";

/** An object key prefix: safe key characters, no empty or relative segments. */
export const s3Prefix: Rule = (value) => {
    const trimmed = value.replace(/^\/+|\/+$/g, "");
    if (!/^[A-Za-z0-9!_.*'()/-]*$/.test(trimmed)) return "must use only S3's safe key characters: letters, digits and ! _ . * ' ( ) / -";
    if (trimmed.split("/").some((s) => s === "" || s === "." || s === "..") && trimmed !== "") return "must not contain empty, '.' or '..' path segments";
    return undefined;
};

// --- PostgreSQL ---

/**
 * Schemas Supabase and its image own (the image's init scripts, its extensions and the services'
 * migrations); an app may not take them. `pg_*` is refused separately: PostgreSQL reserves it.
 */
export const RESERVED_SCHEMAS = [
    "auth", "storage", "public", "extensions", "graphql", "graphql_public", "realtime", "_realtime",
    "supabase_functions", "supabase_migrations", "vault", "pgsodium", "pgsodium_masks", "pgbouncer",
    "net", "cron", "information_schema", "_analytics", "_supavisor", "pgtle", "topology", "tiger", "tiger_data",
];

/** Longest app name: the app's role `<app>_service` must fit PostgreSQL's 63-byte identifiers. */
export const MAX_APP_NAME = 63 - "_service".length;

export const appSchemaName: Rule = (value) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(value) || value.length > MAX_APP_NAME) {
        return `each app name must be a lower-case SQL identifier: letters, digits and '_', not starting with a digit, at most ${MAX_APP_NAME} characters (its role <app>_service must fit PostgreSQL's 63)`;
    }
    if (RESERVED_SCHEMAS.includes(value) || value.startsWith("pg_")) {
        return `collides with a schema Supabase owns (${RESERVED_SCHEMAS.slice(0, 9).join(", ")}, pg_*, …); choose another name`;
    }
    return undefined;
};

// --- Text ---

/** Header values (sender name, user name) must stay on one line: a newline would inject headers. */
export const singleLine: Rule = (value) => (/[\u0000-\u001f\u007f]/.test(value) ? "must be one line of text without control characters" : undefined);

export const minLength = (n: number, fix: string): Rule => (value) => (value.length < n ? fix : undefined);

export const noSpaces = (what: string): Rule => (value) => (/\s/.test(value) ? `must not contain spaces or line breaks (${what})` : undefined);

// --- Public host names (TLS and ingress, issue #23) ---

/**
 * A public DNS name a certificate and an Ingress rule can carry: lower-case labels, at least two of
 * them, no wildcard, not an IP address (cert-manager's dnsNames and an Ingress's host both refuse
 * those, and a browser never matches an IP against a DNS SAN).
 */
export const publicHostname: Rule = (value) => {
    const fix = "must be a DNS name such as api.example.com: lower-case letters, digits and '-', dot-separated labels, at least two, no wildcard, not an IP address";
    if (isIPv4(value) || isIPv6(value)) return fix;
    if (!value.includes(".") || dnsSubdomain(value) !== undefined || /^[0-9]+$/.test(value.split(".").pop()!)) return fix;
    return undefined;
};
