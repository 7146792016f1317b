import { listCompounds, listRegions } from '@shequ/core';
import { permitted, router } from '../trpc.ts';

export const tenancyRouter = router({
  /** Compounds of the communities under the caller's jurisdiction (row-level security filters). */
  compounds: permitted('compounds.read').query(async ({ ctx }) => {
    const rows = await listCompounds(ctx.platform.database.db, ctx.principal.scope);
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
