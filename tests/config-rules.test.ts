// One test per config rule, run on the schema directly (loadPlatformConfig: config's rules and the program's, over the dev stack's values with
// one change), plus a sweep over every declared key with values of the wrong type. The program-level
// tests (tests/config.test.ts) show the same errors stop `pulumi up` before any resource exists.
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, ConfigError, ConfigKey } from "../config";
import { loadPlatformConfig } from "../components/program-rules";
import { configuredBudget } from "../components/configured-budget";
import { suspiciousCharacters } from "../config/errors";
import { cronSchedule, parseImageReference, pinnedImage } from "../config/rules";
import { stackConfig, stackNames } from "../offline/stack-config";

const P = "supabase-platform";

/** The problems config reports for a stack with overrides (an override of undefined unsets a key). */
function problems(overrides: Record<string, unknown>, stack = "dev"): string[] {
    const values = stackConfig(stack, overrides);
    const source = {
        project: P,
        stack,
        get: (key: string) => values[`${P}:${key}`],
        keys: () => Object.keys(values).filter((k) => k.startsWith(`${P}:`)).map((k) => k.slice(P.length + 1)),
    };
    try {
        loadPlatformConfig(source);
        return [];
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
}

/** Asserts exactly one problem, on `key`, containing `text`. */
function refused(key: string, value: unknown, text: string, others: Record<string, unknown> = {}) {
    const found = problems({ ...others, [key]: value });
    expect(found, JSON.stringify(value)).toHaveLength(1);
    expect(found[0].startsWith(`${P}:${key}`), found[0]).toBe(true);
    expect(found[0]).toContain(text);
    return found[0];
}

const accepted = (overrides: Record<string, unknown>) => expect(problems(overrides)).toEqual([]);

describe("stack files valid today stay valid", () => {
    it.each(stackNames())("%s passes", (stack) => {
        expect(problems({}, stack)).toEqual([]);
    });
});

describe("images: OCI distribution reference grammar, pinned", () => {
    it.each([
        "kong:2.8.1", "docker.io/library/kong:2.8.1", "registry.local:5000/supabase/postgres:15.1.1.78", "localhost:5000/kong:3",
        "ghcr.io/supabase/gotrue:v2.132.3", "[fd00::1]:5000/kong:2.8.1", "my_org/my__image:1.0-rc.1",
        `kong@sha256:${"a".repeat(64)}`, `kong:2.8.1@sha256:${"0123456789abcdef".repeat(4)}`,
    ])("accepts %s", (image) => accepted({ kongImage: image }));

    it.each([
        ["Kong:2.8.1", "is not an image reference"],
        ["kong:", "is not an image reference"],
        ["kong::2", "is not an image reference"],
        ["-kong:2", "is not an image reference"],
        ["supabase//postgres:1", "is not an image reference"],
        ["kong:2.8.1 ", "leading or trailing spaces"],
        [`kong:${"x".repeat(129)}`, "is not an image reference"],
        ["kong@sha256:abc", "is not an image reference"],
        [`kong@sha256:${"A".repeat(64)}`, "not 64 lower-case hex digits"],
        [`kong@md5:${"a".repeat(32)}`, "digest algorithm (md5)"],
        ["kong", "has no tag; pin a version, e.g. kong/kong:3.9.3"],
        ["registry.local:5000/kong", "has no tag"],
        ["kong:latest", 'uses "latest"'],
        ["kong:LATEST", 'uses "latest"'],
    ])("refuses %s", (image, text) => {
        refused("kongImage", image, text);
    });

    it("names the registry, path, tag and digest as the runtime reads them", () => {
        expect(parseImageReference("supabase/postgres:15")).toEqual({ domain: undefined, path: "supabase/postgres", tag: "15", digest: undefined });
        expect(parseImageReference("registry.local:5000/a/b:1")).toMatchObject({ domain: "registry.local:5000", path: "a/b", tag: "1" });
        expect(pinnedImage("x:1")("x:1")).toBeUndefined();
    });

    it("checks the uploader image although dumps stay on the PVC", () => {
        refused("backupUploaderImage", "amazon/aws-cli", "has no tag; pin a version, e.g. amazon/aws-cli:2.15.0");
    });
});

describe("cron schedules: the CronJob's rules, field by field", () => {
    it.each(["30 2 * * *", "*/15 * * * *", "0 0 * * MON-FRI", "0 0 1 jan *", "5 4 * * sun", "0 0 ? * *", "0-59/5 1,2,23 * * *", "0 12 1-31/2 * 0-6", "@daily", "@hourly", "@yearly", "@midnight"])(
        "accepts %s", (schedule) => expect(cronSchedule(schedule)).toBeUndefined());

    it.each([
        ["60 * * * *", 'minute "60" is outside 0-59'],
        ["* 24 * * *", 'hour "24" is outside 0-23'],
        ["0 0 0 * *", 'day of month "0" is outside 1-31'],
        ["0 0 * 13 *", 'month "13" is outside 1-12'],
        ["0 0 * * 7", 'day of week "7" is outside 0-6'],
        ["*/0 * * * *", "step that is not a positive number"],
        ["5-1 * * * *", "starts after it ends"],
        ["0 0 * FOO *", 'month "FOO" is not a number'],
        ["0 0 L * *", 'day of month "L" is not a number'],
        ["0 0 * *", "five-field cron expression"],
        ["0 0 * * * *", "five-field cron expression"],
        ["0\t0 * * *", "five-field cron expression"],
        ["@every 1h", "not a schedule macro Kubernetes accepts"],
        ["@reboot", "not a schedule macro Kubernetes accepts"],
        ["TZ=UTC 0 0 * * *", "time zone inside the schedule, which Kubernetes refuses"],
        ["CRON_TZ=Europe/Berlin 0 0 * * *", "time zone inside the schedule"],
    ])("refuses %s", (schedule, text) => {
        refused("backupSchedule", schedule, text);
    });

    it("allows an empty Longhorn backup schedule (disabled) but checks a set one", () => {
        accepted({ longhornBackupSchedule: "" });
        refused("longhornBackupSchedule", "0 3 * *", "five-field");
        refused("longhornSnapshotSchedule", "", "five-field");
    });
});

describe("quantities: resource.Quantity", () => {
    it.each(["20Gi", "1.5Gi", "20G", "2e10", "+30Gi", "1024Mi"])("accepts volume size %s", (size) => accepted({ postgresVolumeSize: size }));
    it.each([
        ["20 GB", "must be a positive Kubernetes quantity"],
        ["20gb", "must be a positive Kubernetes quantity"],
        ["-1Gi", "must be a positive Kubernetes quantity"],
        ["0", "must be a positive Kubernetes quantity"],
        ["20Gib", "must be a positive Kubernetes quantity"],
        ["512Mi", "must be at least 1Gi"],
        ["1000000000m", "milli-bytes"],
    ])("refuses volume size %s", (size, text) => {
        refused("postgresVolumeSize", size, text);
    });
    it("refuses a memory PostgreSQL cannot start in, and CPU below 1m", () => {
        refused("postgresMemory", "64Mi", "at least 256Mi");
        accepted({ postgresCpu: "500m" });
        accepted({ postgresCpu: "0.5" });
        refused("postgresCpu", "0.0001", "at least 1m");
        refused("postgresCpu", "1 core", "positive Kubernetes quantity");
        refused("backupVolumeSize", "1Ki", "at least 10Mi");
    });
});

describe("Kubernetes names", () => {
    it("refuses a namespace that is not a DNS-1123 label, or too long", () => {
        refused("namespace", "supabase.prod", "must be a DNS-1123 label");
        refused("namespace", "a".repeat(64), "must be a DNS-1123 label");
        refused("namespace", "-supabase", "must be a DNS-1123 label");
    });
    it.each(["default", "kube-system", "kube-public", "kube-node-lease", "kube-anything", "longhorn-system", "metallb-system", "cert-manager"])(
        "refuses to take over the namespace %s", (ns) => {
            refused("namespace", ns, "is a namespace the cluster or another system owns");
        });
    it("refuses the platform namespace where MetalLB or Longhorn run", () => {
        refused("namespace", "metallb", "is also supabase-platform:metallbNamespace", { metallbNamespace: "metallb" });
        refused("namespace", "storage", "is also supabase-platform:longhornNamespace", { longhornNamespace: "storage" });
    });
    it("refuses a storage class name that is no DNS-1123 subdomain", () => {
        accepted({ storageClassName: "longhorn.retain-2" });
        refused("storageClassName", "longhorn..x", "DNS-1123 subdomain");
        refused("storageClassName", `${"a".repeat(64)}.x`, "DNS-1123 subdomain");
    });
    it("checks client namespaces entry by entry, once each", () => {
        refused("dbAdminClientNamespaces", ["ci", "CI_Runner"], "each entry must be a namespace name");
        refused("dbAdminClientNamespaces", ["ci", "ci"], "is listed twice");
    });
});

describe("network values", () => {
    it.each(["10.0.0.5", "192.168.1.20", "fd00:10::5", "2001:db8::1"])("accepts the LoadBalancer IP %s", (ip) => accepted({ kongLoadBalancerIp: ip }));
    it.each([
        ["10.89.97.300", "must be an IPv4 or IPv6 address"],
        ["010.1.1.1", "must be an IPv4 or IPv6 address"],
        ["fe80::1%eth0", "must be an IPv4 or IPv6 address"],
        ["0.0.0.0", "this network"],
        ["127.0.0.1", "loopback"],
        ["169.254.10.1", "link-local"],
        ["224.0.0.251", "multicast"],
        ["255.255.255.255", "broadcast"],
        ["240.0.0.1", "reserved"],
        ["::", "unspecified"],
        ["::1", "loopback"],
        ["fe80::1", "link-local"],
        ["ff02::1", "multicast"],
        ["::ffff:10.0.0.1", "IPv4-mapped"],
    ])("refuses the LoadBalancer IP %s", (ip, text) => {
        const message = refused("kongLoadBalancerIp", ip, text);
        if (!text.startsWith("must be")) expect(message).toContain("MetalLB cannot announce it");
    });
    it("refuses two LoadBalancers on one IP, however it is spelled", () => {
        refused("studioLoadBalancerIp", "fd00:0:0::5", "duplicates supabase-platform:kongLoadBalancerIp", { kongLoadBalancerIp: "fd00::5" });
        const lb = { dbAdminEndpoint: "loadbalancer", dbAdminSourceRanges: ["10.89.0.0/16"] };
        refused("dbAdminLoadBalancerIp", "10.89.97.215", "duplicates supabase-platform:studioLoadBalancerIp", lb);
        accepted({ dbAdminLoadBalancerIp: "10.89.97.215" }); // unused in cluster mode
    });
    it("checks the admin IP whatever the mode", () => {
        refused("dbAdminLoadBalancerIp", "127.0.0.1", "loopback");
    });
    it("takes IPv4 and IPv6 source ranges, never everyone", () => {
        const lb = { dbAdminEndpoint: "loadbalancer", dbAdminLoadBalancerIp: "10.89.97.216" };
        accepted({ ...lb, dbAdminSourceRanges: ["10.89.0.0/16", "fd00:10::/64"] });
        refused("dbAdminSourceRanges", ["10.0.0.0/33"], "each entry must be a CIDR", lb);
        refused("dbAdminSourceRanges", ["::/0"], "opens the database to everyone", lb);
        refused("dbAdminSourceRanges", ["10.0.0.0/8", "10.0.0.0/8"], "is listed twice", lb);
    });
    it.each([["smtpPort", 0], ["smtpPort", 65536], ["dbAdminPort", 70000]])("refuses the port %s = %s", (key, value) => {
        refused(key, value, value === 0 ? "must be ≥ 1" : "must be ≤ 65535");
    });
    it("checks the SMTP host as a host name", () => {
        accepted({ smtpHost: "smtp.example.com", smtpAdminEmail: "a@example.com" });
        refused("smtpHost", "smtp example.com", "must be a host name", { smtpAdminEmail: "a@example.com" });
    });
});

describe("URLs", () => {
    it.each([
        ["ftp://apps.example.com", "must be an http(s) URL"],
        ["apps.example.com", "must be an http(s) URL"],
        ["https://", "must be an http(s) URL"],
        ["https://apps.example.com/a b", "must be an http(s) URL"],
        ["https://user:pw@apps.example.com", "must not carry credentials"],
        ["https://apps.example.com/#/home", "must not have a #fragment"],
    ])("refuses the site URL %s", (url, text) => {
        refused("siteUrl", url, text);
    });
    it("checks every redirect URL, globs and app schemes included", () => {
        accepted({ additionalRedirectUrls: ["https://apps.example.com/cb", "https://*.example.com/**", "com.example.app://login-callback"] });
        refused("additionalRedirectUrls", ["https://a.example.com", "https://a.example.com,https://b.example.com"], "GoTrue reads as the separator");
        refused("additionalRedirectUrls", ["/auth/callback"], "each entry must be an absolute URL");
        refused("additionalRedirectUrls", ["https://a.example.com", "https://a.example.com"], "is listed twice");
    });
    it("checks S3 endpoints whatever the backend", () => {
        refused("s3Endpoint", "s3.example.internal", "must be an http(s) URL");
        refused("backupS3Endpoint", "https://s3.example.internal/?x=1", "must not have a ?query");
    });
});

describe("e-mail, S3 and text values", () => {
    it.each(["no-reply", "a@b@", "a b@example.com", "a@-example.com", ".a@example.com", "a..b@example.com", "a@"])("refuses the sender address %s", (email) => {
        refused("smtpAdminEmail", email, "must be an e-mail address");
    });
    it.each([
        ["ab", "3 to 63 characters"],
        ["My_Bucket", "lower-case letters"],
        ["a..b", "two adjacent periods"],
        ["192.168.1.1", "formatted as an IP address"],
        ["xn--bucket", 'must not start with "xn--"'],
        ["sthree-bucket", 'must not start with "sthree-"'],
        ["backups-s3alias", 'must not end with "-s3alias"'],
        ["-backups", "beginning and ending with a letter or digit"],
    ])("refuses the bucket %s, even with dumps on the PVC", (bucket, text) => {
        refused("backupS3Bucket", bucket, text);
    });
    it("refuses a region the AWS SDK would, and unsafe key prefixes", () => {
        refused("s3Region", "eu central 1", "must be a region name");
        refused("backupS3Prefix", "dumps/../x", "'..' path segments");
        refused("backupS3Prefix", "dumps#1", "safe key characters");
        accepted({ backupS3Prefix: "/team-a/postgres/" });
    });
    it("keeps mail headers on one line", () => {
        refused("smtpSenderName", "Example\r\nBcc: victim@example.com", "control character");
        refused("smtpUser", "user\nname", "control character");
    });
});

describe("PostgreSQL names", () => {
    it.each(["vault", "pgsodium", "net", "cron", "pgbouncer", "information_schema", "supabase_migrations", "tiger", "pg_catalog"])(
        "refuses the schema %s Supabase owns", (schema) => {
            refused("apps", ["home_portal", schema], "collides with a schema Supabase owns");
        });
    it("keeps room for the app's <app>_service role within 63 characters", () => {
        accepted({ apps: ["a".repeat(55)] });
        refused("apps", ["a".repeat(56)], "at most 55 characters");
    });
    it("refuses a max_connections PostgreSQL refuses", () => {
        refused("postgresMaxConnections", 262144, "must be ≤ 262143");
        refused("postgresMaxConnections", 10, "must be 0 (the release's default) or at least 20");
        refused("postgresMaxConnections", -1, "must be ≥ 0");
    });
});

describe("integer ranges the consumers enforce", () => {
    it.each([
        ["longhornReplicas", 21, "must be ≤ 20"],
        ["longhornSnapshotRetain", 251, "must be ≤ 250"],
        ["kongReplicas", 0, "must be ≥ 1"],
        ["rotation", -1, "must be ≥ 0"],
        ["apiKeyLifetimeDays", 36501, "must be ≤ 36500"],
    ])("refuses %s = %s", (key, value, text) => {
        refused(key, value, text);
    });
    it("refuses keys issued in the future", () => {
        refused("jwtIssuedAt", Math.floor(Date.now() / 1000) + 86400, "lies in the future");
    });
});

describe("keys that come together", () => {
    it("the s3 backend needs a bucket and both keys", () => {
        const found = problems({ storageBackend: "s3" });
        expect(found).toEqual([
            `${P}:s3Bucket = "": is required when storageBackend is s3`,
            `${P}:s3AccessKeyId = [secret, unset]: is required when storageBackend is s3: \`pulumi config set --secret s3AccessKeyId ...\``,
            `${P}:s3SecretAccessKey = [secret, unset]: is required when storageBackend is s3: \`pulumi config set --secret s3SecretAccessKey ...\``,
        ]);
    });
    it("the s3 backup target needs a bucket and both keys", () => {
        expect(problems({ backupTarget: "s3" }).map((p) => p.split(" =")[0])).toEqual([`${P}:backupS3Bucket`, `${P}:backupS3AccessKeyId`, `${P}:backupS3SecretAccessKey`]);
    });
    it("SMTP needs a sender address, and a password a user", () => {
        refused("smtpAdminEmail", "", "is required when smtpHost is set", { smtpHost: "smtp.example.com" });
        refused("smtpUser", "", "is required when smtpPass is set", { smtpHost: "smtp.example.com", smtpAdminEmail: "a@example.com", smtpPass: "pw" });
    });
    it("an OAuth provider needs its client id and its secret", () => {
        refused("oauthGithubSecret", "", "is required when oauthGithubClientId is set", { oauthGithubClientId: "Iv1.abc" });
        refused("oauthGoogleClientId", "", "is required when oauthGoogleSecret is set", { oauthGoogleSecret: "s3cr3t" });
    });
    it("the admin LoadBalancer needs an IP", () => {
        refused("dbAdminLoadBalancerIp", "", "is required when dbAdminEndpoint is loadbalancer", { dbAdminEndpoint: "loadbalancer", dbAdminSourceRanges: ["10.0.0.0/8"] });
    });
    it("the file backend runs one storage replica", () => {
        refused("storageReplicas", 2, "ReadWriteOnce volume");
        accepted({ storageReplicas: 2, storageBackend: "s3", s3Bucket: "objects", s3AccessKeyId: "AKIA1", s3SecretAccessKey: "secret" });
    });
    it("the services' pools fit max_connections (the function the policy uses)", () => {
        const message = refused("postgresMaxConnections", 40, "the services may open 64 connections (gotrue 10×2, rest 11×2, storage 11×1, meta 10×1, backup 1×1) but max_connections 40 − 3 reserved − 10 admin margin leaves 27; raise postgresMaxConnections to at least 77");
        expect(message).toContain("or lower the replicas");
        expect(configuredBudget({ postgresMaxConnections: 77, storageBackend: "file", gotrueReplicas: 1, restReplicas: 1, storageReplicas: 1, metaReplicas: 1, release: "seed", realtime: "auto", realtimeReplicas: 1 }).fits).toBe(true);
    });
});

// The pooler's rules (components/program-rules.ts, components/services/pooler/validate.ts), on dev@v0.8.2 where it is on by default.
describe("the pooler's keys", () => {
    const v082 = { release: "v0.8.2" };
    it("fits the v0.8.2 default budget, and the seed keeps it off unless asked", () => {
        expect(problems(v082)).toEqual([]);
        expect(problems({})).toEqual([]);
    });
    it("refuses a pool that breaks the budget, on the pooler's key and on postgresMaxConnections, with the fix", () => {
        const found = problems({ ...v082, poolerTransactionMaxDbConnections: 40, poolerTransactionDefaultPoolSize: 10 });
        expect(found.map((p) => p.split(" =")[0])).toEqual([`${P}:postgresMaxConnections`, `${P}:poolerTransactionMaxDbConnections`]);
        expect(found[0]).toContain("pooler 45×2");
        expect(found[1]).toContain("poolerTransactionMaxDbConnections = 40: the pooler may hold 45 PostgreSQL connections per pod (transaction 40 + session 5) × 2 pods at rollout = 90, but the other services leave 57 of max_connections 150; raise postgresMaxConnections to at least 183, or lower poolerTransactionMaxDbConnections + poolerSessionMaxDbConnections to 28 in all");
    });
    it("refuses the seed's pooler at max_connections 100, and accepts it with room", () => {
        expect(problems({ pooler: "true" }).map((p) => p.split(" =")[0])).toEqual([`${P}:postgresMaxConnections`, `${P}:poolerTransactionMaxDbConnections`]);
        expect(problems({ pooler: "true", postgresMaxConnections: 120 })).toEqual([]);
    });
    it("keeps one app's pool within the process's cap, and clients at least as many", () => {
        refused("poolerSessionDefaultPoolSize", 6, "lower it to at most 5", v082);
        refused("poolerTransactionMaxClientConn", 5, "raise it to at least 10", v082);
    });
    it("wants a LoadBalancer's IP and source ranges, and neither without one", () => {
        expect(problems({ ...v082, poolerEndpoint: "loadbalancer" }).map((p) => p.split(":").slice(0, 2).join(":").split(" =")[0])).toEqual([`${P}:poolerLoadBalancerIp`, `${P}:poolerSourceRanges`]);
        refused("poolerSourceRanges", ["10.0.0.0/8"], "only applies to a LoadBalancer", v082);
        refused("poolerSourceRanges", ["0.0.0.0/0"], "opens the database to everyone", { ...v082, poolerEndpoint: "loadbalancer", poolerLoadBalancerIp: "10.89.97.216" });
        accepted({ ...v082, poolerEndpoint: "loadbalancer", poolerLoadBalancerIp: "10.89.97.216", poolerSourceRanges: ["192.168.10.0/24"] });
    });
    it("gives the pooler's LoadBalancer its own IP", () => {
        refused("poolerLoadBalancerIp", "10.89.97.214", "duplicates kongLoadBalancerIp", { ...v082, poolerEndpoint: "loadbalancer", poolerSourceRanges: ["192.168.10.0/24"] });
    });
    it("refuses an explicit pooler without the database layer, and auto stays off there", () => {
        refused("pooler", "true", "set dbAdminEndpoint to", { ...v082, dbAdminEndpoint: "none" });
        expect(problems({ ...v082, dbAdminEndpoint: "none" })).toEqual([]);
        refused("poolerEndpoint", "loadbalancer", "the pooler is off", { pooler: "false", poolerEndpoint: "loadbalancer" });
    });
});

describe("how problems are printed", () => {
    it("names invisible characters and escapes them in the value", () => {
        const message = refused("namespace", "supa\u200bbase", "contains U+200B ZERO WIDTH SPACE (invisible) at position 5");
        expect(message).toContain('"supa\\u200bbase"');
        refused("siteUrl", "\ufeffhttps://apps.example.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE (BOM) (invisible) at position 1");
        refused("kongImage", "kong:2.8.1\u00a0", "U+00A0 NO-BREAK SPACE");
    });
    it("names look-alike letters, but lets a display name use any script", () => {
        const message = refused("namespace", "\u0455upabase", 'U+0455 CYRILLIC SMALL LETTER DZE, which looks like "s", at position 1');
        expect(message).toContain('"\\u0455upabase"');
        refused("smtpAdminEmail", "no-reply@ex\u0430mple.com", "CYRILLIC SMALL LETTER A");
        accepted({ smtpSenderName: "Алексей Apps" });
        refused("smtpSenderName", "Example\u200dApps", "ZERO WIDTH JOINER");
        expect(suspiciousCharacters("plain-ascii")).toEqual([]);
    });
    it("cuts very long values", () => {
        const message = refused("namespace", "a".repeat(500), "must be a DNS-1123 label");
        expect(message).toContain("(500 characters, cut)");
        expect(message.length).toBeLessThan(400);
    });
    it("never prints a secret, even when it holds a hidden character", () => {
        const value = "x".repeat(40) + "\u200b";
        const message = refused("jwtSecret", value, "[secret, 41 characters]: contains U+200B ZERO WIDTH SPACE");
        expect(message).not.toContain("xxxx");
        expect(refused("s3AccessKeyId", "AKIA 123", "[secret, 8 characters]")).not.toContain("AKIA");
        expect(refused("oauthGithubSecret", "s3cr3t-value ", "leading or trailing spaces", { oauthGithubClientId: "Iv1.x" })).not.toContain("s3cr3t");
    });
    it("suggests the declared spelling of an unknown key", () => {
        expect(problems({ namespce: "x" })).toEqual([`${P}:namespce = "x": unknown key; did you mean "namespace"?`]);
        expect(problems({ totallyUnrelated: "x" })[0]).toMatch(/^supabase-platform:totallyUnrelated = "x": unknown key, and no declared key is spelled like it \(nearest: "[A-Za-z0-9]+", "[A-Za-z0-9]+", "[A-Za-z0-9]+"\); remove it, or pick the key you meant from docs\/config\.md$/);
    });
    it("reports problems of single keys and across keys together", () => {
        const found = problems({ namespace: "Bad", storageReplicas: 3, smtpHost: "smtp.example.com", kongImage: "kong" });
        expect(found.map((p) => p.split(/ =|:\s/)[0].replace(`${P}:`, "")).sort()).toEqual(["kongImage", "namespace", "smtpAdminEmail", "storageReplicas"]);
    });
});

describe("point-in-time recovery (pitr*)", () => {
    const S3_ON = { pitr: true, pitrS3Bucket: "db-wal", pitrS3AccessKeyId: "AKIAEXAMPLE", pitrS3SecretAccessKey: "wJalrXUtnFEMI/K7MDENG" };
    it("accepts pitr on with an S3 target, or a volume target, on the seed's image", () => {
        accepted(S3_ON);
        accepted({ pitr: true, pitrTarget: "volume" });
    });
    it("an S3 target needs a bucket and both credentials", () => {
        const found = problems({ pitr: true });
        expect(found).toEqual([
            `${P}:pitrS3Bucket = "": is required when pitr is on with pitrTarget s3`,
            `${P}:pitrS3AccessKeyId = [secret, unset]: is required when pitr is on with pitrTarget s3: \`pulumi config set --secret pitrS3AccessKeyId ...\``,
            `${P}:pitrS3SecretAccessKey = [secret, unset]: is required when pitr is on with pitrTarget s3: \`pulumi config set --secret pitrS3SecretAccessKey ...\``,
        ]);
    });
    it("archive_timeout between 60 and 3600 seconds", () => {
        refused("pitrArchiveTimeoutSeconds", 30, "must be at least 60", S3_ON);
        refused("pitrArchiveTimeoutSeconds", 7200, "at most 3600", S3_ON);
    });
    it("a prefix, never the bucket's root", () => {
        refused("pitrS3Prefix", "/", "give a prefix (e.g. supabase/postgres)", S3_ON);
    });
    it("a window at least one base-backup interval long", () => {
        refused("pitrWindowDays", 3, "is shorter than one base-backup interval (7 days", { ...S3_ON, pitrBaseBackupSchedule: "0 3 * * 0" });
    });
    it("a wal-g to run: v0.8.2's image ships none, so pitrWalgImage must name one", () => {
        const line = refused("pitrWalgImage", "", "supabase/postgres:17.6.1.136 ships no wal-g binary", { ...S3_ON, release: "v0.8.2" });
        expect(line).toContain("Set pitrWalgImage to an image holding wal-g v2.0.1 on its PATH");
        accepted({ ...S3_ON, release: "v0.8.2", pitrWalgImage: "registry.example.com/wal-g:v2.0.1" });
        // Off, nothing is asked of it.
        accepted({ release: "v0.8.2" });
    });
    it("a pinned wal-g image and kubectl image", () => {
        refused("pitrWalgImage", "Wal-G", "is not an image reference", S3_ON);
        refused("pitrKubectlImage", "kubectl:", "is not an image reference");
    });
    it("the base backup's session counts in the connection budget", () => {
        const base = { postgresMaxConnections: 100, storageBackend: "file", gotrueReplicas: 1, restReplicas: 1, storageReplicas: 1, metaReplicas: 1, release: "seed", realtime: "auto", realtimeReplicas: 1 } as const;
        expect(configuredBudget({ ...base, pitr: true }).total - configuredBudget(base).total).toBe(1);
    });
});

describe("every declared key refuses values of the wrong type, whether or not its feature is on", () => {
    const WRONG: Record<string, { values: unknown[]; text: string }> = {
        integer: { values: ["abc", "1.5", "true", [1], { a: 1 }, "1e3", ""], text: "must be an integer" },
        boolean: { values: ["yes", "1", "TRUE", [true], ""], text: "must be true or false" },
        array: { values: ["a,b", { a: 1 }, [1, 2], "x", [["nested"]]], text: "must be a list of strings" },
        string: { values: [["a"], { a: "b" }], text: "must be a string, not a list or object" },
    };
    const cases = Object.entries(CONFIG_KEYS).flatMap(([key, spec]) => WRONG[spec.type].values.map((value) => [key, spec.type, value] as const));

    it("covers every key", () => {
        expect(new Set(cases.map(([key]) => key))).toEqual(new Set(Object.keys(CONFIG_KEYS)));
    });

    it.each(cases)("%s (%s) refuses %j", (key, type, value) => {
        const found = problems({ [key]: value });
        const own = found.filter((p) => p.startsWith(`${P}:${key} =`));
        expect(own, found.join("\n")).toHaveLength(1);
        const spec = CONFIG_KEYS[key as ConfigKey];
        // A fixed-value string key answers with its values instead.
        expect(own[0]).toMatch(type === "string" && /^must be "/.test(own[0].split(": ").slice(1).join(": ")) ? /must be "/ : new RegExp(WRONG[type].text.replace(/[()]/g, "\\$&")));
        if (spec.secret) expect(own[0]).toContain("[secret");
    });
});

describe("TLS and exposure (issue #23): refused together, key, value and fix", () => {
    const HOSTS = { apiHostname: "api.example.com", studioHostname: "studio.example.com" };
    const CERT_MANAGER = { ...HOSTS, tls: "cert-manager", tlsIssuerName: "letsencrypt" };
    const keysOf = (found: string[]) => found.map((p) => p.split(" =")[0].replace(`${P}:`, "")).sort();

    it("accepts each mode with what it needs", () => {
        accepted(CERT_MANAGER);
        accepted({ ...CERT_MANAGER, tlsIssuerKind: "Issuer", tlsSecretName: "api-tls", hstsMaxAge: 0 });
        accepted({ ...HOSTS, tls: "secret", tlsSecretName: "my-tls" });
        accepted({ ...CERT_MANAGER, exposure: "ingress", ingressClassName: "traefik", createMetallbPool: false });
        accepted({ ...HOSTS, exposure: "ingress", ingressClassName: "nginx", createMetallbPool: false });
    });
    it("refuses a MetalLB pool behind an ingress when no LoadBalancer would claim its addresses", () => {
        refused("createMetallbPool", true, "with exposure ingress the gateway has no LoadBalancer", { ...HOSTS, exposure: "ingress", ingressClassName: "nginx" });
    });
    it("refuses TLS without hostnames, naming both keys", () => {
        const found = problems({ tls: "cert-manager", tlsIssuerName: "letsencrypt" });
        expect(keysOf(found)).toEqual(["apiHostname", "studioHostname"]);
        expect(found[0]).toContain("is required when tls is cert-manager");
        expect(found[0]).toContain("pulumi config set apiHostname api.example.com");
    });
    it("refuses cert-manager without an issuer", () => {
        refused("tlsIssuerName", "", "is required when tls is cert-manager", { ...HOSTS, tls: "cert-manager" });
    });
    it("refuses secret mode without a secret name", () => {
        refused("tlsSecretName", "", "is required when tls is secret", { ...HOSTS, tls: "secret" });
    });
    it("refuses an ingress without its class", () => {
        refused("ingressClassName", "", "is required when exposure is ingress", { ...CERT_MANAGER, exposure: "ingress", createMetallbPool: false });
    });
    it("refuses an ingress without hostnames", () => {
        expect(keysOf(problems({ exposure: "ingress", ingressClassName: "traefik", createMetallbPool: false }))).toEqual(["apiHostname", "studioHostname"]);
    });
    it("refuses hostnames that are not DNS names", () => {
        for (const bad of ["api", "API.example.com", "10.0.0.1", "*.example.com", "api_1.example.com", "api.example.com.", "a.123"]) {
            refused("apiHostname", bad, "must be a DNS name such as api.example.com", { ...CERT_MANAGER, apiHostname: bad });
        }
    });
    it("refuses the same hostname twice", () => {
        refused("studioHostname", "api.example.com", "equals apiHostname", { ...CERT_MANAGER, studioHostname: "api.example.com" });
    });
    it("refuses settings that would do nothing: hostnames, an issuer, HSTS or a class without their mode", () => {
        refused("apiHostname", "api.example.com", "is served only with TLS or an ingress", { apiHostname: "api.example.com" });
        refused("tlsIssuerName", "letsencrypt", "applies only to tls cert-manager", { ...HOSTS, tls: "secret", tlsSecretName: "x", tlsIssuerName: "letsencrypt" });
        refused("hstsMaxAge", 600, "applies only with TLS", { hstsMaxAge: 600 });
        refused("ingressClassName", "traefik", "applies only to exposure ingress", { ingressClassName: "traefik" });
        refused("tlsSecretName", "x", "applies only with tls secret or cert-manager", { tlsSecretName: "x" });
    });
    it("reports every TLS problem together, with the other keys' problems", () => {
        const found = problems({ tls: "cert-manager", exposure: "ingress", namespace: "Bad" });
        expect(keysOf(found)).toEqual(["apiHostname", "createMetallbPool", "ingressClassName", "namespace", "studioHostname", "tlsIssuerName"]);
    });
});
