// The one secret bundle: signed keys, determinism across runs, rotation, and where secrets may
// (and may not) appear in what the program declares.
import * as jwt from "jsonwebtoken";
import { beforeAll, describe, expect, it } from "vitest";
import { ProgramRun } from "../offline/engine";
import { containersOf } from "../offline/manifests";
import { RELEASE_NAMES } from "../releases";
import { manifests, releaseVariants, runStack } from "./support/program";

type Claims = { role: string; iss: string; iat: number; exp: number };

const secretValuesOf = (run: ProgramRun): string[] =>
    manifests(run).filter((m) => m.kind === "Secret").flatMap((m) => Object.values<string>(m.stringData ?? {}));

describe.each(releaseVariants(["dev", "prod"], RELEASE_NAMES))("secret bundle on stack $label", ({ stack, overrides }) => {
    let first: ProgramRun;
    let second: ProgramRun;
    let rotated: ProgramRun;
    beforeAll(async () => {
        first = await runStack(stack, { overrides });
        second = await runStack(stack, { overrides, fresh: true });
        rotated = await runStack(stack, { overrides: { ...overrides, rotation: 1 } });
    });

    it("signs anon and service_role keys with the JWT secret, with fixed claims", () => {
        const secret = first.outputs.jwtSecret.value as string;
        expect(secret.length).toBeGreaterThanOrEqual(40);
        const anon = jwt.verify(first.outputs.anonKey.value as string, secret, { algorithms: ["HS256"] }) as Claims;
        const service = jwt.verify(first.outputs.serviceRoleKey.value as string, secret, { algorithms: ["HS256"] }) as Claims;
        expect(anon).toEqual({ role: "anon", iss: "supabase", iat: 1795651200, exp: 1795651200 + 1825 * 86400 });
        expect(service.role).toBe("service_role");
        expect(service.iat).toBe(anon.iat);
        expect(() => jwt.verify(first.outputs.anonKey.value as string, `${secret}x`)).toThrow(/invalid signature/);
    });

    it("gives byte-identical keys and secrets on a second run", () => {
        for (const key of ["anonKey", "serviceRoleKey", "jwtSecret"]) {
            expect(second.outputs[key].value).toBe(first.outputs[key].value);
        }
        expect(secretValuesOf(second)).toEqual(secretValuesOf(first));
    });

    it("regenerates every generated secret when rotation is bumped", () => {
        for (const key of ["anonKey", "serviceRoleKey", "jwtSecret"]) {
            expect(rotated.outputs[key].value).not.toBe(first.outputs[key].value);
        }
        // Values set in config (prod's encrypted ones, placeholders offline) are not generated.
        const before = new Set(secretValuesOf(first).filter((v) => !v.startsWith("offline-placeholder:")));
        expect(secretValuesOf(rotated).filter((v) => before.has(v))).toEqual([]);
    });

    it("rolls the database when its Secret changes (pod-template checksum)", () => {
        const checksum = (run: ProgramRun) =>
            manifests(run).find((m) => m.kind === "StatefulSet" && m.metadata.name === "postgres")!
                .spec.template.metadata.annotations["checksum/config"];
        expect(checksum(second)).toBe(checksum(first));
        expect(checksum(rotated)).not.toBe(checksum(first));
    });

    it("marks every derived output secret except the anon key", () => {
        expect(first.outputs.anonKey.secret).toBe(false);
        expect(first.outputs.serviceRoleKey.secret).toBe(true);
        expect(first.outputs.jwtSecret.secret).toBe(true);
    });

    it("keeps secret values out of ConfigMaps, literal env values, annotations and non-secret outputs", () => {
        const secrets = secretValuesOf(first).concat(first.outputs.serviceRoleKey.value as string, first.outputs.jwtSecret.value as string);
        const password = secrets.find((s) => /^[A-Za-z0-9]{32}$/.test(s));
        expect(password).toBeDefined();
        const leaks: string[] = [];
        // Public by design: the anon key, and in release v0.8.2 the publishable key and the public JWKS.
        const publicValues = new Set(["anonKey", "publishableKey", "jwks"].map((k) => first.outputs[k]?.value).filter((v): v is string => typeof v === "string"));
        const check = (where: string, text: string = "") => {
            for (const secret of secrets) if (secret.length >= 8 && text.includes(secret) && !publicValues.has(secret)) leaks.push(where);
        };
        for (const m of manifests(first)) {
            if (m.kind === "ConfigMap") check(`ConfigMap ${m.metadata.name}`, JSON.stringify(m.data ?? {}));
            check(`${m.kind} ${m.metadata.name} annotations`, JSON.stringify(m.metadata.annotations ?? {}));
            for (const c of containersOf(m)) {
                for (const e of c.env ?? []) if (e.value !== undefined) check(`${m.metadata.name}/${c.name} env ${e.name}`, String(e.value));
                check(`${m.metadata.name}/${c.name} args`, JSON.stringify([c.command, c.args]));
            }
            if (m.spec?.template?.metadata?.annotations) check(`${m.metadata.name} pod annotations`, JSON.stringify(m.spec.template.metadata.annotations));
        }
        for (const [name, output] of Object.entries(first.outputs)) if (!output.secret) check(`output ${name}`, JSON.stringify(output.value));
        expect(leaks).toEqual([]);
    });

    it("scopes each workload's Secret to what it reads", () => {
        const keysOf = (name: string) => Object.keys(manifests(first).find((m) => m.kind === "Secret" && m.metadata.name === name)!.stringData).sort();
        expect(keysOf("postgres-secrets")).toEqual(["POSTGRES_PASSWORD"]);
        expect(keysOf("rest-secrets")).toEqual(["PGRST_DB_URI", "PGRST_JWT_SECRET"]);
        expect(keysOf("meta-secrets")).toEqual(["CRYPTO_KEY", "PG_META_DB_PASSWORD"]);
        expect(keysOf("gotrue-secrets")).not.toContain("SERVICE_KEY");
    });

    it("generates passwords of letters and digits only", () => {
        const pgSecret = manifests(first).find((m) => m.metadata.name === "postgres-secrets")!;
        expect(pgSecret.stringData.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9]{32}$/);
        const dbUri = manifests(first).find((m) => m.metadata.name === "rest-secrets")!.stringData.PGRST_DB_URI;
        expect(dbUri).toBe(`postgres://authenticator:${pgSecret.stringData.POSTGRES_PASSWORD}@postgres.${first.outputs.namespace.value}.svc:5432/postgres`);
    });
});

describe("user-supplied JWT secret", () => {
    it("signs the keys with the configured secret instead of a generated one", async () => {
        const secret = "a-user-supplied-secret-that-is-long-enough-123";
        const run = await runStack("dev", { overrides: { jwtSecret: secret }, secretKeys: ["jwtSecret"] });
        expect(run.outputs.jwtSecret).toEqual({ value: secret, secret: true });
        expect((jwt.verify(run.outputs.serviceRoleKey.value as string, secret) as Claims).role).toBe("service_role");
    });
});
