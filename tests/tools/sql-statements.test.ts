// The statement boundaries the image replay relies on: psql's, so that a skipped or failing
// statement is the one psql would have sent.
import { describe, expect, it } from "vitest";
import { splitSqlStatements } from "../../sandbox/sql-statements";

const sqls = (text: string) => splitSqlStatements(text).map((s) => s.sql);

describe("splitSqlStatements", () => {
    it("ends a statement at a semicolon, with the line it starts on", () => {
        expect(splitSqlStatements("-- migrate:up\ncreate role a;\n\ngrant a to b;\n-- migrate:down\n")).toEqual([
            { sql: "-- migrate:up\ncreate role a", line: 2 },
            { sql: "grant a to b", line: 4 },
        ]);
    });

    it("keeps semicolons inside dollar quotes, tagged or not, and nested tags", () => {
        const body = "create function f() returns void as $func$\nbegin\n  execute $$select 1;$$;\nend;\n$func$ language plpgsql";
        expect(sqls(`${body};\nselect 2;`)).toEqual([body, "select 2"]);
    });

    it("keeps semicolons inside strings, E-strings, quoted identifiers and comments", () => {
        expect(sqls("select 'a;''b';")).toEqual(["select 'a;''b'"]);
        expect(sqls("select E'a\\';b';")).toEqual(["select E'a\\';b'"]);
        expect(sqls('alter role x set search_path to "\\$user;x", public;')).toEqual(['alter role x set search_path to "\\$user;x", public']);
        expect(sqls("select 1 /* a; /* nested; */ b; */ + 1;")).toEqual(["select 1 /* a; /* nested; */ b; */ + 1"]);
        expect(sqls("select 1 -- trailing; comment\n;")).toEqual(["select 1 -- trailing; comment"]);
    });

    it("keeps semicolons inside parentheses, as psql does (CREATE RULE … DO (a; b))", () => {
        expect(sqls("create rule r as on insert to t do also (insert into a values (1); insert into b values (2));")).toHaveLength(1);
    });

    it("drops comment-only and empty remainders, and takes a last statement without semicolon", () => {
        expect(sqls("select 1;\n-- nothing else\n")).toEqual(["select 1"]);
        expect(sqls("select 1;\nselect 2")).toEqual(["select 1", "select 2"]);
    });

    it("refuses psql meta-commands instead of sending them to the server", () => {
        expect(() => splitSqlStatements("select 1;\n\\set pgpass `echo x`\n")).toThrow("psql meta-command at line 2 (\\set pgpass `echo x`)");
    });

    it("a dollar sign inside an identifier is not a quote", () => {
        expect(sqls("select a$b from t; select 2;")).toEqual(["select a$b from t", "select 2"]);
    });
});
