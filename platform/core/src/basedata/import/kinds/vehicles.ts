import { people, vehicles } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { checkVehicle, type VehicleRecord, vehicleColumns } from '../../vehicle-record.ts';
import { bilingual, insertWithHistory, type PlannerFactory } from '../kind.ts';

interface PlannedVehicle {
  row: number;
  vehicle: VehicleRecord;
  compoundId?: string;
  ownerIndex?: string;
  ownerId?: string;
  stored?: boolean;
}

/** Vehicles: GA 36 plates, unique by plate + colour; an owner is named by ID number and must be a stored person. */
export const vehiclesPlanner: PlannerFactory = async (ctx) => {
  const { d, req } = ctx;
  const seen = new Map<string, number>();
  const planned: PlannedVehicle[] = [];
  const keyOf = (v: VehicleRecord) => `${v.plate}/${v.plateColour}`;
  return {
    row(row, obj, compoundId) {
      const checked = checkVehicle(obj);
      if (!checked.ok) {
        for (const [f, msgs] of Object.entries(checked.fieldErrors)) ctx.add(row, f, bilingual(msgs));
        return;
      }
      const key = keyOf(checked.value);
      const first = seen.get(key);
      if (first !== undefined) return ctx.add(row, 'plate', `与第 ${first} 行车牌重复 / same plate as row ${first}`);
      seen.set(key, row);
      const ownerIndex = checked.value.ownerIdNumber
        ? d.crypto.blindIndex('id_number', checked.value.ownerIdNumber)
        : undefined;
      planned.push({ row, vehicle: checked.value, compoundId, ownerIndex });
    },
    async reconcile() {
      const indexes = planned.flatMap((p) => (p.ownerIndex ? [p.ownerIndex] : []));
      const owners = indexes.length
        ? await ctx.tx
            .select({ id: people.id, idx: people.idNumberIndex })
            .from(people)
            .where(
              and(
                eq(people.communityId, req.communityId),
                sql`${people.idNumberIndex} = any(${`{${indexes.join(',')}}`}::text[])`,
              ),
            )
        : [];
      const ownerByIndex = new Map(owners.map((o) => [o.idx, o.id]));
      const stored = await ctx.tx.select().from(vehicles).where(eq(vehicles.communityId, req.communityId));
      const storedByKey = new Map(stored.map((s) => [`${s.plate}/${s.plateColour}`, s]));
      let unchanged = 0;
      for (const p of planned) {
        if (p.ownerIndex) {
          p.ownerId = ownerByIndex.get(p.ownerIndex);
          if (!p.ownerId)
            ctx.add(p.row, 'ownerIdNumber', '车主未登记，请先导入人员 / the owner is not a registered person');
        }
        const s = storedByKey.get(keyOf(p.vehicle));
        if (!s) continue;
        // The stored vehicle is never overwritten: other values in the fields the row carries become a proposal.
        p.stored = true;
        const incoming: Record<string, unknown> = {};
        if (s.kind !== p.vehicle.kind) incoming.kind = p.vehicle.kind;
        if (p.ownerId !== undefined && s.ownerPersonId !== p.ownerId) incoming.ownerPersonId = p.ownerId;
        if (p.compoundId !== undefined && s.compoundId !== p.compoundId) incoming.compoundId = p.compoundId;
        if (p.vehicle.parkingSpace !== undefined && s.parkingSpace !== p.vehicle.parkingSpace)
          incoming.parkingSpace = p.vehicle.parkingSpace;
        if (Object.keys(incoming).length === 0) unchanged++;
        else ctx.propose({ entity: 'vehicle', targetId: s.id, targetVersion: s.version, sourceRow: p.row, incoming });
      }
      return unchanged;
    },
    write: () =>
      insertWithHistory(
        ctx,
        vehicles,
        'vehicle',
        planned
          .filter((p) => !p.stored)
          .map(({ vehicle, compoundId, ownerId }) =>
            vehicleColumns(vehicle, { communityId: req.communityId, compoundId, ownerId, actor: req.actor.subject }),
          ),
      ),
  };
};
