// The few fengari entry points tests/support/lua.ts uses (the package ships no types).
declare module "fengari" {
    type State = unknown;
    export const lua: {
        LUA_OK: number;
        lua_pcall(L: State, nargs: number, nresults: number, msgh: number): number;
        lua_tojsstring(L: State, index: number): string;
        lua_isnil(L: State, index: number): boolean;
        lua_isboolean(L: State, index: number): boolean;
        lua_toboolean(L: State, index: number): boolean;
    };
    export const lauxlib: {
        luaL_newstate(): State;
        luaL_loadstring(L: State, code: Uint8Array): number;
    };
    export const lualib: { luaL_openlibs(L: State): void };
    export function to_luastring(s: string): Uint8Array;
}
