// The directory the Pulumi CLI must find on PATH besides the built tools: @pulumi/pulumi's
// dynamic-provider shim (`pulumi-resource-pulumi-nodejs`, shipped in the npm package, not built),
// which the engine starts to host the program's dynamic providers. It points into the checkout
// that made the directory, so each checkout gets its own.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../tools/paths";

export function writeHostBin(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs");
    if (!fs.existsSync(target)) throw new Error(`${target} is missing: run npm ci in ${REPO_ROOT} first`);
    const shim = path.join(dir, "pulumi-resource-pulumi-nodejs");
    fs.rmSync(shim, { force: true });
    fs.symlinkSync(target, shim);
    return dir;
}
