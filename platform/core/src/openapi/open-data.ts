import { compounds, houses, withScope } from '@shequ/db';
import { and, asc, eq, gt, or, type SQL } from 'drizzle-orm';
import { inviteVisitor } from '../access/visitors.ts';
import { decodeCursor, encodeCursor } from '../basedata/cursor.ts';
import { changedFields, personPlain } from '../basedata/people-repo.ts';
import { type BaseDeps, createPerson, searchPeople, updatePerson } from '../basedata/people-service.ts';
import { checkPerson, type PersonRecord } from '../basedata/person-record.ts';
import type { Actor } from '../identity/user-service.ts';
import { apiClientScope } from './clients.ts';
import { type HouseAddress, houseIdOf, invalid, personByIdNumber, upsertOccupancy } from './lookup.ts';

export type { HouseAddress };

export interface TenantInput extends HouseAddress {
  name: string;
  idType: string;
  idNumber: string;
  phone?: string;
  /** Community dates (YYYY-MM-DD); `validTo` open means until further notice. */
  validFrom: string;
  validTo?: string | null;
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
    const stored = await personByIdNumber(tx, d.crypto, communityId, person.idNumber);
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
    const { occupancyId, occupancy } = await upsertOccupancy(
      tx,
      communityId,
      { personId, houseId, role: 'tenant', validFrom: input.validFrom, validTo: input.validTo ?? null },
      actor,
    );
    return { personId, houseId, occupancyId, person: personResult, occupancy };
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
