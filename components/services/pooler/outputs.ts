// The stack outputs of the pooler (outputs.ts PlatformOutputs, the pooler* fields), or undefined
// when the stack does not deploy it.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../../../config";
import { AppPoolerOutput, PlatformOutputs } from "../../../outputs";
import { SERVICES, serviceHost } from "../../endpoints";
import { poolerAppOutputs, poolerNote } from "./env";

export function poolerOutputs(config: PlatformConfig, values: { loginPasswords: Record<string, pulumi.Output<string>> } | undefined) {
    if (!config.pooler || !values) return undefined;
    return {
        host: serviceHost("pooler", config.namespace),
        ports: { transaction: SERVICES.pooler.port, session: SERVICES.pooler.sessionPort } as NonNullable<PlatformOutputs["poolerPorts"]>,
        apps: poolerAppOutputs(config, config.pooler) as Record<string, AppPoolerOutput>,
        note: poolerNote(config),
        passwords: pulumi.secret(pulumi.all(values.loginPasswords)),
    };
}
