import { sql } from 'drizzle-orm';
import type { Executor, Tx } from './client.ts';

/** Which communities a unit of work may touch. `all` is for platform administration and cross-community aggregates. */
export type DataScope = { kind: 'all' } | { kind: 'communities'; ids: readonly string[] };

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction where row-level security admits only the scope's communities.
 * The transaction drops to the unprivileged `shequ_app` role, so a query that forgets its
 * community filter still cannot see another community's rows.
 */
export async function withScope<T>(ex: Executor, scope: DataScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const ids = scope.kind === 'all' ? [] : scope.ids;
  for (const id of ids) if (!uuidRe.test(id)) throw new Error(`invalid community id in scope: ${id}`);
  return ex.transaction(async (tx) => {
    // One round trip: set_config('role', …, true) is SET LOCAL ROLE.
    await tx.execute(
      sql`select set_config('shequ.scope_all', ${scope.kind === 'all' ? 'on' : 'off'}, true), set_config('shequ.community_ids', ${ids.join(',')}, true), set_config('role', 'shequ_app', true)`,
    );
    return fn(tx);
  });
}
