// `npm run db-tunnel`: the port, pod and namespace it opens are the ones the program's tunnel uses
// for the same stack, so `pulumi import` beside it reaches what the state's provider points at.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { tunnelPlan } from "../../scripts/db-tunnel";
import { resourcesOfType, runStack } from "../support/program";

describe("npm run db-tunnel", () => {
    it("opens the port the dev stack's postgresql provider is configured with, in the stack's namespace", async () => {
        const run = await runStack("dev");
        const [provider] = resourcesOfType(run, "pulumi:providers:postgresql");
        const plan = tunnelPlan("dev");
        expect(plan.port).toBe(Number(provider.inputs.port));
        expect(plan.namespace).toBe("supabase");
        expect(plan.kubeconfig).toBeUndefined();
    });

    it("refuses a stack that does not use the tunnel, naming its mode and file", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "db-tunnel-"));
        fs.copyFileSync(path.join(__dirname, "../../Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(path.join(root, "Pulumi.ci.yaml"), "config:\n  supabase-platform:dbAdminEndpoint: port-forward\n");
        expect(() => tunnelPlan("ci", root)).toThrow("stack ci uses dbAdminEndpoint port-forward, not tunnel: it has no tunnel to open (Pulumi.ci.yaml)");
        fs.rmSync(root, { recursive: true, force: true });
    });
});

describe("a dynamic database provider that finds the tunnel's port closed", () => {
    it("says which commands must run the program, and how to keep a tunnel open for import", async () => {
        const { withClient } = await import("../../components/database/providers/connection");
        const { freePort } = await import("../support/postgres");
        const port = await freePort();
        const failure = await withClient({ host: "127.0.0.1", port, user: "supabase_admin", password: "x", database: "postgres" }, async () => undefined)
            .then(() => "connected", (err: Error) => err.message);
        expect(failure).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port} (connection refused)`);
        expect(failure).toContain("pulumi destroy --run-program");
        expect(failure).toContain("npm run db-tunnel -- --stack <stack>");
    });
});
