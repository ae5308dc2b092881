// Requests the way PostgREST (and Storage) run them: logged in as authenticator, one transaction
// per request, `SET LOCAL ROLE` to the token's role and the verified claims in request.jwt.claims.
import * as jwt from "jsonwebtoken";
import { Client, escapeIdentifier } from "pg";
import { Target } from "./apply";

export interface Principal {
    label: string;
    token: string;
}

/** A user session token as GoTrue issues it (HS256 over the platform's JWT secret). */
export function userToken(jwtSecret: string, userId: string, email: string, role = "authenticated"): string {
    return jwt.sign({ sub: userId, role, aud: "authenticated", email }, jwtSecret, { algorithm: "HS256", expiresIn: 3600 });
}

export type Outcome = { ok: true; rows: any[]; rowCount: number } | { ok: false; code: string; message: string };

/** A pooled-connection stand-in for PostgREST: one authenticator login, a transaction per request. */
export class Api {
    private constructor(private readonly client: Client, private readonly jwtSecret: string) {}

    static async connect(target: Target, authenticatorPassword: string, jwtSecret: string): Promise<Api> {
        const client = new Client({ host: target.host, port: target.port, user: "authenticator", password: authenticatorPassword, database: "postgres" });
        await client.connect();
        return new Api(client, jwtSecret);
    }

    /** Runs sql as the token's principal; rolled back unless commit is set (tests stay independent). */
    async request(token: string, sql: string, params: unknown[] = [], commit = false): Promise<Outcome> {
        const claims = jwt.verify(token, this.jwtSecret, { algorithms: ["HS256"] }) as jwt.JwtPayload;
        await this.client.query("BEGIN");
        try {
            await this.client.query(`SET LOCAL ROLE ${escapeIdentifier(String(claims.role))}`);
            await this.client.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
            const result = await this.client.query(sql, params);
            await this.client.query(commit ? "COMMIT" : "ROLLBACK");
            return { ok: true, rows: result.rows, rowCount: result.rowCount ?? 0 };
        } catch (error) {
            await this.client.query("ROLLBACK");
            const e = error as { code?: string; message: string };
            return { ok: false, code: e.code ?? "", message: e.message };
        }
    }

    async end(): Promise<void> {
        await this.client.end();
    }
}
