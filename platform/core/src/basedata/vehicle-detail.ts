import { changes, compounds, type DataScope, people, vehicles, withScope } from '@shequ/db';
import { baseSchemas, editableOf } from '@shequ/schemas';
import { and, asc, eq, like, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { assertMayEnter } from './data-entry.ts';
import { compoundsByName } from './houses-service.ts';
import { assertVersion, checkFieldPatch, isUniqueViolation, recordEdit } from './people-repo.ts';
import type { BaseDeps } from './people-service.ts';
import { checkVehicle, vehicleColumns } from './vehicle-record.ts';

export interface VehicleQuery {
  communityId: string;
  /** The start of a plate, e.g. 浙A or 浙A1. */
  plate?: string;
  kind?: 'resident' | 'temporary';
  /** Opaque cursor from the previous page. */
  after?: string;
  limit?: number;
}

type Row = typeof vehicles.$inferSelect;
const row = (v: Row, extra: { compound: string | null; owner: string | null }) => ({
  id: v.id,
  plate: v.plate,
  plateColour: v.plateColour,
  kind: v.kind as 'resident' | 'temporary',
  energy: v.energy as 'new' | 'fuel',
  compound: extra.compound,
  owner: extra.owner,
  ownerPersonId: v.ownerPersonId,
  parkingSpace: v.parkingSpace,
  brand: v.brand,
  bodyColour: v.bodyColour,
  parkingMinutes: v.parkingMinutes,
  version: v.version,
  updatedAt: v.updatedAt.toISOString(),
});

const notFound = () => new AppError('NOT_FOUND', { zh: '车辆不存在', en: 'No such vehicle' });

/** A page of vehicles in plate order, by plate prefix and kind; owners by name only (no ID number). */
export async function listVehicles(d: BaseDeps, scope: DataScope, q: VehicleQuery) {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  const prefix = q.plate?.trim().toUpperCase();
  if (prefix && !/^[\p{Script=Han}A-Z0-9]{1,12}$/u.test(prefix)) {
    throw new AppError('INVALID_INPUT', {
      zh: '车牌只含汉字、字母和数字',
      en: 'A plate has only Chinese characters, letters and digits',
      fieldErrors: { plate: ['车牌只含汉字、字母和数字 / letters, digits and Chinese characters only'] },
    });
  }
  return withScope(d.db, scope, async (tx) => {
    const conds: SQL[] = [eq(vehicles.communityId, q.communityId)];
    if (prefix) conds.push(like(vehicles.plate, `${prefix}%`));
    if (q.kind) conds.push(eq(vehicles.kind, q.kind));
    if (q.after) {
      const k = decodeCursor(q.after, 2);
      conds.push(sql`(${vehicles.plate}, ${vehicles.id}) > (${k[0]}, ${k[1]}::uuid)`);
    }
    const rows = await tx
      .select({ v: vehicles, compound: compounds.name, owner: people.name })
      .from(vehicles)
      .leftJoin(compounds, eq(compounds.id, vehicles.compoundId))
      .leftJoin(people, eq(people.id, vehicles.ownerPersonId))
      .where(and(...conds))
      .orderBy(asc(vehicles.plate), asc(vehicles.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor([last.v.plate, last.v.id]) : null;
    return { items: page.map((r) => row(r.v, { compound: r.compound, owner: r.owner })), nextCursor };
  });
}

/** One vehicle: plate, kind, compound and parking, the owner by name (masked ID and phone), and its change history. */
export async function getVehicle(d: BaseDeps, scope: DataScope, id: string) {
  return withScope(d.db, scope, async (tx) => {
    const [found] = await tx
      .select({
        v: vehicles,
        compound: compounds.name,
        owner: people.name,
        ownerIdNumber: people.idNumberMasked,
        ownerPhone: people.phoneMasked,
      })
      .from(vehicles)
      .leftJoin(compounds, eq(compounds.id, vehicles.compoundId))
      .leftJoin(people, eq(people.id, vehicles.ownerPersonId))
      .where(eq(vehicles.id, id));
    if (!found) throw notFound();
    const history = await tx
      .select()
      .from(changes)
      .where(and(eq(changes.entity, 'vehicle'), eq(changes.entityId, id)))
      .orderBy(asc(changes.seq));
    return {
      ...row(found.v, { compound: found.compound, owner: found.owner }),
      ownerIdNumber: found.ownerIdNumber,
      ownerPhone: found.ownerPhone,
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

/**
 * Registers one vehicle from the console (线下登记, 6.3.3.1): checked against the vehicle schema and GA 36 like an import
 * row; the compound named must exist and the owner, named by ID number, must be a registered person of the community;
 * a plate and colour already registered is refused. Attributed, recorded and audited.
 */
export async function createVehicle(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  raw: Record<string, unknown>,
  actor: Actor,
) {
  const checked = checkVehicle(raw);
  // The owner's ID number is L4: entering it needs that grade; a vehicle alone is L2.
  await assertMayEnter(d.db, actor, checked.ok && checked.value.ownerIdNumber ? 'L4' : 'L2');
  const invalid = (fieldErrors: Record<string, string[]>) =>
    new AppError('INVALID_INPUT', {
      zh: '车辆信息有误，请检查标出的字段',
      en: 'Please correct the marked fields',
      fieldErrors,
    });
  if (!checked.ok) throw invalid(checked.fieldErrors);
  const v = checked.value;
  try {
    return await withScope(d.db, scope, async (tx) => {
      const errors: Record<string, string[]> = {};
      const compoundId = v.compound ? (await compoundsByName(tx, communityId)).get(v.compound) : undefined;
      if (v.compound && !compoundId) errors.compound = [`小区“${v.compound}”不存在 / unknown compound`];
      let ownerId: string | undefined;
      if (v.ownerIdNumber) {
        const [owner] = await tx
          .select({ id: people.id })
          .from(people)
          .where(
            and(
              eq(people.communityId, communityId),
              eq(people.idNumberIndex, d.crypto.blindIndex('id_number', v.ownerIdNumber)),
            ),
          );
        ownerId = owner?.id;
        if (!ownerId) errors.ownerIdNumber = ['车主未登记，请先登记人员 / the owner is not a registered person'];
      }
      if (Object.keys(errors).length) throw invalid(errors);
      const [row] = await tx
        .insert(vehicles)
        .values(vehicleColumns(v, { communityId, compoundId, ownerId, actor: actor.subject }))
        .returning({ id: vehicles.id, version: vehicles.version });
      await recordEdit(tx, actor, {
        action: 'create',
        communityId,
        entity: 'vehicle',
        id: row.id,
        version: row.version,
        fields: Object.keys(v).sort(),
        detail: { plate: v.plate },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('INVALID_INPUT', {
        zh: '该车牌已在本社区登记',
        en: 'This plate is already registered in this community',
        fieldErrors: { plate: ['车牌已登记 / plate already registered'] },
      });
    }
    throw err;
  }
}

/** What the console may change on a vehicle (`x-editable` of its schema); the plate and its colour are its identity. */
export const VEHICLE_EDITABLE = editableOf(baseSchemas.vehicle);

/**
 * Changes a vehicle's kind, parking space, brand, body colour or (temporary vehicles) parking duration. Checked against
 * the vehicle schema and GA 36 like an import row; the version must be the one the operator saw; recorded and audited.
 */
export async function updateVehicle(
  d: BaseDeps,
  scope: DataScope,
  id: string,
  expectedVersion: number,
  patch: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L2');
  return withScope(d.db, scope, async (tx) => {
    const [v] = await tx.select().from(vehicles).where(eq(vehicles.id, id)).for('update');
    if (!v) throw notFound();
    assertVersion(v.version, expectedVersion);
    const { after, fields } = checkFieldPatch({
      editable: VEHICLE_EDITABLE,
      identity: { plate: v.plate, plateColour: v.plateColour },
      before: {
        kind: v.kind,
        parkingSpace: v.parkingSpace ?? undefined,
        brand: v.brand ?? undefined,
        bodyColour: v.bodyColour ?? undefined,
        parkingMinutes: v.parkingMinutes ?? undefined,
      },
      patch,
      check: checkVehicle,
      only: {
        zh: '只能修改车辆类型、车位、品牌、车身颜色和停放时长',
        en: 'Only the kind, parking space, brand, body colour and parking duration can change',
      },
      invalid: { zh: '车辆信息有误，请检查标出的字段', en: 'Please correct the marked fields' },
    });
    if (fields.length === 0) return { id, version: v.version };
    const version = v.version + 1;
    await tx
      .update(vehicles)
      .set({
        kind: after.kind,
        parkingSpace: after.parkingSpace ?? null,
        brand: after.brand ?? null,
        bodyColour: after.bodyColour ?? null,
        parkingMinutes: after.parkingMinutes ?? null,
        version,
        updatedAt: new Date(),
        updatedBy: actor.subject,
      })
      .where(and(eq(vehicles.id, id), eq(vehicles.version, expectedVersion)));
    await recordEdit(tx, actor, {
      communityId: v.communityId,
      entity: 'vehicle',
      id,
      version,
      fields,
      detail: { plate: v.plate },
    });
    return { id, version };
  });
}
