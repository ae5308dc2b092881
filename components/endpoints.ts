// Service names and ports: the in-cluster addresses every component agrees on (the seed's names).
// Each port is its service's fact (components/services/<service>/facts.ts).
import { GOTRUE_PORT } from "./services/gotrue/facts";
import { IMGPROXY_PORT } from "./services/imgproxy/facts";
import { KONG_HTTPS_PORT, KONG_PORT } from "./services/kong/facts";
import { META_PORT } from "./services/meta/facts";
import { POOLER_PORTS } from "./services/pooler/facts";
import { POSTGRES_PORT } from "./services/postgres/facts";
import { REALTIME_PORT, REALTIME_TENANT } from "./services/realtime/facts";
import { REST_PORT } from "./services/rest/facts";
import { STORAGE_PORT } from "./services/storage/facts";
import { STUDIO_PORT } from "./services/studio/facts";

export const SERVICES = {
    postgres: { name: "postgres", port: POSTGRES_PORT },
    gotrue: { name: "gotrue", port: GOTRUE_PORT },
    rest: { name: "rest", port: REST_PORT },
    storage: { name: "storage", port: STORAGE_PORT },
    imgproxy: { name: "imgproxy", port: IMGPROXY_PORT },
    meta: { name: "meta", port: META_PORT },
    studio: { name: "studio", port: STUDIO_PORT },
    kong: { name: "kong", port: KONG_PORT, httpsPort: KONG_HTTPS_PORT },
    // Named after the tenant Realtime seeds: it reads the tenant from the Host's first label (realtime.ts).
    realtime: { name: REALTIME_TENANT, port: REALTIME_PORT },
    // The connection pooler (config `pooler`): transaction mode on `port`, session mode on `sessionPort`.
    pooler: { name: "pooler", port: POOLER_PORTS.transaction, sessionPort: POOLER_PORTS.session },
} as const;

export type ServiceName = keyof typeof SERVICES;

/** `<service>.<namespace>.svc`: resolvable from any namespace without assuming the cluster domain. */
export function serviceHost(service: ServiceName, namespace: string): string {
    return `${SERVICES[service].name}.${namespace}.svc`;
}

export function serviceUrl(service: ServiceName, namespace: string, path = ""): string {
    return `http://${serviceHost(service, namespace)}:${SERVICES[service].port}${path}`;
}

/** A libpq URL for one of the image's login roles; the password is alphanumeric, so no escaping. */
export function databaseUrl(role: string, password: string, namespace: string, query = ""): string {
    return `postgres://${role}:${password}@${serviceHost("postgres", namespace)}:${SERVICES.postgres.port}/postgres${query}`;
}
