// The parts of @pulumi/kubernetes the program uses, each loaded from its own submodule: the
// package's index loads every API group and version on import (about 120 modules, which every
// `pulumi preview` and offline render paid for), these about 20. The classes are the package's
// own, and each version module registers itself for resource references as it does under the
// index; the index also registers the kubernetes provider package, for references to explicit
// kubernetes.Provider resources, which the program does not create. Types (k8s.types.…) come
// from the declarations and cost nothing at run time.
import * as customResource from "@pulumi/kubernetes/apiextensions/customResource";
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";
import * as rbacV1 from "@pulumi/kubernetes/rbac/v1";
import * as storageV1 from "@pulumi/kubernetes/storage/v1";

export type { types } from "@pulumi/kubernetes";

export namespace apiextensions {
    export import CustomResource = customResource.CustomResource;
}
export namespace apps {
    export import v1 = appsV1;
}
export namespace batch {
    export import v1 = batchV1;
}
export namespace core {
    export import v1 = coreV1;
}
export namespace networking {
    export import v1 = networkingV1;
}
export namespace policy {
    export import v1 = policyV1;
}
export namespace rbac {
    export import v1 = rbacV1;
}
export namespace storage {
    export import v1 = storageV1;
}
