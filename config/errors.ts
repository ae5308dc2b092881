// How a config problem is printed: `<project>:<key> = <value>: <fix>`. Secret values are never
// shown, long values are cut, and characters that cannot be seen or that imitate ASCII letters are
// escaped and named, because "namespace = "supabase": must be a DNS-1123 label" is no help when
// the value holds a zero-width space.

/** Every config problem at once; thrown before any resource is registered. */
export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` + problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** Characters that render as nothing or as a plain space. */
const INVISIBLE: Record<number, string> = {
    0x00a0: "NO-BREAK SPACE", 0x00ad: "SOFT HYPHEN", 0x034f: "COMBINING GRAPHEME JOINER", 0x061c: "ARABIC LETTER MARK",
    0x115f: "HANGUL CHOSEONG FILLER", 0x1160: "HANGUL JUNGSEONG FILLER", 0x180e: "MONGOLIAN VOWEL SEPARATOR",
    0x2000: "EN QUAD", 0x2001: "EM QUAD", 0x2002: "EN SPACE", 0x2003: "EM SPACE", 0x2004: "THREE-PER-EM SPACE",
    0x2005: "FOUR-PER-EM SPACE", 0x2006: "SIX-PER-EM SPACE", 0x2007: "FIGURE SPACE", 0x2008: "PUNCTUATION SPACE",
    0x2009: "THIN SPACE", 0x200a: "HAIR SPACE", 0x200b: "ZERO WIDTH SPACE", 0x200c: "ZERO WIDTH NON-JOINER",
    0x200d: "ZERO WIDTH JOINER", 0x200e: "LEFT-TO-RIGHT MARK", 0x200f: "RIGHT-TO-LEFT MARK", 0x2028: "LINE SEPARATOR",
    0x2029: "PARAGRAPH SEPARATOR", 0x202a: "LEFT-TO-RIGHT EMBEDDING", 0x202b: "RIGHT-TO-LEFT EMBEDDING",
    0x202c: "POP DIRECTIONAL FORMATTING", 0x202d: "LEFT-TO-RIGHT OVERRIDE", 0x202e: "RIGHT-TO-LEFT OVERRIDE",
    0x202f: "NARROW NO-BREAK SPACE", 0x205f: "MEDIUM MATHEMATICAL SPACE", 0x2060: "WORD JOINER",
    0x2061: "FUNCTION APPLICATION", 0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR", 0x2064: "INVISIBLE PLUS",
    0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
    0x2069: "POP DIRECTIONAL ISOLATE", 0x3000: "IDEOGRAPHIC SPACE", 0x3164: "HANGUL FILLER", 0xfeff: "ZERO WIDTH NO-BREAK SPACE (BOM)",
    0xffa0: "HALFWIDTH HANGUL FILLER",
};

/** Letters of other scripts that look like ASCII ones: name → the ASCII they imitate. */
const LOOK_ALIKES: Record<number, [string, string]> = {
    0x0430: ["CYRILLIC SMALL LETTER A", "a"], 0x0435: ["CYRILLIC SMALL LETTER IE", "e"], 0x043e: ["CYRILLIC SMALL LETTER O", "o"],
    0x0440: ["CYRILLIC SMALL LETTER ER", "p"], 0x0441: ["CYRILLIC SMALL LETTER ES", "c"], 0x0443: ["CYRILLIC SMALL LETTER U", "y"],
    0x0445: ["CYRILLIC SMALL LETTER HA", "x"], 0x0456: ["CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "i"],
    0x0458: ["CYRILLIC SMALL LETTER JE", "j"], 0x0455: ["CYRILLIC SMALL LETTER DZE", "s"], 0x0501: ["CYRILLIC SMALL LETTER KOMI DE", "d"],
    0x04bb: ["CYRILLIC SMALL LETTER SHHA", "h"], 0x0410: ["CYRILLIC CAPITAL LETTER A", "A"], 0x0412: ["CYRILLIC CAPITAL LETTER VE", "B"],
    0x0415: ["CYRILLIC CAPITAL LETTER IE", "E"], 0x041a: ["CYRILLIC CAPITAL LETTER KA", "K"], 0x041c: ["CYRILLIC CAPITAL LETTER EM", "M"],
    0x041d: ["CYRILLIC CAPITAL LETTER EN", "H"], 0x041e: ["CYRILLIC CAPITAL LETTER O", "O"], 0x0420: ["CYRILLIC CAPITAL LETTER ER", "P"],
    0x0421: ["CYRILLIC CAPITAL LETTER ES", "C"], 0x0422: ["CYRILLIC CAPITAL LETTER TE", "T"], 0x0425: ["CYRILLIC CAPITAL LETTER HA", "X"],
    0x03bf: ["GREEK SMALL LETTER OMICRON", "o"], 0x03b1: ["GREEK SMALL LETTER ALPHA", "a"], 0x03bd: ["GREEK SMALL LETTER NU", "v"],
    0x03c1: ["GREEK SMALL LETTER RHO", "p"], 0x0391: ["GREEK CAPITAL LETTER ALPHA", "A"], 0x0392: ["GREEK CAPITAL LETTER BETA", "B"],
    0x0395: ["GREEK CAPITAL LETTER EPSILON", "E"], 0x0397: ["GREEK CAPITAL LETTER ETA", "H"], 0x0399: ["GREEK CAPITAL LETTER IOTA", "I"],
    0x039a: ["GREEK CAPITAL LETTER KAPPA", "K"], 0x039c: ["GREEK CAPITAL LETTER MU", "M"], 0x039d: ["GREEK CAPITAL LETTER NU", "N"],
    0x039f: ["GREEK CAPITAL LETTER OMICRON", "O"], 0x03a1: ["GREEK CAPITAL LETTER RHO", "P"], 0x03a4: ["GREEK CAPITAL LETTER TAU", "T"],
    0x03a7: ["GREEK CAPITAL LETTER CHI", "X"], 0x03a5: ["GREEK CAPITAL LETTER UPSILON", "Y"], 0x0131: ["LATIN SMALL LETTER DOTLESS I", "i"],
    0x2010: ["HYPHEN", "-"], 0x2011: ["NON-BREAKING HYPHEN", "-"], 0x2012: ["FIGURE DASH", "-"], 0x2013: ["EN DASH", "-"],
    0x2212: ["MINUS SIGN", "-"], 0x2024: ["ONE DOT LEADER", "."], 0xff0e: ["FULLWIDTH FULL STOP", "."], 0x2044: ["FRACTION SLASH", "/"],
    0x2215: ["DIVISION SLASH", "/"], 0xff1a: ["FULLWIDTH COLON", ":"], 0x2236: ["RATIO", ":"],
};

const isControl = (cp: number) => cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/** The hidden and look-alike characters of a value, e.g. `U+200B ZERO WIDTH SPACE at position 9`. */
export function suspiciousCharacters(value: string, options: { lookAlikes?: boolean } = {}): string[] {
    const lookAlikes = options.lookAlikes ?? true;
    const found: string[] = [];
    let position = 0;
    for (const ch of value) {
        position++;
        const cp = ch.codePointAt(0)!;
        if (INVISIBLE[cp]) found.push(`${hex(cp)} ${INVISIBLE[cp]} (invisible) at position ${position}`);
        else if (lookAlikes && LOOK_ALIKES[cp]) found.push(`${hex(cp)} ${LOOK_ALIKES[cp][0]}, which looks like "${LOOK_ALIKES[cp][1]}", at position ${position}`);
        else if (isControl(cp) && ch !== "\n" && ch !== "\t") found.push(`${hex(cp)} control character at position ${position}`);
        else if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0000 && cp <= 0xe007f)) found.push(`${hex(cp)} invisible modifier at position ${position}`);
    }
    return found;
}

/** A rule shared by every key: hidden characters (and, outside free text, look-alikes) are never meant. */
export function hiddenCharacterProblem(value: string, options: { lookAlikes?: boolean } = {}): string | undefined {
    const found = suspiciousCharacters(value, options);
    if (found.length === 0) return undefined;
    return `contains ${found.slice(0, 3).join("; ")}${found.length > 3 ? ` and ${found.length - 3} more` : ""}; retype the value`;
}

const MAX_SHOWN = 80;

/** JSON-quoted, with hidden and look-alike characters escaped, cut when very long. */
export function showValue(value: unknown): string {
    if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
    const chars = [...value];
    const cut = chars.length > MAX_SHOWN ? chars.slice(0, MAX_SHOWN - 20).join("") : value;
    const escaped = JSON.stringify(cut).replace(/[^\x20-\x7e]/gu, (ch) => {
        const cp = ch.codePointAt(0)!;
        return INVISIBLE[cp] || LOOK_ALIKES[cp] || isControl(cp) ? (cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, "0")}`) : ch;
    });
    return chars.length > MAX_SHOWN ? `${escaped.slice(0, -1)}…" (${chars.length} characters, cut)` : escaped;
}

/** The value as a problem may print it: "[secret, N characters]" for a secret key. */
export function describeValue(value: unknown, secret: boolean): string {
    if (secret) return typeof value !== "string" ? "[secret]" : value === "" ? "[secret, unset]" : `[secret, ${[...value].length} characters]`;
    return showValue(value);
}

/** One line of the error: `<project>:<key> = <value>: <fix>`, or without the value when none applies. */
export function problemLine(project: string, key: string, value: unknown, secret: boolean, fix: string): string {
    return value === undefined ? `${project}:${key}: ${fix}` : `${project}:${key} = ${describeValue(value, secret)}: ${fix}`;
}

/** Edit distance, for "did you mean" on unknown keys. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

export function unknownKeyFix(key: string, declared: string[]): string {
    const ranked = declared
        .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k.toLowerCase(), key.toLowerCase()) }))
        .sort((x, y) => x.d - y.d);
    const best = ranked[0];
    if (best && best.d <= Math.max(2, Math.floor(key.length / 4))) return `unknown key; did you mean "${best.k}"?`;
    // No close spelling: still name the nearest keys, and where all of them are listed.
    const nearest = ranked.slice(0, 3).map(({ k }) => `"${k}"`).join(", ");
    return `unknown key, and no declared key is spelled like it (nearest: ${nearest}); remove it, or pick the key you meant from docs/config.md`;
}
