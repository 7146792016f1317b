import { compounds, type Executor, occupancies, people } from '@shequ/db';
import { and, eq, or } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { houseKey, housesByKey } from '../basedata/houses-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';

/** What the open API's writes share: lookups by the keys exchange records carry, and the occupancy upsert. */

export const invalid = (fieldErrors: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', {
    zh: '提交的信息有误，请检查标出的字段',
    en: 'Please correct the marked fields',
    fieldErrors,
  });

/** A request body that is a JSON object, or a field error on the whole body. */
export function bodyRecord(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid({ _: ['请求体应为 JSON 对象 / the body must be a JSON object'] });
  return raw as Record<string, unknown>;
}

/** A compound of the community named by its name or its code; an unknown one is a field error. */
export async function compoundOf(tx: Executor, communityId: string, nameOrCode: string) {
  const [c] = await tx
    .select({ id: compounds.id, name: compounds.name })
    .from(compounds)
    .where(
      and(eq(compounds.communityId, communityId), or(eq(compounds.name, nameOrCode), eq(compounds.code, nameOrCode))),
    );
  if (!c) throw invalid({ compound: [`小区 ${nameOrCode} 不存在 / unknown compound`] });
  return c;
}

export interface HouseAddress {
  /** The compound's name or code. */
  compound: string;
  building: string;
  unit: string;
  floor: string;
  room: string;
}

/** The id of the house at an address; an unknown compound or house is a field error. */
export async function houseIdOf(tx: Executor, communityId: string, a: HouseAddress) {
  const c = await compoundOf(tx, communityId, a.compound);
  const id = (await housesByKey(tx, communityId)).get(houseKey(a, c.id));
  if (!id)
    throw invalid({
      room: [`房屋 ${a.compound}${a.building}幢${a.unit}单元${a.floor}层${a.room} 不存在 / unknown house`],
    });
  return id;
}

/** The stored person of the community with this (normalised) ID number, found by its blind index. */
export async function personByIdNumber(tx: Executor, crypto: FieldCrypto, communityId: string, idNumber: string) {
  const [row] = await tx
    .select()
    .from(people)
    .where(
      and(eq(people.communityId, communityId), eq(people.idNumberIndex, crypto.blindIndex('id_number', idNumber))),
    );
  return row;
}

export type Outcome = 'created' | 'updated' | 'unchanged';

/**
 * The occupancy of a person in a house with a role from a start date: created, its end date changed, or left as it
 * is. Idempotent by (person, house, role, start); a change is audited `base.occupancy.*` in the caller's transaction.
 */
export async function upsertOccupancy(
  tx: Executor,
  communityId: string,
  o: { personId: string; houseId: string; role: string; validFrom: string; validTo: string | null },
  actor: Actor,
  detail: Record<string, unknown> = {},
): Promise<{ occupancyId: string; occupancy: Outcome }> {
  const [occ] = await tx
    .select()
    .from(occupancies)
    .where(
      and(
        eq(occupancies.personId, o.personId),
        eq(occupancies.houseId, o.houseId),
        eq(occupancies.role, o.role),
        eq(occupancies.validFrom, o.validFrom),
      ),
    );
  let occupancyId: string;
  let occupancy: Outcome = 'unchanged';
  if (!occ) {
    const [row] = await tx
      .insert(occupancies)
      .values({ communityId, ...o, createdBy: actor.subject, updatedBy: actor.subject })
      .returning({ id: occupancies.id });
    occupancyId = row.id;
    occupancy = 'created';
  } else {
    occupancyId = occ.id;
    if (occ.validTo !== o.validTo) {
      await tx
        .update(occupancies)
        .set({ validTo: o.validTo, version: occ.version + 1, updatedAt: new Date(), updatedBy: actor.subject })
        .where(eq(occupancies.id, occ.id));
      occupancy = 'updated';
    }
  }
  if (occupancy !== 'unchanged') {
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: `base.occupancy.${occupancy === 'created' ? 'create' : 'update'}`,
      objectType: 'occupancy',
      objectId: occupancyId,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: {
        ...detail,
        personId: o.personId,
        houseId: o.houseId,
        role: o.role,
        validFrom: o.validFrom,
        validTo: o.validTo,
      },
    });
  }
  return { occupancyId, occupancy };
}
