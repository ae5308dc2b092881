// The storage service itself. supabase/storage-api before v0.48.3 writes the destination of
// POST /object/move as the service role, so any signed-in user can move their file into another
// user's folder (issue #11; fixed upstream by "fix: rls check on move", supabase/storage#400).
// A stack running such a version must carry a mitigation: the database layer's move guard (a
// trigger on storage.objects), or a Kong route that refuses /storage/v1/object/move to users.
import { StackValidationPolicy } from "@pulumi/policy";
import { kongConfigsOf, kongRoutes } from "./gateway";
import { parseImage } from "./images";
import { configOf, containersOf, workloadLabel, workloadsOf } from "./util";

export interface StorageMoveConfig {
    /** Image repositories (the part before the tag, ending) that are storage-api. */
    repositories: string[];
    /** First fixed release, `major.minor.patch`. */
    fixedIn: string;
    /** Resource type of the database layer's guard. */
    guardType: string;
    /** ACL groups a route may admit and still count as refusing users. */
    adminGroups: string[];
}

export const MOVE_PATH = "/storage/v1/object/move";

const version = (s: string | undefined) => {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:$|[-+])/.exec(s ?? "");
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
};

/** True unless the tag is a release at or after `fixedIn`; a digest-only or odd tag counts as affected. */
export function hasMoveHole(tag: string | undefined, fixedIn: string): boolean {
    const v = version(tag);
    const fixed = version(fixedIn)!;
    if (!v) return true;
    for (let i = 0; i < 3; i++) if (v[i] !== fixed[i]) return v[i] < fixed[i];
    return false;
}

export const storageMoveGuarded: StackValidationPolicy = {
    name: "storage-move-guarded",
    description: "A storage-api image before v0.48.3 (whose object move bypasses RLS for the destination) runs only with a mitigation: the database move guard, or a Kong route refusing /storage/v1/object/move to users.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            repositories: { type: "array", items: { type: "string" }, default: ["supabase/storage-api"] },
            fixedIn: { type: "string", default: "0.48.3" },
            guardType: { type: "string", default: "pulumi-nodejs:dynamic/database:StorageMoveGuard" },
            adminGroups: { type: "array", items: { type: "string" }, default: ["admin"] },
        },
    },
    validateStack: (args, report) => {
        const config = configOf<StorageMoveConfig>(storageMoveGuarded, args);
        const affected = workloadsOf(args.resources).flatMap((w) => containersOf(w.pod)
            .filter(({ container }) => typeof container.image === "string" && config.repositories.some((r) => parseImage(container.image!).repository.endsWith(r)))
            .filter(({ container }) => hasMoveHole(parseImage(container.image!).tag, config.fixedIn))
            .map(({ container }) => ({ w, container })));
        if (affected.length === 0) return args.notApplicable("no storage-api image before the move fix");

        if (args.resources.some((r) => r.type === config.guardType)) return;
        const refusedAtGateway = kongConfigsOf(args.resources).some(({ doc }) => kongRoutes(doc).some((route) => {
            if (!route.paths.some((p) => p.replace(/\/+$/, "") === MOVE_PATH)) return false;
            const names = route.plugins.map((p) => p.name);
            if (names.includes("request-termination")) return true;
            const allow = route.plugins.filter((p) => p.name === "acl").flatMap((p) => (p.config.allow ?? []) as string[]);
            return names.includes("key-auth") && allow.length > 0 && allow.every((g) => config.adminGroups.includes(g));
        }));
        if (refusedAtGateway) return;
        for (const { w, container } of affected) {
            report(`${workloadLabel(w)}: container ${container.name} runs ${container.image}, whose POST /object/move writes the destination as the service role (fixed in v${config.fixedIn}); ` +
                `the stack has neither the database move guard (${config.guardType}) nor a Kong route refusing ${MOVE_PATH} to users`, w.urn);
        }
    },
};
