import { changes, type DataScope, facilities, spaces, withScope } from '@shequ/db';
import { baseSchemas, editableOf, fieldErrors, type JsonSchema, validatorFor } from '@shequ/schemas';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { assertMayEnter } from './data-entry.ts';
import { assertVersion, checkFieldPatch, isUniqueViolation, recordEdit } from './people-repo.ts';
import type { BaseDeps } from './people-service.ts';
import type { Checked } from './person-record.ts';

/**
 * Records a community names (DB33 7.2.3.5 public spaces, 7.2.3.6 facilities): identified by their name within the
 * community, all fields L1, checked against their exchange schema. The console enters one at a time here; the import
 * enters many (import/kinds/named-records.ts) under the same schema.
 */
export type NamedKind = 'space' | 'facility';

// Both tables share id, community, name, the location columns and the audit columns; the type column differs.
type Table = typeof spaces;
const kinds = {
  space: {
    table: spaces as Table,
    schema: baseSchemas.space,
    typeColumn: spaces.useType,
    zh: '公共空间',
    en: 'public space',
  },
  facility: {
    table: facilities as unknown as Table,
    schema: baseSchemas.facility,
    typeColumn: facilities.type,
    zh: '设施',
    en: 'facility',
  },
} as const;

/** The fields of each kind an operator may change (`x-editable`); the name is the record's identity. */
export const NAMED_EDITABLE: Record<NamedKind, readonly string[]> = {
  space: editableOf(baseSchemas.space),
  facility: editableOf(baseSchemas.facility),
};

export interface NamedQuery {
  communityId: string;
  /** The start of the name. */
  name?: string;
  /** Use type (spaces) or facility type. */
  type?: string;
  /** Facilities only: normal, fault, maintenance, retired. */
  status?: string;
  after?: string;
  limit?: number;
}

const fieldsOf = (schema: JsonSchema) => Object.keys(schema.properties ?? {});

/** The record's schema fields as stored (nulls left out), plus id, version and time. */
function view(kind: NamedKind, r: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(kinds[kind].schema)) if (r[f] != null) out[f] = r[f];
  return {
    id: r.id as string,
    name: r.name as string,
    version: r.version as number,
    updatedAt: (r.updatedAt as Date).toISOString(),
    fields: out,
  };
}

/** Trimmed strings, blanks and nulls dropped, then the exchange schema: what the console and an import row share. */
export function checkNamed(kind: NamedKind, raw: Record<string, unknown>): Checked<Record<string, unknown>> {
  const value: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const x = typeof v === 'string' ? v.trim() : v;
    if (x !== null && x !== undefined && x !== '') value[k] = x;
  }
  const validate = validatorFor(kinds[kind].schema);
  if (!validate(value)) return { ok: false, fieldErrors: fieldErrors(validate.errors) };
  return { ok: true, value };
}

const notFound = (kind: NamedKind) =>
  new AppError('NOT_FOUND', { zh: `${kinds[kind].zh}不存在`, en: `No such ${kinds[kind].en}` });
const invalid = (fieldErrors: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', {
    zh: '信息有误，请检查标出的字段',
    en: 'Please correct the marked fields',
    fieldErrors,
  });

/** A page of a community's spaces or facilities in name order, by name prefix, type and (facilities) status. */
export async function listNamed(d: BaseDeps, scope: DataScope, kind: NamedKind, q: NamedQuery) {
  const { table, typeColumn } = kinds[kind];
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  return withScope(d.db, scope, async (tx) => {
    const conds: SQL[] = [eq(table.communityId, q.communityId)];
    const prefix = q.name?.trim();
    // starts_with, not LIKE: a name may hold % or _.
    if (prefix) conds.push(sql`starts_with(${table.name}, ${prefix})`);
    if (q.type) conds.push(eq(typeColumn, q.type));
    if (q.status && kind === 'facility') conds.push(eq(facilities.status, q.status));
    if (q.after) {
      const k = decodeCursor(q.after, 2);
      conds.push(sql`(${table.name}, ${table.id}) > (${k[0]}, ${k[1]}::uuid)`);
    }
    const rows = await tx
      .select()
      .from(table)
      .where(and(...conds))
      .orderBy(asc(table.name), asc(table.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor([last.name, last.id]) : null;
    return { items: page.map((r) => view(kind, r as Record<string, unknown>)), nextCursor };
  });
}

/** One space or facility with its change history (fields named, as for every base record). */
export async function getNamed(d: BaseDeps, scope: DataScope, kind: NamedKind, id: string) {
  const { table } = kinds[kind];
  return withScope(d.db, scope, async (tx) => {
    const [r] = await tx.select().from(table).where(eq(table.id, id));
    if (!r) throw notFound(kind);
    const history = await tx
      .select()
      .from(changes)
      .where(and(eq(changes.entity, kind), eq(changes.entityId, id)))
      .orderBy(asc(changes.seq));
    return {
      ...view(kind, r as Record<string, unknown>),
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

const duplicateName = (kind: NamedKind) =>
  new AppError('INVALID_INPUT', {
    zh: `本社区已登记同名${kinds[kind].zh}`,
    en: `A ${kinds[kind].en} with this name is already registered in this community`,
    fieldErrors: { name: ['名称已被使用 / name already in use'] },
  });

/** Registers one space or facility from the console: checked like an import row, attributed, recorded, audited. */
export async function createNamed(
  d: BaseDeps,
  scope: DataScope,
  kind: NamedKind,
  communityId: string,
  raw: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L1');
  const checked = checkNamed(kind, raw);
  if (!checked.ok) throw invalid(checked.fieldErrors);
  const { table } = kinds[kind];
  try {
    return await withScope(d.db, scope, async (tx) => {
      const [row] = await tx
        .insert(table)
        .values({
          ...(checked.value as Partial<Table['$inferInsert']>),
          communityId,
          createdBy: actor.subject,
          updatedBy: actor.subject,
        } as Table['$inferInsert'])
        .returning({ id: table.id, version: table.version });
      await recordEdit(tx, actor, {
        action: 'create',
        communityId,
        entity: kind,
        id: row.id,
        version: row.version,
        fields: Object.keys(checked.value).sort(),
        detail: { name: checked.value.name },
      });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicateName(kind);
    throw err;
  }
}

/** Changes a space's or facility's attributes (not its name); the version must be the one the operator saw. */
export async function updateNamed(
  d: BaseDeps,
  scope: DataScope,
  kind: NamedKind,
  id: string,
  expectedVersion: number,
  patch: Record<string, unknown>,
  actor: Actor,
) {
  await assertMayEnter(d.db, actor, 'L1');
  const { table, schema } = kinds[kind];
  const editable = NAMED_EDITABLE[kind];
  return withScope(d.db, scope, async (tx) => {
    const [r] = await tx.select().from(table).where(eq(table.id, id)).for('update');
    if (!r) throw notFound(kind);
    assertVersion(r.version, expectedVersion);
    const row = r as Record<string, unknown>;
    const titles = editable.map((f) => schema.properties?.[f]?.title ?? f);
    const { after, fields } = checkFieldPatch({
      editable,
      identity: { name: r.name },
      before: Object.fromEntries(editable.map((f) => [f, row[f] ?? undefined])),
      patch,
      check: (merged) => checkNamed(kind, merged),
      only: { zh: `只能修改${titles.join('、')}`, en: `Only ${editable.join(', ')} can change` },
      invalid: { zh: '信息有误，请检查标出的字段', en: 'Please correct the marked fields' },
    });
    if (fields.length === 0) return { id, version: r.version };
    const version = r.version + 1;
    await tx
      .update(table)
      .set({
        ...(Object.fromEntries(editable.map((f) => [f, after[f] ?? null])) as Partial<Table['$inferInsert']>),
        version,
        updatedAt: new Date(),
        updatedBy: actor.subject,
      })
      .where(and(eq(table.id, id), eq(table.version, expectedVersion)));
    await recordEdit(tx, actor, {
      communityId: r.communityId,
      entity: kind,
      id,
      version,
      fields,
      detail: { name: r.name },
    });
    return { id, version };
  });
}
