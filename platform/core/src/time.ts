import { DateTime } from 'luxon';

/**
 * Zhejiang communities keep Beijing time. Every calendar day the platform reasons about — an occupancy
 * still valid "today", a day's gate traffic, a booking slot, a statement date, a points expiry month —
 * is a day in this zone, never the UTC day the server clock happens to be in.
 */
export const communityZone = 'Asia/Shanghai';

/** The community's calendar date (YYYY-MM-DD) at an instant, by default now. */
export function communityDate(at: Date | number = Date.now()): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return DateTime.fromMillis(ms, { zone: communityZone }).toISODate() as string;
}

/** The instant a community day (YYYY-MM-DD) begins; undefined when the text is not a calendar date. */
export function communityDayStart(day: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = DateTime.fromISO(day, { zone: communityZone });
  return t.isValid && t.toISODate() === day ? t.toJSDate() : undefined;
}
