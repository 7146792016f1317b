import { type Check, fail } from './result.ts';

/**
 * Validates and normalises a mainland mobile number to its 11 bare digits.
 * Spaces and dashes are dropped and a `+86` / `0086` / `86` country prefix is
 * removed because residents paste numbers in international form; storing one
 * form keeps de-duplication and SMS routing simple.
 *
 * @returns the 11-digit number, plus `e164` (`+86…`) for SMS gateways
 */
export function checkMobile(input: string): Check<string, { e164: string }> {
  const compact = input.trim().replace(/[\s-]/g, '');
  // A bare "86" is only a prefix when 11 digits follow; no mobile number starts with 8.
  const digits = compact.replace(/^(?:\+86|0086|86)(?=\d{11}$)/, '');
  if (digits.startsWith('+'))
    return fail('仅支持中国大陆（+86）手机号', 'only mainland China (+86) mobile numbers are accepted');
  if (!/^\d+$/.test(digits)) return fail('手机号只能包含数字', 'mobile number may contain only digits');
  if (digits.length !== 11) {
    return fail(
      `手机号应为 11 位，实际 ${digits.length} 位`,
      `mobile number must have 11 digits, got ${digits.length}`,
    );
  }
  if (!/^1[3-9]/.test(digits)) return fail('手机号应以 13–19 开头', 'mobile number must start with 13 to 19');
  return { ok: true, value: digits, e164: `+86${digits}` };
}
