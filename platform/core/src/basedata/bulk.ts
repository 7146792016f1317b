import { randomUUID } from 'node:crypto';
import { type Executor, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';
import type { personColumns } from './people-repo.ts';

type PersonColumns = ReturnType<typeof personColumns>;

/**
 * Bulk paths for imports: one JSON parameter expanded by jsonb_to_recordset, so a chunk is one statement and one
 * round trip on both drivers (drizzle's multi-row VALUES spends more time building SQL than the database inserting).
 */
export async function bulkInsertPeople(
  ex: Executor,
  communityId: string,
  actor: string,
  rows: PersonColumns[],
): Promise<string[]> {
  const withIds = rows.map((r) => ({ ...r, id: randomUUID() }));
  await ex.execute(sql`
    insert into base.people (id, community_id, name, id_type, id_number_cipher, id_number_index, id_number_masked, gender,
      birth_date, phone_cipher, phone_index, phone_masked, category, occupation, party_member, health_status_cipher,
      key_care_tags, tags, created_by, updated_by)
    select x."id", ${communityId}::uuid, x."name", x."idType", x."idNumberCipher", x."idNumberIndex", x."idNumberMasked",
      x."gender", x."birthDate", x."phoneCipher", x."phoneIndex", x."phoneMasked", x."category", x."occupation",
      x."partyMember", x."healthStatusCipher",
      array(select jsonb_array_elements_text(x."keyCareTags")), array(select jsonb_array_elements_text(x."tags")),
      ${actor}, ${actor}
    from jsonb_to_recordset(${JSON.stringify(withIds)}::jsonb) as x("id" uuid, "name" text, "idType" text,
      "idNumberCipher" text, "idNumberIndex" text, "idNumberMasked" text, "gender" text, "birthDate" date,
      "phoneCipher" text, "phoneIndex" text, "phoneMasked" text, "category" text, "occupation" text,
      "partyMember" boolean, "healthStatusCipher" text, "keyCareTags" jsonb, "tags" jsonb)`);
  return withIds.map((r) => r.id);
}

export async function bulkInsertOccupancies(
  ex: Executor,
  communityId: string,
  actor: string,
  rows: Array<{ personId: string; houseId: string; role: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await ex.execute(sql`
    insert into base.occupancies (community_id, person_id, house_id, role, created_by, updated_by)
    select ${communityId}::uuid, x."personId", x."houseId", x."role", ${actor}, ${actor}
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x("personId" uuid, "houseId" uuid, "role" text)`);
}

/** Open (validTo null) occupancies among the given people, as `person/house/role` keys. */
export async function openOccupancyKeys(ex: Executor, personIds: string[]): Promise<Set<string>> {
  if (personIds.length === 0) return new Set();
  const rows = await queryRows<{ k: string }>(
    ex,
    sql`select person_id || '/' || house_id || '/' || role as k from base.occupancies
        where valid_to is null and person_id = any(${`{${personIds.join(',')}}`}::uuid[])`,
  );
  return new Set(rows.map((r) => r.k));
}

export async function bulkRecordChanges(
  ex: Executor,
  communityId: string,
  entity: string,
  actor: string,
  ids: string[],
  action: string,
): Promise<void> {
  if (ids.length === 0) return;
  await ex.execute(sql`
    insert into base.changes (community_id, entity, entity_id, version, action, actor, diff)
    select ${communityId}::uuid, ${entity}, value::uuid, 1, ${action}, ${actor}, '{"fields":["imported"]}'::jsonb
    from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)`);
}
