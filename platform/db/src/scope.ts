import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { type Executor, queryRows, type Tx, transactionWith } from './client.ts';

/** Which communities a unit of work may touch. `all` is for platform administration and cross-community aggregates. */
export type DataScope = { kind: 'all' } | { kind: 'communities'; ids: readonly string[] };

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction where row-level security admits only the scope's communities.
 * The transaction drops to the unprivileged `shequ_app` role, so a query that forgets its
 * community filter still cannot see another community's rows.
 */
export async function withScope<T>(ex: Executor, scope: DataScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // Nested inside a caller's transaction (a savepoint), the narrowed role and scope would outlive the savepoint:
  // put the caller's back afterwards.
  const nested = ex instanceof PgTransaction;
  if (!nested && scope.kind === 'communities') {
    for (const id of scope.ids) if (!uuidRe.test(id)) throw new Error(`invalid community id in scope: ${id}`);
    // Community work drops to shequ_app in the same round trip as BEGIN (set_config('role', …, true) is SET LOCAL
    // ROLE), and on PostgreSQL in the same write as the first statement of `fn`.
    return transactionWith(
      ex,
      sql`select set_config('shequ.community_ids', ${scope.ids.join(',')}, true), set_config('role', 'shequ_app', true)`,
      fn,
    );
  }
  return ex.transaction(async (tx) => {
    // Platform-wide work (administration, cross-community aggregates) is not row-filtered: it keeps the connecting
    // role. Community work drops to shequ_app in one round trip (set_config('role', …, true) is SET LOCAL ROLE).
    if (scope.kind !== 'communities') return fn(tx);
    for (const id of scope.ids) if (!uuidRe.test(id)) throw new Error(`invalid community id in scope: ${id}`);
    const [prev] = await queryRows<{ role: string; ids: string | null }>(
      tx,
      sql`select current_setting('role') as role, current_setting('shequ.community_ids', true) as ids,
                 set_config('shequ.community_ids', ${scope.ids.join(',')}, true), set_config('role', 'shequ_app', true)`,
    );
    const result = await fn(tx);
    if (nested) {
      await tx.execute(
        sql`select set_config('role', ${prev.role}, true), set_config('shequ.community_ids', ${prev.ids ?? ''}, true)`,
      );
    }
    return result;
  });
}
