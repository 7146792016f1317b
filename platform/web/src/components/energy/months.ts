const ZONE = 'Asia/Shanghai';

/** This month in Shanghai (YYYY-MM) and the eleven before it, newest first. */
export function recentMonths(now = new Date(), n = 12): string[] {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(now).split('-').map(Number);
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7));
}

/** The first and last calendar day of a month (YYYY-MM). */
export function monthDays(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number);
  return { from: `${month}-01`, to: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

/** A change as a signed percentage, or — when there is nothing to compare with. */
export function pct(cur: number | null, prev: number | null): string {
  if (cur === null || prev === null || prev === 0) return '—';
  const p = ((cur - prev) / prev) * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
}
