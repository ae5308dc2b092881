// The restore Job template: a NEW PersistentVolumeClaim, a Job that restores the archive into it as
// it was at a time or an LSN (the rendered SELECT_BACKUP_SCRIPT and RESTORE_SCRIPT, the runbook's
// steps 2a and 2b), and the NetworkPolicy that lets the Job reach the archive. The program never
// registers these: `npm run pitr:restore-job -- --stack <stack> --time <UTC>` prints them for an
// operator to apply (docs/runbooks/pitr-restore.md). Pure; plain manifests.
//
// The Job never mounts the database's own claims (postgres-data-postgres-0, postgres-config-…):
// only the new claim, and with pitrTarget volume the archive claim, read-only.
import { PlatformConfig } from "../../../../config";
import { dataSubPath, postgresMajorOf } from "../../../database/major-guard";
import { scopeSecretName } from "../../../secrets";
import { MANAGED_BY } from "../../../workload";
import { databaseSecurityContext } from "../env";
import { pitrSettingsOf, SUPPLIED_WALG, SUPPLIED_WALG_DIR, WAL_ARCHIVE_CLAIM, WAL_ARCHIVE_MOUNT, walgFor } from "./program";
import { kubernetesEnv, SELECT_BACKUP_SCRIPT, RESTORE_SCRIPT, walgEnv } from "./render";

type Manifest = Record<string, any>;

export const RESTORE_APP = "postgres-pitr-restore";
/** Where the new claim is mounted in the Job. */
export const RESTORE_MOUNT = "/restore";

export interface RestoreTarget {
    /** UTC, RFC 3339 with seconds and Z, e.g. 2026-12-07T14:04:00Z. */
    time?: string;
    /** An LSN, e.g. 0/3000060. */
    lsn?: string;
}

const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;
const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/** Why a target cannot be restored to (undefined when it can). */
export function restoreTargetProblem(target: RestoreTarget): string | undefined {
    if ((target.time === undefined) === (target.lsn === undefined)) return "give exactly one target: --time 2026-12-07T14:04:00Z (UTC, the second before the mistake) or --lsn 0/3000060";
    if (target.time !== undefined && (!TIME.test(target.time) || Number.isNaN(Date.parse(target.time)))) return `--time ${target.time}: must be UTC in RFC 3339 with seconds, e.g. 2026-12-07T14:04:00Z`;
    if (target.lsn !== undefined && !LSN.test(target.lsn)) return `--lsn ${target.lsn}: must be an LSN such as 0/3000060`;
    return undefined;
}

/** A DNS-label suffix naming the restore after its target, e.g. 20261207t140400z or lsn-0-3000060. */
export function restoreSuffix(target: RestoreTarget): string {
    return target.time !== undefined ? target.time.replace(/[-:]/g, "").toLowerCase() : `lsn-${target.lsn!.toLowerCase().replace("/", "-")}`;
}

/** The PVC, Job and NetworkPolicy of one restore; throws on a bad target or with pitr off. */
export function restoreJobManifests(config: PlatformConfig, target: RestoreTarget): Manifest[] {
    const problem = restoreTargetProblem(target);
    if (problem) throw new Error(problem);
    const pitr = config.pitr;
    if (!pitr) throw new Error(`stack ${config.stack} has pitr off: there is no archive to restore from (set pitr: true, then wait for a base backup)`);
    const image = config.images.postgres;
    const walg = walgFor(image, pitr.walgImage);
    if ("missing" in walg) throw new Error(`pitr: ${walg.missing}`);
    const namespace = config.namespace;
    const suffix = restoreSuffix(target);
    const claimName = `postgres-restore-${suffix}`;
    const labels = { "app.kubernetes.io/name": RESTORE_APP, "app.kubernetes.io/part-of": "supabase", "app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/component": "database" };
    // The data directory where the StatefulSet mounts it (its subPath), so the switch is a claim swap.
    const restorePgdata = `${RESTORE_MOUNT}/${dataSubPath(postgresMajorOf(image))}`;
    const walgDir = walg.supplied ? SUPPLIED_WALG_DIR : undefined;

    const claim: Manifest = {
        apiVersion: "v1", kind: "PersistentVolumeClaim",
        metadata: { name: claimName, namespace, labels },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: config.storage.storageClassName, resources: { requests: { storage: config.postgres.volumeSize } } },
    };

    const script = [
        "set -eu",
        ...(walgDir ? [`PATH="${walgDir}:$PATH"; export PATH`] : []),
        // The new volume belongs to root; the restore runs as the postgres user, as the server will.
        `chown postgres:postgres ${RESTORE_MOUNT}`,
        'PITR_BACKUP=`gosu postgres sh -c "$PITR_SELECT_BACKUP_SCRIPT"`',
        "export PITR_BACKUP",
        'echo "pitr restore: base backup $PITR_BACKUP"',
        'gosu postgres sh -c "$PITR_RESTORE_SCRIPT"',
    ].join("\n");

    const secretRef = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: scopeSecretName("postgres"), key } } });
    const env = [
        ...kubernetesEnv(walgEnv(pitrSettingsOf(pitr)).filter((v) => !v.name.startsWith("PG"))),
        ...(pitr.s3 ? [secretRef("AWS_ACCESS_KEY_ID"), secretRef("AWS_SECRET_ACCESS_KEY")] : []),
        ...(target.time !== undefined ? [{ name: "PITR_TARGET_TIME", value: target.time }] : [{ name: "PITR_TARGET_LSN", value: target.lsn! }]),
        { name: "PITR_RESTORE_PGDATA", value: restorePgdata },
        ...(walg.supplied ? [{ name: "PITR_WALG", value: SUPPLIED_WALG }] : []),
        { name: "PITR_SELECT_BACKUP_SCRIPT", value: SELECT_BACKUP_SCRIPT },
        { name: "PITR_RESTORE_SCRIPT", value: RESTORE_SCRIPT },
    ];
    const small = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
    const volumes: Manifest[] = [{ name: "restore", persistentVolumeClaim: { claimName } }];
    const mounts: Manifest[] = [{ name: "restore", mountPath: RESTORE_MOUNT }];
    const initContainers: Manifest[] = [];
    if (pitr.target === "volume") {
        volumes.push({ name: "wal-archive", persistentVolumeClaim: { claimName: WAL_ARCHIVE_CLAIM, readOnly: true } });
        mounts.push({ name: "wal-archive", mountPath: WAL_ARCHIVE_MOUNT, readOnly: true });
    }
    if (walg.supplied) {
        volumes.push({ name: "wal-g", emptyDir: { sizeLimit: "256Mi" } });
        mounts.push({ name: "wal-g", mountPath: SUPPLIED_WALG_DIR, readOnly: true });
        initContainers.push({
            name: "copy-wal-g", image: pitr.walgImage!,
            command: ["sh", "-c", `cp \`command -v wal-g\` ${SUPPLIED_WALG} && chmod 755 ${SUPPLIED_WALG}`],
            volumeMounts: [{ name: "wal-g", mountPath: SUPPLIED_WALG_DIR }],
            securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            resources: small,
        });
    }

    const job: Manifest = {
        apiVersion: "batch/v1", kind: "Job",
        metadata: { name: `${RESTORE_APP}-${suffix}`, namespace, labels },
        spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: 24 * 3600,
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                    // pitrTarget volume: the archive claim is ReadWriteOnce and attached where postgres-0 runs.
                    ...(pitr.target === "volume" ? {
                        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { "app.kubernetes.io/name": "postgres" } }, topologyKey: "kubernetes.io/hostname" }] } },
                    } : {}),
                    ...(initContainers.length ? { initContainers } : {}),
                    containers: [{
                        name: "restore",
                        image,
                        command: ["sh", "-c", script],
                        env,
                        securityContext: databaseSecurityContext(),
                        resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "2Gi" } },
                        volumeMounts: mounts,
                    }],
                    volumes,
                },
            },
        },
    };

    // The namespace denies all egress by default: the Job reaches DNS and, with S3, the archive.
    const s3Port = pitr.s3 ? (pitr.s3.endpoint ? urlPort(pitr.s3.endpoint) : 443) : undefined;
    const policy: Manifest = {
        apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy",
        metadata: { name: `allow-${RESTORE_APP}-${suffix}`, namespace, labels },
        spec: {
            podSelector: { matchLabels: { "app.kubernetes.io/name": RESTORE_APP } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: [
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                ...(s3Port ? [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: s3Port }] }] : []),
            ],
        },
    };
    return [claim, job, policy];
}

function urlPort(url: string): number {
    try {
        const u = new URL(url);
        return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
    } catch {
        return 443;
    }
}
