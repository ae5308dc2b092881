// Key and password rotation: bumping `rotation` regenerates every generated value, changes every
// Secret a workload reads (the Kong declarative config included) and the checksum of every pod
// template that reads one, so `pulumi up` rolls exactly those pods. "Affected" is derived from
// each pod spec's secretKeyRefs, secretRefs and Secret volumes, not from a list.
import { beforeAll, describe, expect, it } from "vitest";
import { ProgramRun } from "../../offline/engine";
import { Manifest } from "../../offline/manifests";
import { manifests, runStack } from "../support/program";

const CHECKSUM = "checksum/config";

function podSpecOf(m: Manifest): Record<string, any> | undefined {
    if (m.kind === "CronJob") return m.spec?.jobTemplate?.spec?.template?.spec;
    return m.spec?.template?.spec;
}

/** Names of the Secrets a pod spec reads, however it reads them. */
function secretsReadBy(pod: Record<string, any>): string[] {
    const names = new Set<string>();
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
        for (const e of c.envFrom ?? []) if (e.secretRef?.name) names.add(e.secretRef.name);
    }
    for (const v of pod.volumes ?? []) {
        if (v.secret?.secretName) names.add(v.secret.secretName);
        for (const source of v.projected?.sources ?? []) if (source.secret?.name) names.add(source.secret.name);
    }
    return [...names].sort();
}

const key = (m: Manifest) => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;
const byKey = (run: ProgramRun) => new Map(manifests(run).map((m) => [key(m), m]));
const podWorkloads = (run: ProgramRun) => manifests(run).filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");

describe.each(["dev", "prod"])("rotation on stack %s", (stack) => {
    let before: ProgramRun;
    let again: ProgramRun;
    let rotated: ProgramRun;
    beforeAll(async () => {
        before = await runStack(stack);
        again = await runStack(stack, { fresh: true });
        rotated = await runStack(stack, { overrides: { rotation: 1 } });
    });

    it("finds the workloads that read Secrets from their pod specs", () => {
        const readers = podWorkloads(before).filter((m) => secretsReadBy(podSpecOf(m)!).length > 0);
        // The database and the services that hold credentials, whatever their number.
        expect(readers.map((m) => m.metadata.name)).toEqual(expect.arrayContaining(["postgres"]));
        expect(readers.length).toBeGreaterThanOrEqual(2);
    });

    it("changes the checksum of every pod template that reads a Secret", () => {
        const after = byKey(rotated);
        const unchanged: string[] = [];
        for (const workload of podWorkloads(before)) {
            if (secretsReadBy(podSpecOf(workload)!).length === 0) continue;
            const old = workload.spec.template.metadata?.annotations?.[CHECKSUM];
            const next = after.get(key(workload))?.spec.template.metadata?.annotations?.[CHECKSUM];
            expect(old, `${key(workload)} has no ${CHECKSUM} annotation`).toMatch(/^[0-9a-f]{64}$/);
            if (next === old) unchanged.push(key(workload));
        }
        expect(unchanged).toEqual([]);
    });

    it("changes every Secret a workload reads, the Kong config included", () => {
        const after = byKey(rotated);
        // The hostnames' certificate is cert-manager's (or the user's) Secret, not a generated one: rotation leaves it alone.
        const certificateSecrets = new Set(manifests(before).filter((m) => m.kind === "Certificate").map((m) => m.spec.secretName));
        const read = new Set(manifests(before).flatMap((m) => (podSpecOf(m) ? secretsReadBy(podSpecOf(m)!) : [])).filter((name) => !certificateSecrets.has(name)));
        const secrets = manifests(before).filter((m) => m.kind === "Secret" && read.has(m.metadata.name));
        expect(secrets.length).toBeGreaterThanOrEqual(read.size);
        const kong = manifests(before).filter((m) => m.kind === "Secret" && m.metadata.name.startsWith("kong"));
        for (const k of kong) expect(read.has(k.metadata.name), `${k.metadata.name} is read by Kong`).toBe(true);
        const unchanged = secrets
            .filter((s) => JSON.stringify(after.get(key(s))?.stringData ?? s.data) === JSON.stringify(s.stringData ?? s.data))
            .map(key);
        expect(unchanged).toEqual([]);
        // Generated values are new everywhere: no rotated Secret repeats an old generated value.
        const oldValues = new Set(secrets.flatMap((s) => Object.values<string>(s.stringData ?? {})).filter((v) => /^[A-Za-z0-9]{32,}$/.test(v)));
        const repeated = [...after.values()].filter((m) => m.kind === "Secret")
            .flatMap((s) => Object.entries<string>(s.stringData ?? {}).filter(([, v]) => oldValues.has(v)).map(([k]) => `${s.metadata.name}.${k}`));
        expect(repeated).toEqual([]);
    });

    it("changes the key and secret outputs", () => {
        for (const output of ["anonKey", "serviceRoleKey", "jwtSecret"]) {
            expect(rotated.outputs[output].value, output).not.toBe(before.outputs[output].value);
        }
        expect(rotated.outputs.apiUrl.value).toBe(before.outputs.apiUrl.value);
    });

    it("changes nothing at all on a second run without the bump", () => {
        expect(again.resources.map((r) => r.urn)).toEqual(before.resources.map((r) => r.urn));
        const previous = new Map(before.resources.map((r) => [r.urn, r.inputs]));
        const changed = again.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(previous.get(r.urn))).map((r) => r.urn);
        expect(changed).toEqual([]);
        expect(again.outputs).toEqual(before.outputs);
    });
});
