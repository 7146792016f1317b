import { AppError } from '@shequ/core';

/** Keyset cursor of the warehouse lists: the last row's time and id (like access's pass records). */
export const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

export function decodeCursor(c: string) {
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  const t = new Date(at ?? '');
  if (Number.isNaN(t.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new AppError('INVALID_INPUT', { zh: '翻页游标无效', en: 'The page cursor is not valid' });
  }
  return { at: t, id };
}
