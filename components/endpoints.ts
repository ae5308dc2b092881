// Service names and ports: the in-cluster addresses every component agrees on (the seed's names).
export const SERVICES = {
    postgres: { name: "postgres", port: 5432 },
    gotrue: { name: "gotrue", port: 9999 },
    rest: { name: "rest", port: 3000 },
    storage: { name: "storage", port: 5000 },
    imgproxy: { name: "imgproxy", port: 5001 },
    meta: { name: "meta", port: 8080 },
    studio: { name: "studio", port: 3000 },
    kong: { name: "kong", port: 8000, httpsPort: 8443 },
    // Named after the tenant Realtime seeds: it reads the tenant from the Host's first label (realtime.ts).
    realtime: { name: "realtime-dev", port: 4000 },
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
