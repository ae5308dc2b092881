// Evaluates a Kong request-transformer template expression (`$(...)`) with a real Lua VM
// (fengari, Lua 5.3 in JavaScript), so tests run the very expression the gateway is given rather
// than a re-implementation of it. The expressions use only Lua 5.1 features (string.sub, and/or,
// concatenation), which LuaJIT in Kong evaluates the same way.
import { lauxlib, lua, lualib, to_luastring } from "fengari";

/** The Lua body of a `$(...)` template, or undefined when the value is a plain string. */
export function templateBody(value: string): string | undefined {
    if (!value.startsWith("$(") || !value.endsWith(")")) return undefined;
    return value.slice(2, -1);
}

const luaString = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

const luaTable = (values: Record<string, string | undefined>, lower: boolean) =>
    `{ ${Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `[${luaString(lower ? k.toLowerCase() : k)}] = ${luaString(v!)}`).join(", ")} }`;

/**
 * Evaluates `expression` with the `headers` (lower-case names, as Kong's template sees them) and
 * `query_params` tables of request-transformer's template environment.
 */
export function evaluateTemplate(expression: string, headers: Record<string, string | undefined>, query: Record<string, string> = {}): string | undefined {
    const chunk = `local headers = ${luaTable(headers, true)}\nlocal query_params = ${luaTable(query, false)}\nreturn ${expression}`;
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    if (lauxlib.luaL_loadstring(L, to_luastring(chunk)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
        throw new Error(`Lua error: ${lua.lua_tojsstring(L, -1)}`);
    }
    if (lua.lua_isnil(L, -1) || (lua.lua_isboolean(L, -1) && !lua.lua_toboolean(L, -1))) return undefined;
    return lua.lua_tojsstring(L, -1);
}
