import { type Check, fail } from './result.ts';

/**
 * Validates a passport number: 5–17 letters/digits after trimming and uppercasing.
 * Foreign formats vary too much for more; Chinese ordinary passports are recognised
 * (`E` + 8 digits, or `E` + letter + 7 digits) and flagged via `chineseOrdinary`.
 */
export function checkPassport(input: string): Check<string, { chineseOrdinary: boolean }> {
  const raw = input.trim().toUpperCase();
  if (!/^[A-Z0-9]*$/.test(raw)) {
    return fail('护照号码只能包含字母和数字', 'passport number may contain only letters and digits');
  }
  if (raw.length < 5 || raw.length > 17) {
    return fail(
      `护照号码应为 5 至 17 位，实际 ${raw.length} 位`,
      `passport number must have 5 to 17 characters, got ${raw.length}`,
    );
  }
  return { ok: true, value: raw, chineseOrdinary: /^E(\d{8}|[A-Z]\d{7})$/.test(raw) };
}
