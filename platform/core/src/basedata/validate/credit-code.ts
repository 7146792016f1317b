import { type Check, fail } from './result.ts';

/** GB 32100-2015 code alphabet; a character's value is its index (I, O, Z, S, V excluded as look-alikes). */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Position weights 3^i mod 31 for the first 17 characters. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * Registration departments (1st char) with the institution types (2nd char)
 * each may issue, after the standard's annex table including the later A/N rows.
 */
const DEPARTMENTS: Record<string, { zh: string; types: string }> = {
  '1': { zh: '机构编制', types: '1239' },
  '2': { zh: '外交', types: '19' },
  '3': { zh: '司法行政', types: '123459' },
  '4': { zh: '文化', types: '19' },
  '5': { zh: '民政', types: '1239' },
  '6': { zh: '旅游', types: '129' },
  '7': { zh: '宗教', types: '129' },
  '8': { zh: '工会', types: '19' },
  '9': { zh: '市场监督管理（工商）', types: '123' },
  A: { zh: '中央军委改革和编制办公室', types: '19' },
  N: { zh: '农业农村', types: '1239' },
  Y: { zh: '其他', types: '1' },
};

/** Facts read off a valid credit code. */
export interface CreditCodeDerived {
  /** Registration department (1st character), in Chinese. */
  department: string;
  /** Characters 3–8: administrative region of the registering authority. */
  regionCode: string;
  /** Characters 9–17: the embedded GB 11714 organisation code (body + its own check char). */
  organisationCode: string;
}

/** Computes the GB 32100 check character for the first 17 characters (assumed in the charset). */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]) * WEIGHTS[i];
  return CHARSET[(31 - (sum % 31)) % 31];
}

/**
 * Validates and normalises an 18-character unified social credit code (GB 32100-2015).
 * The embedded organisation code's own check character is not verified: codes of
 * individual businesses are not required to follow GB 11714, and the outer check covers typos.
 */
export function checkCreditCode(input: string): Check<string, CreditCodeDerived> {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) {
    return fail(
      `统一社会信用代码应为 18 位，实际 ${code.length} 位`,
      `credit code must have 18 characters, got ${code.length}`,
    );
  }
  const bad = [...code].find((c) => !CHARSET.includes(c));
  if (bad !== undefined) {
    return fail(
      `统一社会信用代码含非法字符“${bad}”（不使用 I、O、Z、S、V）`,
      `credit code contains invalid character "${bad}" (I, O, Z, S and V are not used)`,
    );
  }
  const dept = DEPARTMENTS[code[0]];
  if (!dept) return fail(`登记管理部门代码“${code[0]}”无效`, `invalid registration department code "${code[0]}"`);
  if (!dept.types.includes(code[1])) {
    return fail(
      `机构类别代码“${code[1]}”不属于登记管理部门“${dept.zh}”`,
      `institution type "${code[1]}" is not valid for registration department "${code[0]}"`,
    );
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return fail('第 3–8 位应为 6 位数字的行政区划码', 'characters 3–8 must be a 6-digit region code');
  }
  const expected = creditCodeCheckChar(code);
  if (code[17] !== expected) return fail(`校验位错误，应为 ${expected}`, `wrong check character, expected ${expected}`);
  return {
    ok: true,
    value: code,
    department: dept.zh,
    regionCode: code.slice(2, 8),
    organisationCode: code.slice(8, 17),
  };
}
