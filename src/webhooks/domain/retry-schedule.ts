/** Parses a retry schedule (`5s,5m,30m,2h,5h,10h`) into milliseconds. */
export function parseSchedule(text: string): number[] {
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(part);
    if (!m) throw new Error(`not a duration: ${part}`);
    return Number(m[1]) * unit[m[2]];
  });
}

/**
 * The wait before retry number `failures` (1 after the first failed attempt), with ±20 % jitter so that
 * deliveries failed together do not come back together; null once the schedule is spent (dead letter).
 */
export function retryDelayMs(schedule: readonly number[], failures: number, random: () => number = Math.random): number | null {
  const base = schedule[failures - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random()));
}
