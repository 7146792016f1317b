import { houses } from '@shequ/db';
import { inArray } from 'drizzle-orm';
import {
  assignHouseGridCodes,
  checkHouse,
  type HouseRecord,
  houseColumns,
  houseKey,
  housesByKey,
} from '../../houses-service.ts';
import { bilingual, insertWithHistory, type PlannerFactory } from '../kind.ts';

export const housesPlanner: PlannerFactory = async (ctx) => {
  const stored = await housesByKey(ctx.tx, ctx.req.communityId);
  const seen = new Map<string, number>();
  const planned: Array<{ row: number; house: HouseRecord; compoundId: string }> = [];
  let fresh: typeof planned = [];
  return {
    row(row, obj, compoundId) {
      const checked = checkHouse(obj);
      if (!checked.ok) {
        for (const [f, msgs] of Object.entries(checked.fieldErrors)) ctx.add(row, f, bilingual(msgs));
        return;
      }
      if (!compoundId) return;
      const key = houseKey(checked.value, compoundId);
      const first = seen.get(key);
      if (first !== undefined) ctx.add(row, 'room', `与第 ${first} 行房屋重复 / same house as row ${first}`);
      else {
        seen.set(key, row);
        planned.push({ row, house: checked.value, compoundId });
      }
    },
    async reconcile() {
      fresh = planned.filter((h) => !stored.has(houseKey(h.house, h.compoundId)));
      const known = planned.filter((h) => stored.has(houseKey(h.house, h.compoundId)));
      if (known.length === 0) return 0;
      const ids = known.map((h) => stored.get(houseKey(h.house, h.compoundId)) as string);
      const rows: Array<typeof houses.$inferSelect> = [];
      for (let i = 0; i < ids.length; i += 5000) {
        rows.push(
          ...(await ctx.tx
            .select()
            .from(houses)
            .where(inArray(houses.id, ids.slice(i, i + 5000)))),
        );
      }
      const byId = new Map(rows.map((r) => [r.id, r]));
      let unchanged = 0;
      for (const h of known) {
        const s = byId.get(stored.get(houseKey(h.house, h.compoundId)) as string);
        if (!s) continue;
        // Only the attributes the row carries are compared; a stored house is never overwritten by an import.
        const incoming: Record<string, unknown> = {};
        for (const f of ['layout', 'area', 'ownership', 'buildingCode'] as const) {
          const v = h.house[f];
          if (v !== undefined && v !== null && String(s[f] ?? '') !== String(v)) incoming[f] = v;
        }
        if (Object.keys(incoming).length === 0) unchanged++;
        else ctx.propose({ entity: 'house', targetId: s.id, targetVersion: s.version, sourceRow: h.row, incoming });
      }
      return unchanged;
    },
    async write() {
      const created = await insertWithHistory(
        ctx,
        houses,
        'house',
        fresh.map(({ house, compoundId }) =>
          houseColumns(ctx.req.communityId, compoundId, house, ctx.req.actor.subject),
        ),
      );
      // Houses of buildings already on the map get their grid code in the same transaction.
      if (created > 0) await assignHouseGridCodes(ctx.tx, ctx.req.communityId);
      return created;
    },
  };
};
