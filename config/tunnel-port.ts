// The admin tunnel's local port (dbAdminEndpoint tunnel): a config value with a derived default, so
// it is resolved here with the rest of the config; components/database/tunnel.ts listens on it.
import * as crypto from "crypto";

/** dbAdminTunnelPort 0 derives the port from project and stack into this range. */
export const DERIVED_PORT_MIN = 20000;
export const DERIVED_PORT_COUNT = 10000;

/**
 * The tunnel's local port. It must be STABLE: the postgresql Provider's host/port and every
 * dynamic database resource's `connection` input are stored in the state, so an ephemeral port
 * would make every preview show the provider and all of those resources as changed. 0 (the
 * default) derives one from project and stack into 20000–29999; any other value is used as is.
 */
export function tunnelPort(configured: number, project: string, stack: string): number {
    if (configured !== 0) return configured;
    const digest = crypto.createHash("sha256").update(`${project}/${stack}`).digest();
    return DERIVED_PORT_MIN + (digest.readUInt32BE(0) % DERIVED_PORT_COUNT);
}
