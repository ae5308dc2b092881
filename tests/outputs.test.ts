// The stack outputs are the contract app repos read: the program's exports must be exactly the
// fields of PlatformOutputs (checked at compile time and against the documented interface at run
// time), with the right values and the right secrecy, on every stack file.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import type * as Program from "../index";
import { PlatformOutputs, Release as OutputsRelease } from "../outputs";
import { ProgramRun } from "../offline/engine";
import { PROJECT_ROOT, configReader, stackNames } from "../offline/stack-config";
import { Release, RELEASE_NAMES } from "../releases";
import { findManifest, releaseVariants, runStack, V082 } from "./support/program";
import { expectedPublicUrls } from "./support/public-urls";

// Compile time: `tsc --noEmit` fails if an export is added, removed or retyped without the interface.
type Resolved<T> = T extends pulumi.Output<infer U> ? U : T;
type ProgramOutputs = { [K in keyof typeof Program]: Resolved<(typeof Program)[K]> };
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const sameKeys: Same<keyof ProgramOutputs, keyof PlatformOutputs> = true;
const exportsFit: ProgramOutputs extends PlatformOutputs ? true : false = true;
const interfaceFits: PlatformOutputs extends ProgramOutputs ? true : false = true;
// outputs.ts is a leaf (app repos copy it), so it spells the release names out; they must be the table's.
const sameReleases: Same<OutputsRelease, Release> = true;

/** Fields of PlatformOutputs as written in outputs.ts, with their doc comments. */
function documentedFields(): { name: string; doc: string }[] {
    const file = path.join(PROJECT_ROOT, "outputs.ts");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "PlatformOutputs");
    if (!decl) throw new Error("outputs.ts declares no PlatformOutputs interface");
    return decl.members.filter(ts.isPropertySignature).map((m) => ({
        name: m.name.getText(source),
        doc: ts.getJSDocCommentsAndTags(m).map((d) => d.getText(source)).join(" "),
    }));
}

it("type-checks the program's exports against PlatformOutputs", () => {
    expect([sameKeys, exportsFit, interfaceFits, sameReleases]).toEqual([true, true, true, true]);
});

/** The outputs only releases with the new keys export. */
const NEW_KEY_OUTPUTS = ["jwks", "publishableKey", "secretKey"];
/** The outputs only a stack with the pooler exports (on by default from v0.8.2, off in the seed). */
const POOLER_OUTPUTS = ["poolerApps", "poolerHost", "poolerNote", "poolerPasswords", "poolerPorts"];

describe.each(releaseVariants(stackNames(), RELEASE_NAMES))("stack outputs of $label", ({ stack, overrides }) => {
    let run: ProgramRun;
    let cfg: (key: string) => string | undefined;
    const seed = overrides.release === undefined;
    beforeAll(async () => {
        run = await runStack(stack, { overrides });
        cfg = configReader(stack, overrides);
    });

    it("exports exactly the fields of PlatformOutputs, the new keys only in a release that has them", () => {
        const defined = Object.entries(run.outputs).filter(([, o]) => o.value !== undefined).map(([k]) => k).sort();
        const documented = documentedFields().map((f) => f.name);
        expect(defined).toEqual(documented.filter((f) => !seed || ![...NEW_KEY_OUTPUTS, ...POOLER_OUTPUTS].includes(f)).sort());
        expect(run.outputs.release.value).toBe(overrides.release ?? "seed");
    });

    it("marks secret exactly the fields documented as secret", () => {
        const documentedSecret = documentedFields().filter((f) => /\bSecret\.\s*\*\/\s*$/.test(f.doc)).map((f) => f.name).sort();
        expect(documentedSecret).toEqual(["jwtSecret", "poolerPasswords", "secretKey", "serviceRoleKey"]);
        const actualSecret = Object.entries(run.outputs).filter(([, o]) => o.secret).map(([k]) => k).sort();
        expect(actualSecret).toEqual(documentedSecret.filter((f) => !seed || ![...NEW_KEY_OUTPUTS, ...POOLER_OUTPUTS].includes(f)));
    });


    it("points apiUrl and studioUrl at the configured MetalLB addresses", () => {
        expect(run.outputs.apiUrl.value).toBe(expectedPublicUrls(cfg).api);
        expect(run.outputs.studioUrl.value).toBe(expectedPublicUrls(cfg).studio);
    });

    it("names the namespace and the in-cluster database host", () => {
        expect(run.outputs.namespace.value).toBe(cfg("namespace"));
        expect(run.outputs.databaseHost.value).toBe(`postgres.${cfg("namespace")}.svc`);
        expect(findManifest(run, "Service", "postgres").metadata.namespace).toBe(cfg("namespace"));
    });

    it("gives every configured app its schema and PostgREST profile headers", () => {
        const apps = JSON.parse(cfg("apps") ?? "[]") as string[];
        expect(apps.length).toBeGreaterThan(0);
        const out = run.outputs.apps.value as PlatformOutputs["apps"];
        expect(Object.keys(out).sort()).toEqual([...apps].sort());
        for (const app of apps) {
            expect(out[app]).toEqual({ schema: app, profileHeaders: { "Accept-Profile": app, "Content-Profile": app } });
        }
    });

    it("exposes through PostgREST every app schema the outputs promise", () => {
        const rest = findManifest(run, "Deployment", "rest").spec.template.spec.containers[0].env;
        const schemas = String(rest.find((e: any) => e.name === "PGRST_DB_SCHEMAS" || e.name === "PGRST_DB_SCHEMA")?.value ?? "").split(/\s*,\s*/);
        for (const app of Object.keys(run.outputs.apps.value as object)) expect(schemas).toContain(app);
    });
});

describe.each(["dev", "prod"])("pooler outputs of %s@v0.8.2", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack(stack, { overrides: { ...V082 } });
    });

    it("name the in-cluster host, both ports, per app its login role and templates, and per app a password that is the role's", () => {
        const ns = findManifest(run, "Deployment", "pooler").metadata.namespace;
        const apps = run.outputs.apps.value as PlatformOutputs["apps"];
        expect(run.outputs.poolerHost.value).toBe(`pooler.${ns}.svc`);
        expect(run.outputs.poolerPorts.value).toEqual({ transaction: 6543, session: 5432 });
        const poolerApps = run.outputs.poolerApps.value as NonNullable<PlatformOutputs["poolerApps"]>;
        const passwords = run.outputs.poolerPasswords.value as NonNullable<PlatformOutputs["poolerPasswords"]>;
        expect(Object.keys(poolerApps).sort()).toEqual(Object.keys(apps).sort());
        expect(Object.keys(passwords).sort()).toEqual(Object.keys(apps).sort());
        for (const app of Object.keys(apps)) {
            expect(poolerApps[app]).toEqual({
                role: `${app}_login`,
                inCluster: {
                    transaction: `postgresql://${app}_login:[PASSWORD]@pooler.${ns}.svc:6543/postgres?sslmode=disable`,
                    session: `postgresql://${app}_login:[PASSWORD]@pooler.${ns}.svc:5432/postgres?sslmode=disable`,
                },
            });
            // The password the database layer gives the login role is the one exported.
            const role = run.resources.find((r) => r.type === "postgresql:index/role:Role" && r.inputs.name === `${app}_login`)!;
            expect(role.inputs).toMatchObject({ login: true, inherit: false, roles: ["anon", "authenticated", `${app}_service`], password: passwords[app] });
            expect(passwords[app]).toMatch(/^[A-Za-z0-9]{32}$/);
        }
        expect(run.outputs.poolerNote.value).toMatch(/^PgBouncer 1\.25\.2 keeps protocol-level prepared statements working in transaction mode/);
    });
});

describe.each(["dev", "prod"])("new-key outputs of %s@v0.8.2", (stack) => {
    let run: ProgramRun;
    beforeAll(async () => {
        run = await runStack(stack, { overrides: V082 });
    });

    it("exports the opaque keys in upstream's shape and a JWKS of public keys only", () => {
        expect(run.outputs.publishableKey.value).toMatch(/^sb_publishable_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
        expect(run.outputs.secretKey.value).toMatch(/^sb_secret_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
        const jwks = JSON.parse(run.outputs.jwks.value as string);
        expect(jwks.keys).toHaveLength(1);
        expect(Object.keys(jwks.keys[0]).sort()).toEqual(["alg", "crv", "key_ops", "kid", "kty", "use", "x", "y"]);
    });
});
