import { houses } from '@shequ/db';
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
      return planned.length - fresh.length;
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
