import { enqueue } from '@shequ/bus';
import { compounds, type DataScope, type Executor, houses, mapFeatures, type Tx, withScope } from '@shequ/db';
import { baseSchemas, fieldErrors, validatorFor } from '@shequ/schemas';
import { and, eq, isNotNull, isNull, ne, or } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { BeidouGridError, beidouGridCode, representativePoint } from './beidou-grid.ts';
import { assertMayEnter } from './data-entry.ts';
import { recordChange } from './people-repo.ts';
import type { BaseDeps, Checked } from './people-service.ts';

export interface HouseRecord {
  compound: string;
  building: string;
  unit: string;
  floor: string;
  room: string;
  layout?: string;
  area?: number;
  ownership?: string;
  buildingCode?: string;
}

export function checkHouse(raw: Record<string, unknown>): Checked<HouseRecord> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') {
      const t = v.trim();
      if (t === '') continue;
      input[k] = k === 'area' && /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
    } else if (v != null) input[k] = v;
  }
  const validate = validatorFor(baseSchemas.house);
  if (!validate(input)) return { ok: false, fieldErrors: fieldErrors(validate.errors) };
  return { ok: true, value: input as unknown as HouseRecord };
}

/** Compound ids by name within a community (names are what spreadsheets carry). */
export async function compoundsByName(tx: Executor, communityId: string): Promise<Map<string, string>> {
  const rows = await tx
    .select({ id: compounds.id, name: compounds.name })
    .from(compounds)
    .where(eq(compounds.communityId, communityId));
  return new Map(rows.map((r) => [r.name, r.id]));
}

export const houseKey = (h: { building: string; unit: string; floor: string; room: string }, compoundId: string) =>
  [compoundId, h.building, h.unit, h.floor, h.room].join('\u0001');

/** House ids by key (compound + building + unit + floor + room) within a community. */
export async function housesByKey(tx: Executor, communityId: string): Promise<Map<string, string>> {
  const rows = await tx
    .select({
      id: houses.id,
      compoundId: houses.compoundId,
      building: houses.building,
      unit: houses.unit,
      floor: houses.floor,
      room: houses.room,
    })
    .from(houses)
    .where(eq(houses.communityId, communityId));
  return new Map(rows.map((r) => [houseKey(r, r.compoundId), r.id]));
}

/** The stored columns of a house: one place for the mapping the console and imports share. */
export function houseColumns(communityId: string, compoundId: string, h: HouseRecord, actor: string) {
  return {
    communityId,
    compoundId,
    building: h.building,
    unit: h.unit,
    floor: h.floor,
    room: h.room,
    layout: h.layout ?? null,
    area: h.area ?? null,
    ownership: h.ownership ?? null,
    buildingCode: h.buildingCode ?? null,
    createdBy: actor,
    updatedBy: actor,
  };
}

export async function insertHouse(
  tx: Tx,
  communityId: string,
  compoundId: string,
  h: HouseRecord,
  actor: Actor,
): Promise<string> {
  const [row] = await tx
    .insert(houses)
    .values(houseColumns(communityId, compoundId, h, actor.subject))
    .returning({ id: houses.id });
  await recordChange(tx, {
    communityId,
    entity: 'house',
    entityId: row.id,
    version: 1,
    action: 'create',
    actor: actor.subject,
    fields: Object.keys(h).sort(),
  });
  return row.id;
}

export async function createHouse(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  raw: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L2');
  const checked = checkHouse(raw);
  if (!checked.ok)
    throw new AppError('INVALID_INPUT', {
      zh: '房屋信息有误，请检查标出的字段',
      en: 'Please correct the marked fields',
      fieldErrors: checked.fieldErrors,
    });
  const h = checked.value;
  return withScope(d.db, scope, async (tx) => {
    const compoundId = (await compoundsByName(tx, communityId)).get(h.compound);
    if (!compoundId)
      throw new AppError('INVALID_INPUT', {
        zh: `小区“${h.compound}”不存在`,
        en: `No compound named ${h.compound}`,
        fieldErrors: { compound: ['小区不存在 / unknown compound'] },
      });
    const [dup] = await tx
      .select({ id: houses.id })
      .from(houses)
      .where(
        and(
          eq(houses.compoundId, compoundId),
          eq(houses.building, h.building),
          eq(houses.unit, h.unit),
          eq(houses.floor, h.floor),
          eq(houses.room, h.room),
        ),
      );
    if (dup)
      throw new AppError('CONFLICT', {
        zh: '该房屋已存在（小区+楼栋+单元+楼层+房号重复）',
        en: 'This house already exists (same compound, building, unit, floor and room)',
      });
    const id = await insertHouse(tx, communityId, compoundId, h, actor);
    await assignHouseGridCodes(tx, communityId);
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.house.create',
      objectType: 'house',
      objectId: id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
    });
    await enqueue(tx, { subject: 'shequ.base.house_created', communityId, data: { id } });
    return { id };
  });
}

/**
 * Gives every house the Beidou grid location code (GB/T 39409, level 10) of its building. A building is a map
 * feature of kind `building` whose `refId` is the compound and whose name is the building label the houses carry
 * (`3` for 3幢); the code is taken at the centroid of its outline. Runs after houses or buildings are written, in the
 * same transaction, and touches only houses whose code changes.
 */
export async function assignHouseGridCodes(tx: Executor, communityId: string): Promise<number> {
  const buildings = await tx
    .select({ refId: mapFeatures.refId, name: mapFeatures.name, geometry: mapFeatures.geometry })
    .from(mapFeatures)
    .where(
      and(eq(mapFeatures.communityId, communityId), eq(mapFeatures.kind, 'building'), isNotNull(mapFeatures.refId)),
    );
  let changed = 0;
  for (const b of buildings) {
    const at = representativePoint(b.geometry as { type: string; coordinates: unknown });
    if (!at) continue;
    let code: string;
    try {
      code = beidouGridCode(at[0], at[1]);
    } catch (e) {
      // A building outside the encoded hemisphere keeps no code; the map itself still shows it.
      if (e instanceof BeidouGridError) continue;
      throw e;
    }
    const rows = await tx
      .update(houses)
      .set({ gridCode: code })
      .where(
        and(
          eq(houses.communityId, communityId),
          eq(houses.compoundId, b.refId as string),
          eq(houses.building, b.name),
          or(isNull(houses.gridCode), ne(houses.gridCode, code)),
        ),
      )
      .returning({ id: houses.id });
    changed += rows.length;
  }
  return changed;
}
