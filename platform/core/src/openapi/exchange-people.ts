import { occupancies, withScope } from '@shequ/db';
import { exchangeSchemas, fieldErrors, validatorFor } from '@shequ/schemas';
import { and, eq, gte, isNull, lte, or, sql } from 'drizzle-orm';
import { recordProposals } from '../basedata/merge-proposals.ts';
import { personPlain } from '../basedata/people-repo.ts';
import { type BaseDeps, createPerson, updatePerson } from '../basedata/people-service.ts';
import { checkPerson, type PersonRecord } from '../basedata/person-record.ts';
import { checkIdNumber, checkPersonId } from '../basedata/validate/index.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { apiClientScope } from './clients.ts';
import { bodyRecord, houseIdOf, invalid, type Outcome, personByIdNumber, upsertOccupancy } from './lookup.ts';

/** Structural check of an exchange message against its schema in `schemas/`, errors by field in Chinese and English. */
function checkMessage(schema: (typeof exchangeSchemas)['occupant' | 'personRoles'], body: Record<string, unknown>) {
  const validate = validatorFor(schema);
  return validate(body) ? {} : fieldErrors(validate.errors);
}

/** An ID number as the blind index holds it: a mainland number normalised (legacy 15 digits upgraded), others upper-cased. */
function normalisedId(idNumber: string): string {
  const id = checkIdNumber(idNumber);
  return id.ok ? id.value : idNumber.trim().toUpperCase();
}

type PersonOutcome = Outcome | 'proposed';

/**
 * Records an occupant of a house for the provincial shared application (DB33 6.3.1.2): the owner updates who lives in
 * the house, or community staff do on the owner's authorisation. Any role but owner names the authorising owner by
 * ID number, who must be an owner of that house on record today; so must a new owner of a house that already has one
 * (the first owner of a house without owners on record is taken as reported). The person goes through the console's
 * checkPerson/createPerson/updatePerson; a person already known who does not live in this house is not overwritten by
 * it: other values become a merge proposal. The occupancy is idempotent by person, house, role and start date.
 */
export async function recordOccupant(d: BaseDeps, communityId: string, raw: unknown, actor: Actor) {
  const body = bodyRecord(raw);
  const errors = checkMessage(exchangeSchemas.occupant, body);
  const given = (['name', 'idType', 'idNumber', 'phone', 'occupation'] as const).filter((k) => body[k] !== undefined);
  const checked = checkPerson({ ...Object.fromEntries(given.map((k) => [k, body[k]])), category: 'resident' });
  if (!checked.ok) for (const [k, v] of Object.entries(checked.fieldErrors)) errors[k] ??= v;
  const o = body as { role: string; validFrom: string; validTo?: string; authorisingOwnerIdNumber?: string };
  if (o.validTo && o.validFrom && o.validTo < o.validFrom)
    errors.validTo = ['结束日期不能早于开始日期 / validTo is before validFrom'];
  if (Object.keys(errors).length || !checked.ok) throw invalid(errors);
  const person = checked.value;
  const address = body as unknown as Parameters<typeof houseIdOf>[2];
  const scope = apiClientScope(communityId);
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const houseId = await houseIdOf(tx, communityId, address);
    const current = await tx
      .select({ personId: occupancies.personId, role: occupancies.role })
      .from(occupancies)
      .where(
        and(
          eq(occupancies.houseId, houseId),
          lte(occupancies.validFrom, sql`current_date`),
          or(isNull(occupancies.validTo), gte(occupancies.validTo, sql`current_date`)),
        ),
      );
    const owners = new Set(current.filter((c) => c.role === 'owner').map((c) => c.personId));
    const stored = await personByIdNumber(tx, d.crypto, communityId, person.idNumber);
    const needsOwner = o.role !== 'owner' || (owners.size > 0 && !(stored && owners.has(stored.id)));
    let authorisedBy: string | null = null;
    if (needsOwner) {
      const by = o.authorisingOwnerIdNumber
        ? await personByIdNumber(tx, d.crypto, communityId, normalisedId(o.authorisingOwnerIdNumber))
        : undefined;
      if (!by || !owners.has(by.id)) throw notAuthorised(!o.authorisingOwnerIdNumber);
      authorisedBy = by.id;
    }
    let personId: string;
    let personResult: PersonOutcome = 'unchanged';
    let proposed = 0;
    if (!stored) {
      personId = (await createPerson(inner, scope, communityId, person as unknown as Record<string, unknown>, actor))
        .id;
      personResult = 'created';
    } else {
      personId = stored.id;
      const before = personPlain(d.crypto, stored);
      const diff: Record<string, unknown> = {};
      for (const k of given) {
        const f = k as keyof PersonRecord;
        if (k !== 'idNumber' && JSON.stringify(before[f] ?? null) !== JSON.stringify(person[f] ?? null))
          diff[k] = person[f];
      }
      if (Object.keys(diff).length && current.some((c) => c.personId === stored.id)) {
        await updatePerson(inner, scope, stored.id, stored.version, diff, actor);
        personResult = 'updated';
      } else if (Object.keys(diff).length) {
        // Someone known to the community but not living here: their record is not this house's to overwrite.
        proposed = await recordProposals(tx, d, communityId, actor.subject, actor.subject, [
          { entity: 'person', targetId: stored.id, targetVersion: stored.version, sourceRow: 1, incoming: diff },
        ]);
        personResult = 'proposed';
      }
    }
    const { occupancyId, occupancy } = await upsertOccupancy(
      tx,
      communityId,
      { personId, houseId, role: o.role, validFrom: o.validFrom, validTo: o.validTo ?? null },
      actor,
      { authorisedBy },
    );
    return { personId, houseId, occupancyId, person: personResult, occupancy, authorisedBy, proposed };
  });
}

function notAuthorised(missing: boolean) {
  const field = missing
    ? '须注明授权业主的证件号码 / name the authorising owner by ID number'
    : '不是该房屋登记在册的业主 / not an owner of this house on record';
  return new AppError('FORBIDDEN', {
    zh: '未经该房屋业主授权，不能更新其居住人员：授权人须为该房屋登记在册的业主',
    en: 'Not authorised by an owner of this house: the authorising person must be an owner of the house on record',
    fieldErrors: { authorisingOwnerIdNumber: [field] },
  });
}

/**
 * The 基层智治 (grassroots governance) system updates a person's party membership or staff category (DB33 6.3.1.3),
 * by ID number, through the console's updatePerson (versioned, change history names the fields, audited). A person not
 * yet on record is registered when the message carries name and idType (category community_staff unless given).
 */
export async function updatePersonRoles(d: BaseDeps, communityId: string, raw: unknown, actor: Actor) {
  const body = bodyRecord(raw);
  const errors = checkMessage(exchangeSchemas.personRoles, body);
  const m = body as { idNumber: string; idType?: string; name?: string; partyMember?: boolean; category?: string };
  let idNumber = typeof m.idNumber === 'string' ? normalisedId(m.idNumber) : '';
  if (!errors.idNumber && !errors.idType && m.idType) {
    const id = checkPersonId(m.idType as Parameters<typeof checkPersonId>[0], m.idNumber);
    if (id.ok) idNumber = id.value;
    else errors.idNumber = [`${id.zh} / ${id.en}`];
  }
  if (Object.keys(errors).length) throw invalid(errors);
  const patch: Record<string, unknown> = {};
  if (m.partyMember !== undefined) patch.partyMember = m.partyMember;
  if (m.category !== undefined) patch.category = m.category;
  const scope = apiClientScope(communityId);
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const stored = await personByIdNumber(tx, d.crypto, communityId, idNumber);
    if (!stored) {
      if (!m.name || !m.idType)
        throw invalid({
          idNumber: [
            '该证件号码未在本社区登记；登记新人员须同时提供姓名和证件类型 / not registered in this community; send name and idType to register the person',
          ],
        });
      const row = await createPerson(
        inner,
        scope,
        communityId,
        { name: m.name, idType: m.idType, idNumber, category: 'community_staff', ...patch },
        actor,
      );
      return { personId: row.id, result: 'created' as Outcome, version: row.version };
    }
    const r = await updatePerson(inner, scope, stored.id, stored.version, patch, actor);
    return {
      personId: stored.id,
      result: (r.version === stored.version ? 'unchanged' : 'updated') as Outcome,
      version: r.version,
    };
  });
}
