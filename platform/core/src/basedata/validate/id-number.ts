import { checkBirthDate } from './birth-date.ts';
import { checkPassport } from './passport.ts';
import { type Check, fail } from './result.ts';

/** GB 11643-1999 / ISO 7064 MOD 11-2 weights for the first 17 digits. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check character indexed by (weighted sum mod 11). */
const CHECK_CHARS = '10X98765432';

// Province-level codes of GB/T 2260 plus 81/82/83, which the HK/Macau/Taiwan
// residence permits use, and 71/91 which the standard reserves.
const PROVINCES = /^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|91)/;

/** Residence-permit prefixes (GB 11643 numbers issued to HK, Macau and Taiwan residents). */
const PERMIT_ORIGINS = { '810000': 'hong_kong', '820000': 'macau', '830000': 'taiwan' } as const;

/** Facts read off a valid 18-digit number. */
export interface IdDerived {
  /** ISO `YYYY-MM-DD`. */
  birthDate: string;
  /** From the parity of the 17th digit (the sequence number). */
  gender: 'male' | 'female';
  /** First 6 digits: the issuing county-level region (GB/T 2260). */
  regionCode: string;
}

/**
 * Computes the GB 11643 check character for 17 leading digits.
 * Exported so the 15→18 up-conversion and data migrations share one implementation.
 */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** Shared rules of every 18-character GB 11643 number (ID cards and residence permits). */
function check18(n: string, today: Date): Check<string, IdDerived> {
  if (!/^\d{17}[\dX]$/.test(n)) {
    return fail('号码应为 17 位数字加 1 位校验码（0-9 或 X）', 'must be 17 digits and a check character (0-9 or X)');
  }
  if (!PROVINCES.test(n)) {
    return fail(
      `前两位 ${n.slice(0, 2)} 不是有效的省级行政区划代码`,
      `first two digits ${n.slice(0, 2)} are not a valid province code`,
    );
  }
  const birth = checkBirthDate(n.slice(6, 14), today);
  if (!birth.ok) return birth;
  const expected = idCheckChar(n);
  if (n[17] !== expected) {
    return fail(`校验位错误，应为 ${expected}`, `wrong check digit, expected ${expected}`);
  }
  const gender = Number(n[16]) % 2 === 1 ? 'male' : 'female';
  return { ok: true, value: n, birthDate: birth.value, gender, regionCode: n.slice(0, 6) };
}

/**
 * Validates and normalises a mainland resident ID card number (GB 11643-1999).
 * Accepts 18-digit numbers and legacy 15-digit ones, which are up-converted
 * (century "19" inserted, check digit computed) so storage holds one form only.
 *
 * @param input - raw user input; surrounding spaces and a lowercase `x` are tolerated
 * @param today - reference date for the "not in the future" rule (injectable for tests)
 */
export function checkIdNumber(input: string, today = new Date()): Check<string, IdDerived & { upconverted: boolean }> {
  const raw = input.trim().toUpperCase();
  if (/^\d{15}$/.test(raw)) {
    // Legacy cards (issued before 1999) had a 2-digit year that was always 19YY and no check digit.
    const first17 = `${raw.slice(0, 6)}19${raw.slice(6)}`;
    const r = check18(first17 + idCheckChar(first17), today);
    return r.ok ? { ...r, upconverted: true } : r;
  }
  if (raw.length !== 18) {
    return fail(
      `身份证号码应为 18 位（或旧版 15 位），实际 ${raw.length} 位`,
      `ID number must have 18 (or legacy 15) characters, got ${raw.length}`,
    );
  }
  const r = check18(raw, today);
  return r.ok ? { ...r, upconverted: false } : r;
}

/** Where a residence permit was issued to: derived from its 810000/820000/830000 prefix. */
export type PermitOrigin = (typeof PERMIT_ORIGINS)[keyof typeof PERMIT_ORIGINS];

/**
 * Validates a residence permit for Hong Kong, Macau or Taiwan residents: an
 * 18-digit GB 11643 number whose region part is 810000/820000/830000.
 *
 * @param today - reference date for the "not in the future" rule
 */
export function checkResidencePermit(
  input: string,
  today = new Date(),
): Check<string, IdDerived & { origin: PermitOrigin }> {
  const raw = input.trim().toUpperCase();
  if (raw.length !== 18) {
    return fail(
      `居住证号码应为 18 位，实际 ${raw.length} 位`,
      `permit number must have 18 characters, got ${raw.length}`,
    );
  }
  const origin = PERMIT_ORIGINS[raw.slice(0, 6) as keyof typeof PERMIT_ORIGINS];
  if (!origin) {
    return fail(
      '港澳台居民居住证号码应以 810000、820000 或 830000 开头',
      'permit must start with 810000/820000/830000',
    );
  }
  const r = check18(raw, today);
  return r.ok ? { ...r, origin } : r;
}

/** Identity document types recorded for a resident. */
export type PersonIdType = 'id_card' | 'hk_macau_tw_permit' | 'passport';

/**
 * Validates `input` as a document of the given type. Derived fields are optional
 * in the result because only some documents carry them (passports have no birth date).
 */
export function checkPersonId(
  type: PersonIdType,
  input: string,
  today = new Date(),
): Check<string, Partial<IdDerived & { upconverted: boolean; origin: PermitOrigin; chineseOrdinary: boolean }>> {
  switch (type) {
    case 'id_card':
      return checkIdNumber(input, today);
    case 'hk_macau_tw_permit':
      return checkResidencePermit(input, today);
    case 'passport':
      return checkPassport(input);
    default:
      // Reachable from untyped callers (form posts, imports), so fail rather than throw.
      return fail(`未知的证件类型：${String(type)}`, `unknown identity document type: ${String(type)}`);
  }
}
