// Every rule of the pack, by area. (The rules arrive with the guardrails issue.)
import { Policy } from "@pulumi/policy";

export const allPolicies: Policy[] = [];
