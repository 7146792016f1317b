import { listCompounds, listRegions, scopeFor } from '@shequ/core';
import { permitted, router } from '../trpc.ts';

export const tenancyRouter = router({
  /** Compounds of the communities under the caller's jurisdiction (row-level security filters). */
  compounds: permitted('compounds.read').query(async ({ ctx }) => {
    const { db } = ctx.platform.database;
    const scope = await scopeFor(db, ctx.principal.grants);
    const rows = await listCompounds(db, scope);
    return rows.map((r) => ({
      id: r.id,
      communityId: r.communityId,
      code: r.code,
      name: r.name,
      nameEn: r.nameEn,
      buildingCount: r.buildingCount,
    }));
  }),

  regions: permitted('regions.read').query(async ({ ctx }) => {
    const rows = await listRegions(ctx.platform.database.db);
    return rows.map((r) => ({
      id: r.id,
      parentId: r.parentId,
      level: r.level,
      code: r.code,
      name: r.name,
      nameEn: r.nameEn,
    }));
  }),
});
