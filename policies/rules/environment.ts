// Which stack is production: the platform's Namespace carries ENVIRONMENT_ANNOTATION = production
// (config `environment`, written by components/cluster.ts). The pack sees only rendered resources,
// so this annotation is the one signal; rules that hold production to more key on it.
import { PolicyResource } from "@pulumi/policy";
import { ENVIRONMENT_ANNOTATION } from "../../releases";
import { resourcesOfType, T } from "./util";

export { ENVIRONMENT_ANNOTATION };

/** The namespaces marked production. */
export function productionNamespaces(resources: PolicyResource[]): string[] {
    return resourcesOfType(resources, T.namespace)
        .filter((r) => r.props.metadata?.annotations?.[ENVIRONMENT_ANNOTATION] === "production")
        .map((r) => r.props.metadata?.name ?? r.name);
}

export const isProductionStack = (resources: PolicyResource[]) => productionNamespaces(resources).length > 0;
