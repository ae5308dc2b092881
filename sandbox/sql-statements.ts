// Splits an SQL script into statements the way psql does with `-f`: a `;` ends a statement only
// outside quotes, comments, dollar quotes and parentheses. The image's migrate.sh runs every
// script through psql, which sends each statement on its own (autocommit), so a replay that wants
// to skip one statement, or name the one that failed, needs the same boundaries.
// psql backslash commands are not supported; the scripts replayed here have none, and a script
// that does is refused rather than sent to the server half-understood.

export interface SqlStatement {
    /** The statement text, without the terminating `;`, leading comments kept. */
    sql: string;
    /** 1-based line of the statement's SQL (after leading blank and `--` comment lines). */
    line: number;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

export function splitSqlStatements(text: string): SqlStatement[] {
    const out: SqlStatement[] = [];
    let start = 0;
    let depth = 0;
    let i = 0;
    const push = (end: number) => {
        const raw = text.slice(start, end);
        const body = raw.trim();
        if (body && !isOnlyComments(body)) out.push({ sql: body, line: lineOf(start + sqlOffset(raw)) });
        start = end + 1;
    };
    const lineOf = (offset: number) => {
        let n = 1;
        for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) n++;
        return n;
    };
    while (i < text.length) {
        const c = text[i];
        const next = text[i + 1];
        if (c === "-" && next === "-") {
            const end = text.indexOf("\n", i);
            i = end < 0 ? text.length : end + 1;
        } else if (c === "/" && next === "*") {
            // Block comments nest in PostgreSQL.
            let nest = 1;
            i += 2;
            while (i < text.length && nest > 0) {
                if (text[i] === "/" && text[i + 1] === "*") { nest++; i += 2; } else if (text[i] === "*" && text[i + 1] === "/") { nest--; i += 2; } else i++;
            }
        } else if (c === "'") {
            // E'…' strings take backslash escapes; standard strings only the doubled quote.
            const escaped = i > 0 && /[eE]/.test(text[i - 1]) && (i < 2 || !/[A-Za-z0-9_]/.test(text[i - 2]));
            i++;
            while (i < text.length) {
                if (escaped && text[i] === "\\") { i += 2; continue; }
                if (text[i] === "'") {
                    if (text[i + 1] === "'") { i += 2; continue; }
                    break;
                }
                i++;
            }
            i++;
        } else if (c === '"') {
            i++;
            while (i < text.length && !(text[i] === '"' && text[i + 1] !== '"')) i += text[i] === '"' ? 2 : 1;
            i++;
        } else if (c === "$" && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1]))) {
            const m = DOLLAR_TAG.exec(text.slice(i));
            if (!m) { i++; continue; }
            const close = text.indexOf(m[0], i + m[0].length);
            if (close < 0) throw new Error(`unterminated dollar quote ${m[0]} at line ${lineOf(i)}`);
            i = close + m[0].length;
        } else if (c === "\\" && isLineStart(text, i)) {
            throw new Error(`psql meta-command at line ${lineOf(i)} (${text.slice(i).split("\n")[0].trim()}): not supported by this replay`);
        } else if (c === "(") { depth++; i++; } else if (c === ")") { depth = Math.max(0, depth - 1); i++; } else if (c === ";" && depth === 0) {
            push(i);
            i++;
        } else i++;
    }
    push(text.length);
    return out;
}

function isLineStart(text: string, i: number): boolean {
    for (let k = i - 1; k >= 0; k--) {
        if (text[k] === "\n") return true;
        if (text[k] !== " " && text[k] !== "\t") return false;
    }
    return true;
}

/** Offset of the first character that is neither blank nor in a leading `--` comment. */
function sqlOffset(raw: string): number {
    let k = 0;
    for (;;) {
        while (k < raw.length && /\s/.test(raw[k])) k++;
        if (raw.startsWith("--", k)) {
            const nl = raw.indexOf("\n", k);
            if (nl < 0) return raw.length;
            k = nl + 1;
        } else return k;
    }
}

function isOnlyComments(body: string): boolean {
    return body.split("\n").every((l) => l.trim() === "" || l.trim().startsWith("--"));
}
