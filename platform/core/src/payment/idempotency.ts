import { createHash } from 'node:crypto';
import { idempotencyKeys, type Tx } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { canonicalJson } from '../audit/chain.ts';
import { AppError } from '../errors.ts';

export const requestHash = (operation: string, params: unknown) =>
  createHash('sha256')
    .update(`${operation}\n${canonicalJson(params)}`)
    .digest('hex');

export const keyReused = () =>
  new AppError('CONFLICT', {
    zh: '该幂等键已用于参数不同的另一请求，请使用新的幂等键',
    en: 'This idempotency key was used for a request with different parameters; use a new key',
  });

export function assertIdempotencyKey(key: string) {
  if (key.length < 8 || key.length > 128 || !/^[\w.:-]+$/.test(key)) {
    throw new AppError('INVALID_INPUT', {
      zh: '幂等键须为 8 到 128 位的字母、数字或 ._:- 字符',
      en: 'An idempotency key is 8 to 128 letters, digits or ._:- characters',
      fieldErrors: { idempotencyKey: ['8-128 [A-Za-z0-9_.:-]'] },
    });
  }
}

/**
 * Takes the key's transaction-scoped advisory lock and answers the stored first response (marked `replayed`), or
 * nothing when the key is new. A stored response for other parameters is refused.
 */
export async function seenKey<T>(tx: Tx, communityId: string, key: string, operation: string, hash: string) {
  assertIdempotencyKey(key);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`payment-idem:${communityId}:${key}`}, 0))`);
  const [seen] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.communityId, communityId), eq(idempotencyKeys.key, key)));
  if (!seen) return undefined;
  if (seen.operation !== operation || seen.requestHash !== hash) throw keyReused();
  return { ...(seen.response as T), replayed: true } as T & { replayed?: boolean };
}

/** Stores the first response of a key (in the transaction that produced it). */
export async function storeKey(
  tx: Tx,
  communityId: string,
  key: string,
  operation: string,
  hash: string,
  response: object,
) {
  await tx.insert(idempotencyKeys).values({ communityId, key, operation, requestHash: hash, response });
}

/**
 * Runs `fn` once per (community, key): the first response is stored in the same transaction and replayed for every
 * retry with the same parameters; a retry with different parameters is refused. Concurrent requests with one key
 * wait on a transaction-scoped advisory lock, so exactly one of them runs `fn`.
 */
export async function idempotent<T extends object>(
  tx: Tx,
  communityId: string,
  key: string | undefined,
  operation: string,
  params: unknown,
  fn: () => Promise<T>,
): Promise<T & { replayed?: boolean }> {
  if (key === undefined) return (await fn()) as T & { replayed?: boolean };
  const hash = requestHash(operation, params);
  const seen = await seenKey<T>(tx, communityId, key, operation, hash);
  if (seen) return seen;
  const response = await fn();
  await tx.insert(idempotencyKeys).values({ communityId, key, operation, requestHash: hash, response });
  return response as T & { replayed?: boolean };
}
