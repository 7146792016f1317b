import { enqueue } from '@shequ/bus';
import { changes, type DataScope, type Executor, people, withScope } from '@shequ/db';
import { and, asc, count, eq, type SQL, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { assertMayEnter } from './data-entry.ts';
import {
  assertVersion,
  changedFields,
  isUniqueViolation,
  type PersonRow,
  personColumns,
  personPlain,
  recordChange,
  recordEdit,
} from './people-repo.ts';
import { type Checked, checkPerson, type PersonRecord } from './person-record.ts';

export type { Checked };

export interface BaseDeps {
  db: Executor;
  crypto: FieldCrypto;
}

/** The columns a masked person is made of: lists read only these (no cipher text, no index columns). */
const maskedColumns = {
  id: people.id,
  communityId: people.communityId,
  name: people.name,
  idType: people.idType,
  idNumberMasked: people.idNumberMasked,
  gender: people.gender,
  birthDate: people.birthDate,
  phoneMasked: people.phoneMasked,
  category: people.category,
  occupation: people.occupation,
  keyCareTags: people.keyCareTags,
  tags: people.tags,
  version: people.version,
  updatedAt: people.updatedAt,
};
type MaskedSource = Pick<PersonRow, keyof typeof maskedColumns>;

/** What lists and details show by default: L3+ fields masked, nothing decrypted. */
export function maskedPerson(r: MaskedSource) {
  return {
    id: r.id,
    communityId: r.communityId,
    name: r.name,
    idType: r.idType,
    idNumber: r.idNumberMasked,
    gender: r.gender,
    birthYear: r.birthDate ? r.birthDate.slice(0, 4) : null,
    phone: r.phoneMasked,
    category: r.category,
    occupation: r.occupation,
    keyCareTags: r.keyCareTags,
    tags: r.tags,
    version: r.version,
    updatedAt: r.updatedAt.toISOString(),
  };
}
export type MaskedPerson = ReturnType<typeof maskedPerson>;

const invalid = (fieldErrors: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', {
    zh: '人员信息有误，请检查标出的字段',
    en: 'Please correct the marked fields',
    fieldErrors,
  });

const duplicateId = () =>
  new AppError('CONFLICT', {
    zh: '该证件号码已在本社区登记',
    en: 'This ID number is already registered in this community',
  });

export async function createPerson(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  raw: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L4');
  const checked = checkPerson(raw);
  if (!checked.ok) throw invalid(checked.fieldErrors);
  try {
    return await withScope(d.db, scope, async (tx) => {
      const [row] = await tx
        .insert(people)
        .values({
          communityId,
          ...personColumns(d.crypto, checked.value),
          createdBy: actor.subject,
          updatedBy: actor.subject,
        })
        .returning({ id: people.id, version: people.version });
      await recordChange(tx, {
        communityId,
        entity: 'person',
        entityId: row.id,
        version: 1,
        action: 'create',
        actor: actor.subject,
        fields: Object.keys(checked.value).sort(),
      });
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role,
        action: 'base.person.create',
        objectType: 'person',
        objectId: row.id,
        communityId,
        result: 'success',
        sourceIp: actor.ip,
        requestId: actor.requestId,
      });
      await enqueue(tx, { subject: 'shequ.base.person_created', communityId, data: { id: row.id } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateId();
    throw err;
  }
}

async function loadRow(tx: Executor, id: string): Promise<PersonRow> {
  const [row] = await tx.select().from(people).where(eq(people.id, id));
  if (!row) throw notFound('Person', '人员');
  return row;
}

/** Optimistic concurrency: the caller names the version it edited; a newer one in the database is a CONFLICT. */
export async function updatePerson(
  d: BaseDeps,
  scope: DataScope,
  id: string,
  expectedVersion: number,
  patch: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L4');
  try {
    return await withScope(d.db, scope, async (tx) => {
      const row = await loadRow(tx, id);
      assertVersion(row.version, expectedVersion);
      const before = personPlain(d.crypto, row);
      const checked = checkPerson({ ...before, ...patch } as unknown as Record<string, unknown>);
      if (!checked.ok) throw invalid(checked.fieldErrors);
      const fields = changedFields(before, checked.value);
      if (fields.length === 0) return { id, version: row.version };
      const version = row.version + 1;
      await tx
        .update(people)
        .set({ ...personColumns(d.crypto, checked.value), version, updatedAt: new Date(), updatedBy: actor.subject })
        .where(and(eq(people.id, id), eq(people.version, expectedVersion)));
      await recordEdit(tx, actor, { communityId: row.communityId, entity: 'person', id, version, fields });
      return { id, version };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateId();
    throw err;
  }
}

export async function getPerson(d: BaseDeps, scope: DataScope, id: string) {
  return withScope(d.db, scope, async (tx) => {
    const row = await loadRow(tx, id);
    const history = await tx
      .select()
      .from(changes)
      .where(and(eq(changes.entity, 'person'), eq(changes.entityId, id)))
      .orderBy(asc(changes.seq));
    return {
      ...maskedPerson(row),
      history: history.map((h) => ({
        version: h.version,
        action: h.action,
        actor: h.actor,
        at: h.at.toISOString(),
        fields: (h.diff as { fields: string[] }).fields,
      })),
    };
  });
}

export const revealableFields = ['idNumber', 'phone', 'healthStatus', 'birthDate'] as const;
export type RevealableField = (typeof revealableFields)[number];

/** Shows L3+ values in full. A reason is required and the read is audited with it, in the same transaction. */
export async function revealPerson(
  d: BaseDeps,
  scope: DataScope,
  id: string,
  fields: RevealableField[],
  reason: string,
  actor: Actor,
) {
  if (reason.trim().length < 4) {
    throw new AppError('INVALID_INPUT', {
      zh: '请填写查看原因（至少 4 个字）',
      en: 'Give a reason (at least 4 characters)',
      fieldErrors: { reason: ['请填写查看原因 / reason required'] },
    });
  }
  return withScope(d.db, scope, async (tx) => {
    const row = await loadRow(tx, id);
    const plain = personPlain(d.crypto, row);
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.person.reveal',
      objectType: 'person',
      objectId: id,
      communityId: row.communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { fields, reason: reason.trim() },
    });
    const out: Partial<Record<RevealableField, string | null>> = {};
    for (const f of fields) out[f] = (plain[f as keyof PersonRecord] as string | undefined) ?? null;
    return out;
  });
}

/** Names in byte order: what the (community, name collate "C", id) index serves for prefixes and keyset pages. */
const nameC = sql`${people.name} collate "C"`;

export interface PeopleQuery {
  communityId?: string;
  namePrefix?: string;
  idNumber?: string;
  phone?: string;
  tag?: string;
  after?: string;
  limit?: number;
}

/** Search by name prefix, exact ID number or phone (blind index), tag; keyset pagination on (name, id). */
export async function searchPeople(d: BaseDeps, scope: DataScope, q: PeopleQuery) {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  const conds: SQL[] = [];
  if (q.communityId) conds.push(eq(people.communityId, q.communityId));
  if (q.namePrefix) {
    // A range in byte order instead of LIKE: text comparison is leakproof, so under row-level security it can
    // still be an index condition (LIKE cannot). The upper bound is the prefix with its last code point + 1.
    const chars = [...q.namePrefix];
    const upper = chars.slice(0, -1).join('') + String.fromCodePoint(chars[chars.length - 1].codePointAt(0)! + 1);
    conds.push(sql`${nameC} >= ${q.namePrefix} collate "C"`, sql`${nameC} < ${upper} collate "C"`);
  }
  if (q.idNumber)
    conds.push(eq(people.idNumberIndex, d.crypto.blindIndex('id_number', q.idNumber.trim().toUpperCase())));
  if (q.phone) conds.push(eq(people.phoneIndex, d.crypto.blindIndex('phone', q.phone.trim())));
  if (q.tag) conds.push(sql`${q.tag} = any(${people.tags})`);
  if (q.after) {
    const [name, id] = decodeCursor(q.after, 2);
    conds.push(sql`(${nameC}, ${people.id}) > (${name} collate "C", ${id}::uuid)`);
  }
  return withScope(d.db, scope, async (tx) => {
    const rows = await tx
      .select(maskedColumns)
      .from(people)
      .where(and(...conds))
      .orderBy(asc(nameC), asc(people.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor([last.name, last.id]) : null;
    return { items: page.map(maskedPerson), nextCursor };
  });
}

export async function countPeople(d: BaseDeps, scope: DataScope, communityId: string): Promise<number> {
  return withScope(d.db, scope, async (tx) => {
    const [r] = await tx.select({ n: count() }).from(people).where(eq(people.communityId, communityId));
    return Number(r.n);
  });
}
