import type { OpeningHours } from '@shequ/db';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import { communityZone } from '../time.ts';

/** Opening hours, slots and days are in the community's time: Zhejiang, Asia/Shanghai. */
export const bookingZone = communityZone;

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const dayRe = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (zh: string, en: string, field: string) =>
  new AppError('INVALID_INPUT', { zh, en, fieldErrors: { [field]: [en] } });

const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Checks seven weekdays (Monday first) of non-overlapping `HH:mm` windows, each at least one slot long. */
export function checkOpeningHours(hours: unknown, slotMinutes: number): OpeningHours {
  if (!Array.isArray(hours) || hours.length !== 7) {
    throw invalid('开放时间须按周一至周日填写 7 天', 'Opening hours need seven weekdays, Monday first', 'openingHours');
  }
  return hours.map((day, i) => {
    if (!Array.isArray(day) || day.length > 6) {
      throw invalid(`第 ${i + 1} 天的开放时段有误`, `Weekday ${i + 1}: give at most six windows`, 'openingHours');
    }
    const windows = day.map((w) => {
      const open = (w as { open?: unknown })?.open;
      const close = (w as { close?: unknown })?.close;
      if (typeof open !== 'string' || typeof close !== 'string' || !hhmm.test(open) || !hhmm.test(close)) {
        throw invalid('时间格式应为 HH:mm', 'Times are HH:mm (00:00–24:00)', 'openingHours');
      }
      if (minutesOf(close) - minutesOf(open) < slotMinutes) {
        throw invalid(
          `${open}–${close} 不足一个时段（${slotMinutes} 分钟）`,
          `${open}–${close} is shorter than one slot (${slotMinutes} minutes)`,
          'openingHours',
        );
      }
      return { open, close };
    });
    windows.sort((a, b) => minutesOf(a.open) - minutesOf(b.open));
    for (let k = 1; k < windows.length; k++) {
      if (minutesOf(windows[k].open) < minutesOf(windows[k - 1].close)) {
        throw invalid('同一天的开放时段不能重叠', 'Windows of one day must not overlap', 'openingHours');
      }
    }
    return windows;
  });
}

/** A day `yyyy-MM-dd` in Asia/Shanghai. */
export function parseDay(day: string): DateTime {
  const d = dayRe.test(day) ? DateTime.fromISO(day, { zone: bookingZone }) : null;
  if (!d?.isValid) throw invalid('日期格式应为 yyyy-MM-dd', 'The day is yyyy-MM-dd', 'day');
  return d.startOf('day');
}

export interface Slot {
  start: Date;
  end: Date;
}

/** The slots of one day: each opening window cut into whole slots from its opening time. */
export function slotsOfDay(hours: OpeningHours, slotMinutes: number, day: DateTime): Slot[] {
  const windows = hours[day.weekday - 1] ?? [];
  // Asia/Shanghai has had no daylight saving since 1991: wall-clock minutes from midnight are elapsed minutes, so
  // plain millisecond arithmetic from the day's start is exact (and far cheaper than a time-zone library per slot).
  const midnight = day.toMillis();
  const step = slotMinutes * 60_000;
  const out: Slot[] = [];
  for (const w of windows) {
    const close = midnight + minutesOf(w.close) * 60_000;
    for (let s = midnight + minutesOf(w.open) * 60_000; s + step <= close; s += step) {
      out.push({ start: new Date(s), end: new Date(s + step) });
    }
  }
  return out;
}

/** The slot that starts exactly at `start`, or a clear error. */
export function slotAt(hours: OpeningHours, slotMinutes: number, start: Date): Slot {
  const local = DateTime.fromJSDate(start, { zone: bookingZone });
  if (!local.isValid) throw invalid('开始时间无效', 'The start time is not valid', 'start');
  const day = local.startOf('day');
  const offset = start.getTime() - day.toMillis();
  const fits = (hours[day.weekday - 1] ?? []).some((w) => {
    const open = minutesOf(w.open) * 60_000;
    const close = minutesOf(w.close) * 60_000;
    return offset >= open && offset + slotMinutes * 60_000 <= close && (offset - open) % (slotMinutes * 60_000) === 0;
  });
  if (!fits) {
    throw invalid(
      `${local.toFormat('M月d日 HH:mm')} 不是该场地的可预约时段`,
      `${local.toFormat('yyyy-MM-dd HH:mm')} is not a slot of this space`,
      'start',
    );
  }
  return { start, end: new Date(start.getTime() + slotMinutes * 60_000) };
}

/** Monday 00:00 to next Monday 00:00 (Asia/Shanghai) of the week that contains `at`. */
export function weekOf(at: Date): { from: Date; to: Date } {
  const monday = DateTime.fromJSDate(at, { zone: bookingZone }).startOf('week');
  return { from: monday.toJSDate(), to: monday.plus({ weeks: 1 }).toJSDate() };
}

export const formatLocal = (d: Date, fmt = 'yyyy-MM-dd HH:mm') =>
  DateTime.fromJSDate(d, { zone: bookingZone }).toFormat(fmt);
