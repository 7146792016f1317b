import { houses, spaces, vehicles, withScope } from '@shequ/db';
import { baseSchemas, editableOf } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import { updateHouse } from '../basedata/house-detail.ts';
import { checkHouse, createHouse } from '../basedata/houses-service.ts';
import { recordProposals } from '../basedata/merge-proposals.ts';
import { checkNamed, createNamed, listNamed, updateNamed } from '../basedata/named-records.ts';
import type { BaseDeps } from '../basedata/people-service.ts';
import { createVehicle, listVehicles, updateVehicle, VEHICLE_EDITABLE } from '../basedata/vehicle-detail.ts';
import { checkVehicle } from '../basedata/vehicle-record.ts';
import type { Actor } from '../identity/user-service.ts';
import { apiClientScope } from './clients.ts';
import { bodyRecord, compoundOf, invalid, type Outcome, personByIdNumber } from './lookup.ts';

/**
 * Authorised updates of houses, vehicles and public spaces from the provincial shared application (DB33 6.3.2.2,
 * 6.3.3.2, 6.3.4.2). The body is the record's exchange schema (`schemas/base/*.schema.json`); each upsert finds the
 * record by its identity and goes through the console's own create or versioned edit (same checks, change history,
 * audit, bus event), all in one transaction. Fields the body leaves out keep their stored values; sending the same
 * record again changes nothing.
 */
export interface UpsertResult {
  id: string;
  result: Outcome;
  version: number;
  /** Merge proposals stored for an operator (fields an update may not overwrite). */
  proposed?: number;
}

/** The editable fields (`x-editable`) the body carries: the patch of a versioned edit. */
const present = (value: object, editable: readonly string[]) =>
  Object.fromEntries(Object.entries(value).filter(([k, v]) => editable.includes(k) && v !== undefined));

const outcome = (before: number, after: number): Outcome => (after === before ? 'unchanged' : 'updated');

/** A house by compound + building + unit + floor + room: registered, or its layout, area, ownership, code updated. */
export async function upsertHouse(d: BaseDeps, communityId: string, raw: unknown, actor: Actor): Promise<UpsertResult> {
  const checked = checkHouse(bodyRecord(raw));
  if (!checked.ok) throw invalid(checked.fieldErrors);
  const h = checked.value;
  const scope = apiClientScope(communityId);
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const compound = await compoundOf(tx, communityId, h.compound);
    const [found] = await tx
      .select({ id: houses.id, version: houses.version })
      .from(houses)
      .where(
        and(
          eq(houses.compoundId, compound.id),
          eq(houses.building, h.building),
          eq(houses.unit, h.unit),
          eq(houses.floor, h.floor),
          eq(houses.room, h.room),
        ),
      );
    if (!found) {
      const { id } = await createHouse(inner, scope, communityId, { ...h, compound: compound.name }, actor);
      return { id, result: 'created', version: 1 };
    }
    const r = await updateHouse(
      inner,
      scope,
      found.id,
      found.version,
      present(h, editableOf(baseSchemas.house)),
      actor,
    );
    return { id: found.id, result: outcome(found.version, r.version), version: r.version };
  });
}

/**
 * A vehicle by plate + plate colour (GA 36, the colour defaulted from the plate type): registered, or its kind,
 * parking space, brand, body colour and parking duration updated. Its owner and compound are not fields an update may
 * overwrite: another owner or compound becomes a merge proposal for the operators, as an import's would.
 */
export async function upsertVehicle(
  d: BaseDeps,
  communityId: string,
  raw: unknown,
  actor: Actor,
): Promise<UpsertResult> {
  const body = bodyRecord(raw);
  const checked = checkVehicle(body);
  if (!checked.ok) throw invalid(checked.fieldErrors);
  const v = checked.value;
  const scope = apiClientScope(communityId);
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const compound = v.compound ? await compoundOf(tx, communityId, v.compound) : undefined;
    const [found] = await tx
      .select()
      .from(vehicles)
      .where(
        and(
          eq(vehicles.communityId, communityId),
          eq(vehicles.plate, v.plate),
          eq(vehicles.plateColour, v.plateColour),
        ),
      );
    if (!found) {
      const row = await createVehicle(inner, scope, communityId, { ...body, compound: compound?.name }, actor);
      return { id: row.id, result: 'created', version: row.version };
    }
    let ownerId: string | undefined;
    if (v.ownerIdNumber) {
      ownerId = (await personByIdNumber(tx, d.crypto, communityId, v.ownerIdNumber))?.id;
      if (!ownerId)
        throw invalid({ ownerIdNumber: ['车主未登记，请先登记人员 / the owner is not a registered person'] });
    }
    const patch = present(v, VEHICLE_EDITABLE);
    // A resident vehicle has no parking duration: turning a temporary one resident clears it.
    if (v.kind === 'resident') patch.parkingMinutes = null;
    const r = await updateVehicle(inner, scope, found.id, found.version, patch, actor);
    const incoming: Record<string, unknown> = {};
    if (ownerId && ownerId !== found.ownerPersonId) incoming.ownerPersonId = ownerId;
    if (compound && compound.id !== found.compoundId) incoming.compoundId = compound.id;
    const proposed = Object.keys(incoming).length
      ? await recordProposals(tx, d, communityId, actor.subject, actor.subject, [
          { entity: 'vehicle', targetId: found.id, targetVersion: r.version, sourceRow: 1, incoming },
        ])
      : 0;
    return { id: found.id, result: outcome(found.version, r.version), version: r.version, proposed };
  });
}

/** A public space by its name: registered, or its use type, location, building code, area and ownership updated. */
export async function upsertSpace(d: BaseDeps, communityId: string, raw: unknown, actor: Actor): Promise<UpsertResult> {
  const checked = checkNamed('space', bodyRecord(raw));
  if (!checked.ok) throw invalid(checked.fieldErrors);
  const s = checked.value;
  const scope = apiClientScope(communityId);
  return withScope(d.db, scope, async (tx) => {
    const inner = { db: tx, crypto: d.crypto };
    const [found] = await tx
      .select({ id: spaces.id, version: spaces.version })
      .from(spaces)
      .where(and(eq(spaces.communityId, communityId), eq(spaces.name, s.name as string)));
    if (!found) {
      const row = await createNamed(inner, scope, 'space', communityId, s, actor);
      return { id: row.id, result: 'created', version: row.version };
    }
    const patch = present(s, editableOf(baseSchemas.space));
    const r = await updateNamed(inner, scope, 'space', found.id, found.version, patch, actor);
    return { id: found.id, result: outcome(found.version, r.version), version: r.version };
  });
}

/** Vehicles of the community in plate order (scope `vehicles.read`): owners by name only, no ID number or phone. */
export async function openVehicles(
  d: BaseDeps,
  communityId: string,
  q: { plate?: string; kind?: 'resident' | 'temporary'; cursor?: string; limit?: number },
) {
  return listVehicles(d, apiClientScope(communityId), {
    communityId,
    plate: q.plate,
    kind: q.kind,
    after: q.cursor,
    limit: q.limit,
  });
}

/** Public spaces of the community in name order (scope `spaces.read`); every field of a space is L1. */
export async function openSpaces(
  d: BaseDeps,
  communityId: string,
  q: { name?: string; useType?: string; cursor?: string; limit?: number },
) {
  return listNamed(d, apiClientScope(communityId), 'space', {
    communityId,
    name: q.name,
    type: q.useType,
    after: q.cursor,
    limit: q.limit,
  });
}
