// Schedule triggers (DB33 7.3.2.5): a rule whose trigger is a cron expression is judged at each matching minute for
// every enabled device it selects, with the device's latest property values as `params` — "at 08:00, bins fuller
// than 80 %", "at 23:00, switch off the corridor lights".
import { createHash } from 'node:crypto';
import { communityZone } from '@shequ/core';
import { Cron } from 'croner';

/** The time zone schedules are read in: the communities of the standard are in Zhejiang. */
export const scheduleTimeZone = communityZone;

const crons = new Map<string, Cron>();

function cronOf(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    c = new Cron(expr, { timezone: scheduleTimeZone, paused: true });
    if (crons.size > 10_000) crons.clear();
    crons.set(expr, c);
  }
  return c;
}

/** Why a cron expression is not one a schedule trigger can use, or null. Five fields (minute precision). */
export function scheduleProblem(expr: string): string | null {
  if (expr.trim().split(/\s+/).length !== 5) return 'a schedule is five cron fields: minute hour day month weekday';
  try {
    cronOf(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** True when the cron expression fires in the minute that holds `at`. */
export function scheduleMatches(expr: string, at: Date): boolean {
  return cronOf(expr).match(new Date(Math.floor(at.getTime() / 60_000) * 60_000));
}

/** A stable event id for one rule, device and minute: a second process (or tick) claims the same and skips. */
export function scheduleEventId(ruleId: string, deviceId: string, minute: Date): string {
  const slot = new Date(Math.floor(minute.getTime() / 60_000) * 60_000).toISOString();
  const h = createHash('sha256').update(`schedule/${ruleId}/${deviceId}/${slot}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
