// The only place the PolicyPack is constructed (constructing one starts a gRPC server).
// Rules live in policies/rules/<area>.ts and are tested there without the pack.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

new PolicyPack("supabase-platform", { policies: allPolicies });
