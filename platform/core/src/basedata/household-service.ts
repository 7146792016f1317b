import { compounds, houses, occupancies, people, users, vehicles, withScope } from '@shequ/db';
import { and, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { communityDate } from '../time.ts';
import { type ConsentChannel, listConsents, withdrawConsent } from './consent-service.ts';
import type { BaseDeps } from './people-service.ts';

const roleNames: Record<string, { zh: string; en: string }> = {
  owner: { zh: '业主', en: 'Owner' },
  family: { zh: '家庭成员', en: 'Family' },
  tenant: { zh: '租户', en: 'Tenant' },
  other: { zh: '其他', en: 'Other' },
};

/** The people records of the signed-in user in a community: linked through the phone number's blind index. */
async function myPeople(d: BaseDeps, communityId: string, userId: string) {
  const [user] = await d.db.select({ phoneIndex: users.phoneIndex }).from(users).where(eq(users.id, userId));
  if (!user?.phoneIndex) return [];
  return withScope(d.db, { kind: 'communities', ids: [communityId] }, (tx) =>
    tx
      .select({ id: people.id, name: people.name })
      .from(people)
      .where(and(eq(people.communityId, communityId), eq(people.phoneIndex, user.phoneIndex as string))),
  );
}

/**
 * "My household" for a resident: the houses their person record currently occupies, who lives there with them (names
 * and relation only), the household's vehicles and their own consent records. Nothing here is another household's,
 * and no ID number or phone leaves the server.
 */
export async function myHousehold(d: BaseDeps, communityId: string, userId: string) {
  const mine = await myPeople(d, communityId, userId);
  if (mine.length === 0) return { linked: false as const, homes: [], consents: [] };
  const scope = { kind: 'communities' as const, ids: [communityId] };
  const ids = mine.map((p) => p.id);
  const today = communityDate();
  const current = and(
    or(isNull(occupancies.validTo), gte(occupancies.validTo, today)),
    sql`${occupancies.validFrom} <= ${today}`,
  );
  const homes = await withScope(d.db, scope, async (tx) => {
    const own = await tx
      .select({ houseId: occupancies.houseId })
      .from(occupancies)
      .where(and(inArray(occupancies.personId, ids), current));
    const houseIds = [...new Set(own.map((o) => o.houseId))];
    if (houseIds.length === 0) return [];
    const rows = await tx
      .select({ house: houses, compound: compounds.name })
      .from(houses)
      .innerJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(inArray(houses.id, houseIds));
    const members = await tx
      .select({ houseId: occupancies.houseId, personId: people.id, name: people.name, role: occupancies.role })
      .from(occupancies)
      .innerJoin(people, eq(people.id, occupancies.personId))
      .where(and(inArray(occupancies.houseId, houseIds), current));
    const memberIds = [...new Set(members.map((m) => m.personId))];
    const cars = memberIds.length
      ? await tx
          .select({ owner: vehicles.ownerPersonId, plate: vehicles.plate, colour: vehicles.plateColour })
          .from(vehicles)
          .where(inArray(vehicles.ownerPersonId, memberIds))
      : [];
    return rows.map(({ house, compound }) => {
      const here = members.filter((m) => m.houseId === house.id);
      const herePeople = new Set(here.map((m) => m.personId));
      return {
        houseId: house.id,
        address: { compound, building: house.building, unit: house.unit, floor: house.floor, room: house.room },
        /** Beidou grid location code (GB/T 39409) of the building, once the building is on the community map. */
        gridCode: house.gridCode,
        members: here.map((m) => ({
          name: m.name,
          role: m.role,
          roleName: roleNames[m.role] ?? roleNames.other,
          me: ids.includes(m.personId),
        })),
        vehicles: cars
          .filter((c) => c.owner && herePeople.has(c.owner))
          .map((c) => ({ plate: c.plate, colour: c.colour })),
      };
    });
  });
  const consents = (await Promise.all(mine.map((p) => listConsents(d, scope, p.id)))).flat();
  return { linked: true as const, name: mine[0].name, homes, consents };
}

/** A resident withdraws one of their own consents from the app; someone else's consent is not found. */
export async function withdrawMyConsent(
  d: BaseDeps,
  communityId: string,
  userId: string,
  consentId: string,
  actor: Actor,
) {
  const scope = { kind: 'communities' as const, ids: [communityId] };
  const mine = await myPeople(d, communityId, userId);
  const own = (await Promise.all(mine.map((p) => listConsents(d, scope, p.id)))).flat();
  if (!own.some((c) => c.id === consentId)) {
    throw new AppError('NOT_FOUND', { zh: '没有找到您的这条授权记录', en: 'No such consent of yours' });
  }
  const channel: ConsentChannel = 'app';
  return withdrawConsent(d, scope, consentId, channel, actor);
}

/**
 * The signed-in resident's family with platform accounts: the other people of the houses she lives in now whose
 * phone matches a user. What the time bank's "give to family" offers; names and relation only.
 */
export async function householdAccounts(d: BaseDeps, communityId: string, userId: string) {
  const mine = await myPeople(d, communityId, userId);
  if (mine.length === 0) return [];
  const ids = mine.map((p) => p.id);
  const today = communityDate();
  const current = and(
    or(isNull(occupancies.validTo), gte(occupancies.validTo, today)),
    sql`${occupancies.validFrom} <= ${today}`,
  );
  const members = await withScope(d.db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    const own = await tx
      .select({ houseId: occupancies.houseId })
      .from(occupancies)
      .where(and(inArray(occupancies.personId, ids), current));
    const houseIds = [...new Set(own.map((o) => o.houseId))];
    if (houseIds.length === 0) return [];
    return tx
      .selectDistinct({ name: people.name, role: occupancies.role, phoneIndex: people.phoneIndex })
      .from(occupancies)
      .innerJoin(people, eq(people.id, occupancies.personId))
      .where(
        and(inArray(occupancies.houseId, houseIds), current, sql`${people.id} <> all(${`{${ids.join(',')}}`}::uuid[])`),
      );
  });
  const indexes = members.flatMap((m) => (m.phoneIndex ? [m.phoneIndex] : []));
  if (indexes.length === 0) return [];
  const accounts = await d.db
    .select({ id: users.id, phoneIndex: users.phoneIndex })
    .from(users)
    .where(inArray(users.phoneIndex, indexes));
  const byIndex = new Map(accounts.map((a) => [a.phoneIndex, a.id]));
  return members
    .filter((m) => m.phoneIndex && byIndex.has(m.phoneIndex) && byIndex.get(m.phoneIndex) !== userId)
    .map((m) => ({
      userId: byIndex.get(m.phoneIndex as string) as string,
      name: m.name,
      role: m.role,
      roleName: roleNames[m.role] ?? roleNames.other,
    }));
}
