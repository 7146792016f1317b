import { people } from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { bulkInsertOccupancies, bulkInsertPeople, bulkRecordChanges, openOccupancyKeys } from '../../bulk.ts';
import { houseKey, housesByKey } from '../../houses-service.ts';
import { changedFields, personColumns, personPlain } from '../../people-repo.ts';
import { checkPerson, type PersonRecord } from '../../person-record.ts';
import { bilingual, type PlannerFactory } from '../kind.ts';

interface PlannedPerson {
  row: number;
  person: PersonRecord;
  houseId: string;
  role: string;
  /** Set when the person is already stored with the same data. */
  existingId?: string;
}

const roles = ['owner', 'family', 'tenant', 'other'];

/** People rows also create their occupancy of the named house; a house that is not stored is a row error. */
export const peoplePlanner: PlannerFactory = async (ctx) => {
  const { d, req } = ctx;
  const houses = await housesByKey(ctx.tx, req.communityId);
  const seen = new Map<string, number>();
  const planned: PlannedPerson[] = [];
  return {
    row(row, obj, compoundId) {
      const { compound, building, unit, floor, room, role, ...rest } = obj;
      const checked = checkPerson({ ...rest, category: 'resident' });
      if (!checked.ok) for (const [f, msgs] of Object.entries(checked.fieldErrors)) ctx.add(row, f, bilingual(msgs));
      if (!roles.includes(role ?? ''))
        ctx.add(row, 'role', '与房屋关系应为 业主/家属/租户/其他 / role must be owner, family, tenant or other');
      const houseId =
        compoundId && building && unit && floor && room
          ? houses.get(houseKey({ building, unit, floor, room }, compoundId))
          : undefined;
      if (compoundId && !houseId)
        ctx.add(
          row,
          'room',
          `房屋 ${compound}${building}幢${unit}单元${floor}层${room} 不存在，请先导入房屋 / unknown house`,
        );
      if (!checked.ok) return;
      const key = d.crypto.blindIndex('id_number', checked.value.idNumber);
      const first = seen.get(key);
      if (first !== undefined)
        ctx.add(row, 'idNumber', `与第 ${first} 行证件号码重复 / same ID number as row ${first}`);
      else seen.set(key, row);
      if (houseId && role) planned.push({ row, person: checked.value, houseId, role });
    },
    // Identical rows are skipped; a row contradicting a stored person proposes a merge (an operator's call) and its
    // occupancy is still recorded against the stored person.
    async reconcile() {
      if (planned.length === 0) return 0;
      const byIndex = new Map(planned.map((p) => [d.crypto.blindIndex('id_number', p.person.idNumber), p]));
      const existing = await ctx.tx
        .select()
        .from(people)
        .where(
          and(
            eq(people.communityId, req.communityId),
            sql`${people.idNumberIndex} = any(${`{${[...byIndex.keys()].join(',')}}`}::text[])`,
          ),
        );
      let unchanged = 0;
      for (const e of existing) {
        const p = byIndex.get(e.idNumberIndex)!;
        const stored = personPlain(d.crypto, e);
        // Only the columns the template carries are compared; the rest stay as the console left them.
        const pick = (x: PersonRecord) =>
          ({ name: x.name, idType: x.idType, idNumber: x.idNumber, phone: x.phone }) as PersonRecord;
        const diff = changedFields(pick(stored), pick(p.person));
        p.existingId = e.id;
        if (diff.length) {
          const incoming = pick(p.person) as unknown as Record<string, unknown>;
          ctx.propose({
            entity: 'person',
            targetId: e.id,
            targetVersion: e.version,
            sourceRow: p.row,
            incoming: Object.fromEntries(diff.map((f) => [f, incoming[f] ?? null])),
          });
        } else unchanged++;
      }
      return unchanged;
    },
    async write() {
      const { tx } = ctx;
      let created = 0;
      for (let i = 0; i < planned.length; i += 2000) {
        const chunk = planned.slice(i, i + 2000);
        const fresh = chunk.filter((p) => !p.existingId);
        if (fresh.length) {
          const ids = await bulkInsertPeople(
            tx,
            req.communityId,
            req.actor.subject,
            fresh.map((p) => personColumns(d.crypto, p.person)),
          );
          fresh.forEach((p, j) => {
            p.existingId = ids[j];
          });
          await bulkRecordChanges(tx, req.communityId, 'person', req.actor.subject, ids, 'import');
          created += ids.length;
        }
        const have = await openOccupancyKeys(
          tx,
          chunk.filter((p) => !fresh.includes(p)).map((p) => p.existingId!),
        );
        const missing = chunk.filter((p) => !have.has(`${p.existingId}/${p.houseId}/${p.role}`));
        await bulkInsertOccupancies(
          tx,
          req.communityId,
          req.actor.subject,
          missing.map((p) => ({ personId: p.existingId!, houseId: p.houseId, role: p.role })),
        );
      }
      return created;
    },
  };
};
