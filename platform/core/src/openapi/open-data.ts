import { compounds, houses, occupancies, people, withScope } from '@shequ/db';
import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { inviteVisitor } from '../access/visitors.ts';
import { appendAudit } from '../audit/audit-service.ts';
import { decodeCursor, encodeCursor } from '../basedata/cursor.ts';
import { houseKey, housesByKey } from '../basedata/houses-service.ts';
import { changedFields, personPlain } from '../basedata/people-repo.ts';
import { type BaseDeps, createPerson, searchPeople, updatePerson } from '../basedata/people-service.ts';
import { checkPerson, type PersonRecord } from '../basedata/person-record.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { apiClientScope } from './clients.ts';

export interface HouseAddress {
  /** The compound's name or code. */
  compound: string;
  building: string;
  unit: string;
  floor: string;
  room: string;
}

export interface TenantInput extends HouseAddress {
  name: string;
  idType: string;
  idNumber: string;
  phone?: string;
  /** Community dates (YYYY-MM-DD); `validTo` open means until further notice. */
  validFrom: string;
  validTo?: string | null;
}

const invalid = (fieldErrors: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', {
    zh: '提交的信息有误，请检查标出的字段',
    en: 'Please correct the marked fields',
    fieldErrors,
  });

async function houseIdOf(tx: Parameters<typeof housesByKey>[0], communityId: string, a: HouseAddress) {
  const [c] = await tx
    .select({ id: compounds.id })
    .from(compounds)
    .where(
      and(eq(compounds.communityId, communityId), or(eq(compounds.name, a.compound), eq(compounds.code, a.compound))),
    );
  if (!c) throw invalid({ compound: [`小区 ${a.compound} 不存在 / unknown compound`] });
  const id = (await housesByKey(tx, communityId)).get(houseKey(a, c.id));
  if (!id)
    throw invalid({
      room: [`房屋 ${a.compound}${a.building}幢${a.unit}单元${a.floor}层${a.room} 不存在 / unknown house`],
    });
  return id;
}

/**
 * A property management system registers or updates a tenant (DB33 6.3.1.4): the person goes through the console's
 * own createPerson/updatePerson (same validation, change log, audit, data-entry rule), the occupancy of the named house
 * with role `tenant` and its validity window is created or its end date updated. Idempotent by ID number and start
 * date: sending the same tenant again changes nothing.
 */
export async function upsertTenant(d: BaseDeps, communityId: string, input: TenantInput, actor: Actor) {
  const scope = apiClientScope(communityId);
  const personRaw = {
    name: input.name,
    idType: input.idType,
    idNumber: input.idNumber,
    phone: input.phone,
    category: 'resident',
  };
  const checked = checkPerson(personRaw);
  const errors: Record<string, string[]> = checked.ok ? {} : { ...checked.fieldErrors };
  if (input.validTo && input.validTo < input.validFrom)
    errors.validTo = ['结束日期不能早于开始日期 / validTo is before validFrom'];
  if (Object.keys(errors).length) throw invalid(errors);
  const person = (checked as { ok: true; value: PersonRecord }).value;
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const houseId = await houseIdOf(tx, communityId, input);
    const [stored] = await tx
      .select()
      .from(people)
      .where(
        and(
          eq(people.communityId, communityId),
          eq(people.idNumberIndex, d.crypto.blindIndex('id_number', person.idNumber)),
        ),
      );
    let personId: string;
    let personResult: 'created' | 'updated' | 'unchanged';
    if (!stored) {
      personId = (await createPerson(inner, scope, communityId, personRaw, actor)).id;
      personResult = 'created';
    } else {
      personId = stored.id;
      const before = personPlain(d.crypto, stored);
      const pick = (x: PersonRecord) => ({ name: x.name, idType: x.idType, idNumber: x.idNumber, phone: x.phone });
      const diff = changedFields(pick(before) as PersonRecord, pick(person) as PersonRecord);
      if (diff.length) {
        await updatePerson(inner, scope, stored.id, stored.version, pick(person), actor);
        personResult = 'updated';
      } else personResult = 'unchanged';
    }
    const [occ] = await tx
      .select()
      .from(occupancies)
      .where(
        and(
          eq(occupancies.personId, personId),
          eq(occupancies.houseId, houseId),
          eq(occupancies.role, 'tenant'),
          eq(occupancies.validFrom, input.validFrom),
        ),
      );
    const validTo = input.validTo ?? null;
    let occupancyId: string;
    let occupancyResult: 'created' | 'updated' | 'unchanged' = 'unchanged';
    if (!occ) {
      const [row] = await tx
        .insert(occupancies)
        .values({
          communityId,
          personId,
          houseId,
          role: 'tenant',
          validFrom: input.validFrom,
          validTo,
          createdBy: actor.subject,
          updatedBy: actor.subject,
        })
        .returning({ id: occupancies.id });
      occupancyId = row.id;
      occupancyResult = 'created';
    } else {
      occupancyId = occ.id;
      if (occ.validTo !== validTo) {
        await tx
          .update(occupancies)
          .set({ validTo, version: occ.version + 1, updatedAt: new Date(), updatedBy: actor.subject })
          .where(eq(occupancies.id, occ.id));
        occupancyResult = 'updated';
      }
    }
    if (occupancyResult !== 'unchanged') {
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role,
        action: `base.occupancy.${occupancyResult === 'created' ? 'create' : 'update'}`,
        objectType: 'occupancy',
        objectId: occupancyId,
        communityId,
        result: 'success',
        sourceIp: actor.ip,
        requestId: actor.requestId,
        detail: { personId, houseId, role: 'tenant', validFrom: input.validFrom, validTo },
      });
    }
    return { personId, houseId, occupancyId, person: personResult, occupancy: occupancyResult };
  });
}

export interface VisitorInput {
  visitorName: string;
  visitorPhone?: string | null;
  /** The visited house, when the visit has one. */
  house?: HouseAddress | null;
  validFrom: Date;
  validUntil: Date;
  maxEntries?: number;
  note?: string | null;
}

/**
 * A business system registers a visitor: a visitor pass through the same `inviteVisitor` residents use (window limits,
 * code, signed token), issued in the name of the client's accountable creator and attributed to the API key.
 */
export async function registerVisitor(
  d: BaseDeps,
  communityId: string,
  input: VisitorInput,
  actor: Actor & { userId: string },
) {
  let houseId: string | null = null;
  if (input.house) {
    const a = input.house;
    houseId = await withScope(d.db, apiClientScope(communityId), (tx) => houseIdOf(tx, communityId, a));
  }
  return inviteVisitor(d, communityId, actor, {
    visitorName: input.visitorName,
    visitorPhone: input.visitorPhone ?? null,
    houseId,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    maxEntries: input.maxEntries,
    note: input.note ?? null,
  });
}

/** Houses of a community, by (compound name, building, unit, floor, room, id) keyset pages. */
export async function openHouses(
  d: BaseDeps,
  communityId: string,
  q: { compound?: string; building?: string; cursor?: string; limit?: number },
) {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
  return withScope(d.db, apiClientScope(communityId), async (tx) => {
    const conds: SQL[] = [eq(houses.communityId, communityId)];
    if (q.compound) {
      const cs = await tx
        .select({ id: compounds.id })
        .from(compounds)
        .where(
          and(
            eq(compounds.communityId, communityId),
            or(eq(compounds.name, q.compound), eq(compounds.code, q.compound)),
          ),
        );
      if (!cs.length) return { items: [], nextCursor: null };
      conds.push(eq(houses.compoundId, cs[0].id));
    }
    if (q.building) conds.push(eq(houses.building, q.building));
    if (q.cursor) {
      const [id] = decodeCursor(q.cursor, 1);
      conds.push(gt(houses.id, id));
    }
    const rows = await tx
      .select({
        id: houses.id,
        compound: compounds.name,
        compoundCode: compounds.code,
        building: houses.building,
        unit: houses.unit,
        floor: houses.floor,
        room: houses.room,
        layout: houses.layout,
        area: houses.area,
      })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(and(...conds))
      .orderBy(asc(houses.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  });
}

/** People of the community with L3+ fields masked (scope `people.read-masked`): by ID number or name prefix. */
export async function openPeople(
  d: BaseDeps,
  communityId: string,
  q: { idNumber?: string; namePrefix?: string; cursor?: string; limit?: number },
) {
  return searchPeople(d, apiClientScope(communityId), {
    communityId,
    idNumber: q.idNumber,
    namePrefix: q.namePrefix,
    after: q.cursor,
    limit: q.limit,
  });
}
