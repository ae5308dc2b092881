// The directory the Pulumi CLI must find on PATH besides the built tools: the project's Node.js
// language host (tools/language-host.ts; why it exists is written there) and @pulumi/pulumi's
// dynamic-provider shim. Both point into the checkout that made the directory.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../tools/paths";

export function writeHostBin(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    if (!fs.existsSync(tsx)) throw new Error(`${tsx} is missing: run npm ci in ${REPO_ROOT} first`);
    fs.writeFileSync(path.join(dir, "pulumi-language-nodejs"),
        `#!/bin/sh\nexec "${tsx}" "${path.join(REPO_ROOT, "tools", "language-host.ts")}" "$@"\n`, { mode: 0o755 });
    const shim = path.join(dir, "pulumi-resource-pulumi-nodejs");
    fs.rmSync(shim, { force: true });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"), shim);
    return dir;
}
