import { AppError } from '../errors.ts';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalidCursor = () => new AppError('INVALID_INPUT', { zh: '翻页位置无效', en: 'Invalid page cursor' });

/**
 * Keyset page cursors of the base-data lists (people, houses, vehicles, spaces, facilities): the sort key of a page's
 * last row, its id last, opaque to clients (base64url JSON).
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key a cursor carries: `length` strings, the last a row id; anything else is INVALID_INPUT, never a 500. */
export function decodeCursor(after: string, length: number): string[] {
  let k: unknown;
  try {
    k = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(k) || k.length !== length || !k.every((x) => typeof x === 'string')) throw invalidCursor();
  if (!uuidRe.test(k[length - 1])) throw invalidCursor();
  return k;
}
