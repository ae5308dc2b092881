// GeneratedSecret: the bundle's random values without a plugin.
import { describe, expect, it } from "vitest";
import * as crypto from "crypto";
import { ALPHABETS, generate, generatedSecretProvider } from "../components/generated-secret";

const cryptoInt = (max: number) => crypto.randomInt(max);

describe("GeneratedSecret", () => {
    it("has the requested length and at least one character of every class", () => {
        for (let i = 0; i < 200; i++) {
            const value = generate({ length: 8, alphabet: "alphanumeric", keepers: {} }, cryptoInt);
            expect(value).toHaveLength(8);
            for (const set of ALPHABETS.alphanumeric) expect([...value].some((c) => set.includes(c))).toBe(true);
        }
        expect(generate({ length: 12, alphabet: "lowercase", keepers: {} }, cryptoInt)).toMatch(/^[a-z]{12}$/);
    });

    it("draws every position from the whole alphabet (no fixed class positions)", () => {
        const firstChars = new Set(Array.from({ length: 400 }, () => generate({ length: 3, alphabet: "alphanumeric", keepers: {} }, cryptoInt)[0]));
        expect([...firstChars].some((c) => /[a-z]/.test(c))).toBe(true);
        expect([...firstChars].some((c) => /[A-Z]/.test(c))).toBe(true);
        expect([...firstChars].some((c) => /[0-9]/.test(c))).toBe(true);
    });

    it("refuses a length too short for its classes and an unknown alphabet, naming the fix", () => {
        expect(() => generate({ length: 2, alphabet: "alphanumeric", keepers: {} }, cryptoInt)).toThrow(/at least 3/);
        expect(() => generate({ length: 8, alphabet: "emoji" as never, keepers: {} }, cryptoInt)).toThrow(/use alphanumeric or lowercase/);
    });

    it("is replaced when its keepers change and kept otherwise", async () => {
        const base = { length: 32, alphabet: "alphanumeric" as const, keepers: { rotation: "0" } };
        expect(await generatedSecretProvider.diff!("id", { ...base, result: "x" } as never, base as never)).toMatchObject({ changes: false, replaces: [] });
        const rotated = await generatedSecretProvider.diff!("id", { ...base, result: "x" } as never, { ...base, keepers: { rotation: "1" } } as never);
        expect(rotated.changes).toBe(true);
        expect(rotated.replaces).toContain("keepers");
    });

    it("creates a fresh value each time from the operating system's CSPRNG", async () => {
        const inputs = { length: 32, alphabet: "alphanumeric", keepers: { rotation: "0" } };
        const a = await generatedSecretProvider.create(inputs);
        const b = await generatedSecretProvider.create(inputs);
        expect(a.outs.result).toHaveLength(32);
        expect(a.outs.result).not.toBe(b.outs.result);
        expect(a.id).not.toBe(b.id);
    });
});
