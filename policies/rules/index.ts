// Every rule of the pack, by area. policies/index.ts builds the PolicyPack from this list; tests
// and the offline render import it directly (building a pack would start a gRPC server).
import { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { connectionBudget } from "./connections";
import { pdbAllowsDisruption, pdbForReplicatedWorkloads } from "./disruption";
import { internalServicesNotExposed, loadBalancerAllowlist, loadBalancerNodePorts, metallbIpRequest, noNodePort } from "./exposure";
import { gatewayRouteAuth } from "./gateway";
import { imageDigestPinned, imageMatchesRelease, imageTagPinned } from "./images";
import { networkPolicyCoverage, networkPolicyTargetsPods } from "./network";
import { namespacePodSecurity, podSecurityRestricted, readOnlyRootFilesystem } from "./pod-security";
import { livenessDiffersFromReadiness, readinessProbe } from "./probes";
import { memoryLimits, resourceRequests } from "./resources";
import { noDefaultSupabaseSecrets, jwtSecretLength, noLiteralSecretEnv, noSecretsInConfigMaps } from "./secrets";
import { dedicatedServiceAccount, serviceAccountTokenNotMounted } from "./service-accounts";
import { databaseVolumeLonghorn } from "./storage";
import { storageMoveGuarded } from "./storage-api";
import { pitrInProduction } from "./recovery";
import { apiOverTls } from "./tls";
import { probePortsExist, selectorMatchesTemplate, serviceSelectsPods, statefulSetHeadlessService } from "./wiring";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Area → rules; the rules table of docs/guardrails.md is generated from this. */
export const POLICY_AREAS: Record<string, AnyPolicy[]> = {
    "pod security": [podSecurityRestricted, namespacePodSecurity, readOnlyRootFilesystem],
    images: [imageTagPinned, imageDigestPinned, imageMatchesRelease],
    probes: [readinessProbe, livenessDiffersFromReadiness],
    resources: [resourceRequests, memoryLimits],
    secrets: [noLiteralSecretEnv, noSecretsInConfigMaps, noDefaultSupabaseSecrets, jwtSecretLength],
    exposure: [loadBalancerAllowlist, metallbIpRequest, noNodePort, loadBalancerNodePorts, internalServicesNotExposed],
    gateway: [gatewayRouteAuth],
    storage: [databaseVolumeLonghorn],
    "storage api": [storageMoveGuarded],
    network: [networkPolicyCoverage, networkPolicyTargetsPods],
    disruption: [pdbAllowsDisruption, pdbForReplicatedWorkloads],
    wiring: [statefulSetHeadlessService, serviceSelectsPods, probePortsExist, selectorMatchesTemplate],
    "service accounts": [dedicatedServiceAccount, serviceAccountTokenNotMounted],
    connections: [connectionBudget],
    recovery: [pitrInProduction],
    tls: [apiOverTls],
};

export const allPolicies: AnyPolicy[] = Object.values(POLICY_AREAS).flat();

export function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}
