// The pooler's files and container, pure: (config, release image) → the two pgbouncer.ini files,
// the mounts that put them where the image's CMD reads, and the app connection outputs.
import * as k8s from "../../k8s";
import { PlatformConfig, PoolerConfig } from "../../../config";
import { SERVICES, serviceHost } from "../../endpoints";
import { appConnectionTemplates, appLoginRole, preparedStatementsNote } from "./connection";
import { POOLER_CONTAINERS, POOLER_PATHS, POOLER_PORTS, PoolMode, pgbouncerVersionOf } from "./facts";
import { renderPoolerConfig } from "./ini";

/** ConfigMap keys of the two processes' ini files. */
export const INI_KEYS: Record<PoolMode, `${PoolMode}.ini`> = { transaction: "transaction.ini", session: "session.ini" };
/** The Secret key (bundle scope `pooler`) of userlist.txt. */
export const AUTH_FILE_KEY = "userlist.txt";

/** Both pgbouncer.ini files for the stack: the database Service, the apps' login roles, the configured sizes. */
export function poolerIniFiles(config: PlatformConfig, pooler: PoolerConfig): Record<`${PoolMode}.ini`, string> {
    return renderPoolerConfig({
        databaseHost: serviceHost("postgres", config.namespace),
        databasePort: SERVICES.postgres.port,
        pgbouncerVersion: pgbouncerVersionOf(config.images.pooler),
        allowedRoles: config.apps.map((app) => appLoginRole(app.name)),
    }, pooler.sizes);
}

/**
 * One process's container: the image's own ENTRYPOINT and CMD (`/usr/bin/pgbouncer
 * /etc/pgbouncer/pgbouncer.ini`); the entrypoint renders nothing because that file exists.
 */
export function poolerContainer(image: string, mode: PoolMode, volumes: { ini: string; authFile: string }): k8s.types.input.core.v1.Container {
    const port = POOLER_PORTS[mode];
    return {
        name: POOLER_CONTAINERS[mode],
        image,
        ports: [{ name: mode === "transaction" ? "transaction" : "session", containerPort: port }],
        volumeMounts: [
            { name: volumes.ini, mountPath: POOLER_PATHS.ini, subPath: INI_KEYS[mode], readOnly: true },
            { name: volumes.authFile, mountPath: POOLER_PATHS.authFile, subPath: AUTH_FILE_KEY, readOnly: true },
        ],
        readinessProbe: { tcpSocket: { port }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 5, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "128Mi" } },
    };
}

/** The host apps use: the LoadBalancer's IP when configured, else the in-cluster Service name. */
export function poolerHostOf(config: PlatformConfig, pooler: PoolerConfig): { inCluster: string; external?: string } {
    const inCluster = serviceHost("pooler", config.namespace);
    return pooler.endpoint.mode === "loadbalancer" ? { inCluster, external: pooler.endpoint.ip } : { inCluster };
}

/** Per app: its login role and the connection string templates (password left as [PASSWORD]). */
export function poolerAppOutputs(config: PlatformConfig, pooler: PoolerConfig) {
    const hosts = poolerHostOf(config, pooler);
    return Object.fromEntries(config.apps.map((app) => [app.name, {
        role: appLoginRole(app.name),
        inCluster: appConnectionTemplates(app.name, hosts.inCluster),
        ...(hosts.external ? { external: appConnectionTemplates(app.name, hosts.external) } : {}),
    }]));
}

/** The prepared-statements note for the PgBouncer the stack's image runs. */
export const poolerNote = (config: PlatformConfig) => preparedStatementsNote(pgbouncerVersionOf(config.images.pooler));
