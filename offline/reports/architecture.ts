// out/<stack>/architecture.md: a Mermaid diagram of who talks to whom, derived from the declared
// objects (see offline/architecture.ts).
import * as fs from "fs";
import * as path from "path";
import { architectureMarkdown, architectureOf } from "../architecture";
import { kubernetesObjects } from "../manifests";
import type { Report } from "./report";

export const architectureReport: Report = {
    write(run, outDir) {
        const arch = architectureOf(kubernetesObjects(run.resources).map((o) => o.manifest));
        fs.writeFileSync(path.join(outDir, "architecture.md"), architectureMarkdown(arch, run.stack));
        return [
            `Architecture: ${arch.nodes.length} nodes, ${arch.edges.length} connections → architecture.md`,
            ...arch.unresolved.map((u) => `  WARN ${u.host} (${u.evidence}) matches no declared Service`),
        ];
    },
};
