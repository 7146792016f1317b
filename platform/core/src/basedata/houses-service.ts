import { enqueue } from '@shequ/bus';
import { compounds, type DataScope, type Executor, houses, type Tx, withScope } from '@shequ/db';
import { baseSchemas, fieldErrors, validatorFor } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
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
