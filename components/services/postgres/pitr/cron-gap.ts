// The longest time between two runs of a cron schedule (five fields or a macro, as the CronJob API
// reads them, UTC). PITR needs it: a recovery window shorter than the gap between base backups
// cannot be kept, because the window's oldest second needs the base backup taken before it.
// The schedule is assumed valid (config/rules.ts cronSchedule checks it first).

const MACROS: Record<string, string> = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};
const NAMES: Record<number, string[]> = {
    3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};
const BOUNDS: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];

/** The set of values one field allows, and whether it was `*` (day-of-month/-week OR rule). */
function field(text: string, index: number): { values: Set<number>; star: boolean } {
    const [min, max] = BOUNDS[index];
    const num = (s: string) => {
        const named = NAMES[index]?.indexOf(s.toLowerCase()) ?? -1;
        if (named >= 0) return named + (index === 3 ? 1 : 0);
        const n = Number(s);
        return index === 4 && n === 7 ? 0 : n;
    };
    const values = new Set<number>();
    let star = false;
    for (const part of text.split(",")) {
        const [span, stepText] = part.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        let lo: number, hi: number;
        if (span === "*" || span === "?") {
            [lo, hi] = [min, max];
            star = star || stepText === undefined;
        } else {
            const [from, to] = span.split("-");
            lo = num(from);
            hi = to === undefined ? (stepText === undefined ? lo : max) : num(to);
        }
        for (let v = lo; v <= hi; v += step) values.add(v);
    }
    return { values, star };
}

/** Longest gap between consecutive runs, in seconds, over a leap-year-spanning horizon. */
export function longestCronGapSeconds(schedule: string): number {
    const fields = (MACROS[schedule.trim()] ?? schedule).trim().split(/\s+/).map(field);
    const [minute, hour, dom, month, dow] = fields;
    const dayMatches = (d: Date) => {
        const byDom = dom.values.has(d.getUTCDate());
        const byDow = dow.values.has(d.getUTCDay());
        // robfig/cron (the CronJob controller): either day field matches when both are restricted.
        if (dom.star || dow.star) return byDom && byDow;
        return byDom || byDow;
    };
    // Day by day over 4 years + a month (covers Feb 29 and every weekday/month combination).
    const start = Date.UTC(2024, 0, 1);
    const days = 4 * 366 + 31;
    const minutesOfDay = [...hour.values].sort((a, b) => a - b)
        .flatMap((h) => [...minute.values].sort((a, b) => a - b).map((m) => h * 60 + m));
    let previous: number | undefined;
    let first: number | undefined;
    let longest = 0;
    for (let i = 0; i < days; i++) {
        const day = new Date(start + i * 86_400_000);
        if (!month.values.has(day.getUTCMonth() + 1) || !dayMatches(day)) continue;
        for (const m of minutesOfDay) {
            const t = day.getTime() / 1000 + m * 60;
            if (previous !== undefined) longest = Math.max(longest, t - previous);
            first ??= t;
            previous = t;
        }
    }
    if (previous === undefined || first === undefined) return Infinity;
    return longest === 0 ? Infinity : longest;
}
