import { changes, compounds, type DataScope, houses, occupancies, people, vehicles, withScope } from '@shequ/db';
import { baseSchemas, editableOf } from '@shequ/schemas';
import { and, asc, eq, gt, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { communityDate } from '../time.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { assertMayEnter } from './data-entry.ts';
import { checkHouse } from './houses-service.ts';
import { assertVersion, checkFieldPatch, recordEdit } from './people-repo.ts';
import type { BaseDeps } from './people-service.ts';

export interface HouseQuery {
  communityId: string;
  /** Compound name, exactly. */
  compound?: string;
  building?: string;
  unit?: string;
  /** Opaque cursor from the previous page. */
  after?: string;
  limit?: number;
}

const row = (h: typeof houses.$inferSelect, compound: string) => ({
  id: h.id,
  compound,
  building: h.building,
  unit: h.unit,
  floor: h.floor,
  room: h.room,
  layout: h.layout,
  area: h.area,
  ownership: h.ownership,
  buildingCode: h.buildingCode,
  gridCode: h.gridCode,
  version: h.version,
  updatedAt: h.updatedAt.toISOString(),
});

// Buildings, units, floors and rooms are labels ("3", "12", "B"): ordered as numbers when they are numbers.
const natural = (c: SQL | AnyPgColumn) => sql`lpad(${c}, 8, '0')`;

/** A page of houses in address order (compound, building, unit, floor, room), filtered by compound, building, unit. */
export async function listHouses(d: BaseDeps, scope: DataScope, q: HouseQuery) {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  return withScope(d.db, scope, async (tx) => {
    const conds: SQL[] = [eq(houses.communityId, q.communityId)];
    if (q.compound) conds.push(eq(compounds.name, q.compound));
    if (q.building) conds.push(eq(houses.building, q.building));
    if (q.unit) conds.push(eq(houses.unit, q.unit));
    const key = sql`(${compounds.name}, ${natural(houses.building)}, ${natural(houses.unit)}, ${natural(houses.floor)}, ${natural(houses.room)}, ${houses.id})`;
    if (q.after) {
      const k = decodeCursor(q.after, 6);
      conds.push(sql`${key} > (${k[0]}, ${k[1]}, ${k[2]}, ${k[3]}, ${k[4]}, ${k[5]}::uuid)`);
    }
    const rows = await tx
      .select({ h: houses, compound: compounds.name })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(and(...conds))
      .orderBy(
        asc(compounds.name),
        asc(natural(houses.building)),
        asc(natural(houses.unit)),
        asc(natural(houses.floor)),
        asc(natural(houses.room)),
        asc(houses.id),
      )
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    // The same key as lpad(…, 8, '0') in SQL, which pads on the left and cuts longer labels on the right.
    const pad = (s: string) => (s.length >= 8 ? s.slice(0, 8) : s.padStart(8, '0'));
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor([
            last.compound,
            pad(last.h.building),
            pad(last.h.unit),
            pad(last.h.floor),
            pad(last.h.room),
            last.h.id,
          ])
        : null;
    return { items: page.map((r) => row(r.h, r.compound)), nextCursor };
  });
}

/** One house: its attributes and grid code, who lives there now (masked), their vehicles, and its change history. */
export async function getHouse(d: BaseDeps, scope: DataScope, id: string) {
  return withScope(d.db, scope, async (tx) => {
    const [found] = await tx
      .select({ h: houses, compound: compounds.name })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(eq(houses.id, id));
    if (!found) throw new AppError('NOT_FOUND', { zh: '房屋不存在', en: 'No such house' });
    const today = communityDate();
    const occupants = await tx
      .select({
        personId: people.id,
        name: people.name,
        idNumber: people.idNumberMasked,
        phone: people.phoneMasked,
        role: occupancies.role,
        validFrom: occupancies.validFrom,
        validTo: occupancies.validTo,
      })
      .from(occupancies)
      .innerJoin(people, eq(people.id, occupancies.personId))
      .where(
        and(
          eq(occupancies.houseId, id),
          sql`${occupancies.validFrom} <= ${today}`,
          or(isNull(occupancies.validTo), gt(occupancies.validTo, today)),
        ),
      )
      .orderBy(asc(occupancies.validFrom), asc(people.name));
    const ownerIds = [...new Set(occupants.map((o) => o.personId))];
    const cars = ownerIds.length
      ? await tx
          .select({
            id: vehicles.id,
            plate: vehicles.plate,
            plateColour: vehicles.plateColour,
            kind: vehicles.kind,
            parkingSpace: vehicles.parkingSpace,
            ownerPersonId: vehicles.ownerPersonId,
          })
          .from(vehicles)
          .where(inArray(vehicles.ownerPersonId, ownerIds))
          .orderBy(asc(vehicles.plate))
      : [];
    const history = await tx
      .select()
      .from(changes)
      .where(and(eq(changes.entity, 'house'), eq(changes.entityId, id)))
      .orderBy(asc(changes.seq));
    const names = new Map(occupants.map((o) => [o.personId, o.name]));
    return {
      ...row(found.h, found.compound),
      occupants,
      vehicles: cars.map((c) => ({ ...c, owner: c.ownerPersonId ? (names.get(c.ownerPersonId) ?? null) : null })),
      history: history.map((h) => ({
        version: h.version,
        action: h.action,
        actor: h.actor,
        at: h.at.toISOString(),
        fields: ((h.diff as { fields?: string[] }).fields ?? []).slice(),
      })),
    };
  });
}

/** What the console may change on a house (`x-editable` of its schema); the address is its identity. */
const EDITABLE = editableOf(baseSchemas.house);

/**
 * Changes a house's attributes (layout, area, ownership, provincial building code). The address is its identity
 * and does not change here. The version must be the one the operator saw; the change is recorded and audited.
 */
export async function updateHouse(
  d: BaseDeps,
  scope: DataScope,
  id: string,
  expectedVersion: number,
  patch: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L2');
  return withScope(d.db, scope, async (tx) => {
    const [found] = await tx
      .select({ h: houses, compound: compounds.name })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(eq(houses.id, id))
      .for('update');
    if (!found) throw new AppError('NOT_FOUND', { zh: '房屋不存在', en: 'No such house' });
    const h = found.h;
    assertVersion(h.version, expectedVersion);
    const { after, fields } = checkFieldPatch({
      editable: EDITABLE,
      identity: { compound: found.compound, building: h.building, unit: h.unit, floor: h.floor, room: h.room },
      before: {
        layout: h.layout ?? undefined,
        area: h.area ?? undefined,
        ownership: h.ownership ?? undefined,
        buildingCode: h.buildingCode ?? undefined,
      },
      patch,
      check: checkHouse,
      only: {
        zh: '只能修改户型、面积、产权性质和建筑编码',
        en: 'Only layout, area, ownership and building code can change',
      },
      invalid: { zh: '房屋信息有误，请检查标出的字段', en: 'Please correct the marked fields' },
    });
    if (fields.length === 0) return { id, version: h.version };
    const version = h.version + 1;
    await tx
      .update(houses)
      .set({
        layout: after.layout ?? null,
        area: after.area ?? null,
        ownership: after.ownership ?? null,
        buildingCode: after.buildingCode ?? null,
        version,
        updatedAt: new Date(),
        updatedBy: actor.subject,
      })
      .where(and(eq(houses.id, id), eq(houses.version, expectedVersion)));
    await recordEdit(tx, actor, { communityId: h.communityId, entity: 'house', id, version, fields });
    return { id, version };
  });
}
