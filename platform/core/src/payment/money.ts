import { maxAmountFen } from '@shequ/db';
import { AppError } from '../errors.ts';

/** Money is integer fen. Refuses a fraction, a zero or negative amount and anything above the platform bound. */
export function assertFen(amount: unknown, field = 'amountFen'): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new AppError('INVALID_INPUT', {
      zh: '金额必须是以分为单位的整数',
      en: 'An amount must be a whole number of fen',
      fieldErrors: { [field]: ['integer fen'] },
    });
  }
  if (amount <= 0) {
    throw new AppError('INVALID_INPUT', {
      zh: '金额必须大于零',
      en: 'An amount must be greater than zero',
      fieldErrors: { [field]: ['> 0'] },
    });
  }
  if (amount > maxAmountFen) {
    throw new AppError('INVALID_INPUT', {
      zh: `金额超出上限（${yuan(maxAmountFen)} 元）`,
      en: `An amount may be at most ¥${yuan(maxAmountFen)}`,
      fieldErrors: { [field]: [`<= ${maxAmountFen}`] },
    });
  }
  return amount;
}

/** Fen as a yuan string with two decimals (`1234` → `12.34`), computed on integers. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A yuan string (`12.34`) as fen, exactly; refuses anything that is not a plain two-decimal amount. */
export function fenOf(yuanText: string): number {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(yuanText);
  if (!m) throw new AppError('INVALID_INPUT', { zh: `金额格式不正确：${yuanText}`, en: `Bad amount: ${yuanText}` });
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
