import { compounds, type DataScope, type Executor, regions, withScope } from '@shequ/db';
import { asc, inArray, like, or } from 'drizzle-orm';
import type { RoleGrant } from '../identity/permissions.ts';

/** The communities a set of grants reaches: platform-wide grants reach all; regional grants reach what lies under them. */
export async function scopeFor(ex: Executor, grants: readonly RoleGrant[]): Promise<DataScope> {
  if (grants.some((g) => g.regionId === null)) return { kind: 'all' };
  const paths = grants.flatMap((g) => (g.regionPath ? [g.regionPath] : []));
  if (paths.length === 0) return { kind: 'communities', ids: [] };
  const rows = await ex
    .select({ id: regions.id, level: regions.level })
    .from(regions)
    .where(or(...paths.map((p) => like(regions.path, `${p}%`))));
  return { kind: 'communities', ids: rows.filter((r) => r.level === 'community').map((r) => r.id) };
}

/** Compounds visible under a scope; row-level security does the filtering. */
export async function listCompounds(ex: Executor, scope: DataScope) {
  return withScope(ex, scope, (tx) => tx.select().from(compounds).orderBy(asc(compounds.code)));
}

export async function listRegions(ex: Executor, ids?: string[]) {
  const q = ex.select().from(regions);
  return ids ? q.where(inArray(regions.id, ids)).orderBy(asc(regions.path)) : q.orderBy(asc(regions.path));
}
