// What `pitr` adds to the database pod, pure: the archiving settings on the command line, wal-g's
// storage env (credentials come from the postgres Secret by secretKeyRef, never here), the archive
// volume (its own claim, never the data volume) and, when the image ships no wal-g, the init
// containers that copy one beside PostgreSQL and check that it starts there.
import * as k8s from "../../../k8s";
import { PitrConfig } from "../../../../config";
import { restrictedContainerSecurity } from "../../../workload";
import { pitrSettingsOf, SUPPLIED_WALG, SUPPLIED_WALG_DIR, WAL_ARCHIVE_CLAIM, WAL_ARCHIVE_MOUNT, walgFor } from "./program";
import { archivingSettings, commandLineSettings, kubernetesEnv, walgEnv } from "./render";

type Container = k8s.types.input.core.v1.Container;

export interface PitrServerParts {
    /** `-c name=value` pairs appended to the server's args. */
    args: string[];
    env: { name: string; value: string }[];
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
    volumes: k8s.types.input.core.v1.Volume[];
    initContainers: Container[];
    /** The wal-g the server and the CronJob run, and the directory to put first on PATH for it (supplied copies only). */
    walg: { binary: string; pathDir?: string };
}

const SMALL = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };
/** The uid of the copy container: any non-root uid can write the emptyDir (mode 0777). */
const COPY_UID = 65532;

/**
 * The database pod's PITR parts. `rootSecurity` is the database's own (documented) exemption: the
 * archive volume's init container hands the volume to the postgres user as the entrypoint does.
 */
export function pitrServerParts(pitr: PitrConfig, postgresImage: string, rootSecurity: k8s.types.input.core.v1.SecurityContext): PitrServerParts {
    const walg = walgFor(postgresImage, pitr.walgImage);
    // Config refuses this before any resource (components/program-rules.ts); here it would be a bug.
    if ("missing" in walg) throw new Error(`pitr: ${walg.missing}`);
    const settings = pitrSettingsOf(pitr);
    // archive_command does not connect: the server gets only the storage part (PG* would also change
    // what the image's own scripts connect to). The CronJob passes the connection to its exec.
    const env = kubernetesEnv(walgEnv(settings).filter((v) => !v.name.startsWith("PG")));
    const parts: PitrServerParts = {
        args: commandLineSettings(archivingSettings(settings, walg.binary)),
        env,
        volumeMounts: [],
        volumes: [],
        initContainers: [],
        walg: { binary: walg.binary, ...(walg.supplied ? { pathDir: SUPPLIED_WALG_DIR } : {}) },
    };
    if (pitr.target === "volume") {
        parts.volumes.push({ name: "wal-archive", persistentVolumeClaim: { claimName: WAL_ARCHIVE_CLAIM } });
        parts.volumeMounts.push({ name: "wal-archive", mountPath: WAL_ARCHIVE_MOUNT });
        parts.initContainers.push({
            // archive_command runs as the postgres user; a fresh volume belongs to root.
            name: "prepare-wal-archive",
            image: postgresImage,
            command: ["sh", "-c", `chown postgres:postgres ${WAL_ARCHIVE_MOUNT} && chmod 700 ${WAL_ARCHIVE_MOUNT}`],
            volumeMounts: [{ name: "wal-archive", mountPath: WAL_ARCHIVE_MOUNT }],
            securityContext: rootSecurity,
            resources: SMALL,
        });
    }
    if (walg.supplied) {
        parts.volumes.push({ name: "wal-g", emptyDir: { sizeLimit: "256Mi" } });
        parts.volumeMounts.push({ name: "wal-g", mountPath: SUPPLIED_WALG_DIR, readOnly: true });
        parts.initContainers.push(
            {
                name: "copy-wal-g",
                image: pitr.walgImage!,
                command: ["sh", "-c", `cp \`command -v wal-g\` ${SUPPLIED_WALG} && chmod 755 ${SUPPLIED_WALG}`],
                volumeMounts: [{ name: "wal-g", mountPath: SUPPLIED_WALG_DIR }],
                securityContext: restrictedContainerSecurity(COPY_UID),
                resources: SMALL,
            },
            {
                // The copy must run in the postgres image (its libc, its libraries): fail here, named, not in archive_command.
                name: "check-wal-g",
                image: postgresImage,
                command: [SUPPLIED_WALG, "--version"],
                volumeMounts: [{ name: "wal-g", mountPath: SUPPLIED_WALG_DIR, readOnly: true }],
                securityContext: rootSecurity,
                resources: SMALL,
            },
        );
    }
    return parts;
}
