import { type Check, fail } from './result.ts';

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * Validates a compact `YYYYMMDD` birth date as found in GB 11643 numbers: the
 * date must exist (Gregorian leap years), be no earlier than 1900 (older dates
 * are almost certainly typos in a residents' register) and not lie after `today`.
 *
 * @param today - reference date; compared as a local calendar date, not an instant
 * @returns the ISO `YYYY-MM-DD` form
 */
export function checkBirthDate(yyyymmdd: string, today = new Date()): Check<string> {
  if (!/^\d{8}$/.test(yyyymmdd)) return fail('出生日期应为 8 位数字', 'birth date must be 8 digits (YYYYMMDD)');
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const monthDays = [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const iso = `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
  if (m < 1 || m > 12 || d < 1 || d > monthDays[m - 1]) {
    return fail(`出生日期不存在：${iso}`, `birth date does not exist: ${iso}`);
  }
  if (y < 1900) return fail(`出生日期早于 1900 年：${iso}`, `birth date is before 1900: ${iso}`);
  // Compare calendar dates in the caller's local time: `today` is a wall-clock
  // notion, and comparing instants would reject people born "today" east of UTC.
  const now = today.getFullYear() * 10000 + (today.getMonth() + 1) * 100 + today.getDate();
  if (y * 10000 + m * 100 + d > now) return fail(`出生日期在未来：${iso}`, `birth date is in the future: ${iso}`);
  return { ok: true, value: iso };
}
