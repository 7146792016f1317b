import { randomUUID } from 'node:crypto';
import { AppError, appendAudit } from '@shequ/core';
import { type Database, type Executor, pluginRecords, withScope } from '@shequ/db';
import { type CollectionSpec, compileAuthorSchema, fieldErrors } from '@shequ/schemas';
import { and, count, eq, type SQL, sql } from 'drizzle-orm';
import { type CollectionQuery, collectionQuery, runQuery, type StoredRecord, systemFields } from './query.ts';

/** Where records live: PostgreSQL for the platform, memory for the SDK's fake host. Data is already validated. */
export interface RecordStore {
  find(collection: string, q: CollectionQuery): Promise<{ items: StoredRecord[]; total: number }>;
  get(collection: string, id: string): Promise<StoredRecord | null>;
  insert(collection: string, data: Record<string, unknown>, writtenBy: string, actor?: string): Promise<StoredRecord>;
  update(
    collection: string,
    id: string,
    data: Record<string, unknown>,
    writtenBy: string,
    actor?: string,
  ): Promise<StoredRecord | null>;
  delete(collection: string, id: string, actor?: string): Promise<boolean>;
}

const invalid = (message: string, fields?: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', {
    zh: `数据不符合要求：${message}`,
    en: `Invalid data: ${message}`,
    fieldErrors: fields,
  });

const validators = new WeakMap<CollectionSpec, ReturnType<typeof compileAuthorSchema>>();

function validatorOf(spec: CollectionSpec) {
  let v = validators.get(spec);
  if (!v) {
    v = compileAuthorSchema(spec.schema);
    validators.set(spec, v);
  }
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The collection operations of the bridge: checks the collection is declared, the query names declared fields and
 * every write matches the collection's schema, then calls the store. The same code serves the platform and the
 * SDK's fake host, so a plugin's tests see the rules it will meet in production.
 */
export class Collections {
  readonly #specs: Record<string, CollectionSpec>;
  readonly #store: RecordStore;
  readonly #version: string;

  constructor(specs: Record<string, CollectionSpec> | undefined, store: RecordStore, version: string) {
    this.#specs = specs ?? {};
    this.#store = store;
    this.#version = version;
  }

  #spec(name: unknown): [string, CollectionSpec] {
    if (typeof name !== 'string' || !Object.hasOwn(this.#specs, name)) {
      throw new AppError('NOT_FOUND', {
        zh: `应用没有声明数据集“${String(name)}”`,
        en: `The app declares no collection "${String(name)}"`,
      });
    }
    return [name, this.#specs[name]];
  }

  #query(spec: CollectionSpec, raw: unknown): CollectionQuery {
    const parsed = collectionQuery.safeParse(raw ?? {});
    if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
    const known = new Set<string>([...systemFields, ...Object.keys(spec.schema.properties ?? {})]);
    const named = [...Object.keys(parsed.data.where ?? {}), ...(parsed.data.orderBy ?? []).map((o) => o.field)];
    for (const f of named) if (!known.has(f)) throw invalid(`"${f}" is not a field of the collection`);
    return parsed.data;
  }

  #check(spec: CollectionSpec, data: unknown): Record<string, unknown> {
    if (!isObject(data)) throw invalid('a record must be an object');
    for (const f of systemFields) if (f in data) throw invalid(`"${f}" is set by the platform`);
    const v = validatorOf(spec);
    if (!v(data)) throw invalid('the record does not match the collection schema', fieldErrors(v.errors));
    return data;
  }

  async call(op: string, args: Record<string, unknown>, actor?: string): Promise<unknown> {
    const [name, spec] = this.#spec(args.collection);
    switch (op) {
      case 'collections.find':
        return this.#store.find(name, this.#query(spec, args.query));
      case 'collections.count':
        return (await this.#store.find(name, { ...this.#query(spec, args.query), limit: 1, offset: 0 })).total;
      case 'collections.get':
        return typeof args.id === 'string' ? this.#store.get(name, args.id) : null;
      case 'collections.insert':
        return this.#store.insert(name, this.#check(spec, args.record), this.#version, actor);
      case 'collections.update': {
        if (typeof args.id !== 'string') throw invalid('an id is required');
        if (!isObject(args.patch)) throw invalid('the patch must be an object');
        const current = await this.#store.get(name, args.id);
        if (!current) return null;
        const { id: _i, createdAt: _c, updatedAt: _u, ...data } = current;
        const next = { ...data, ...args.patch };
        for (const [k, v] of Object.entries(args.patch)) if (v === null) delete next[k];
        return this.#store.update(name, args.id, this.#check(spec, next), this.#version, actor);
      }
      case 'collections.delete':
        return { deleted: typeof args.id === 'string' ? await this.#store.delete(name, args.id, actor) : false };
      default:
        throw invalid(`unknown operation ${op}`);
    }
  }
}

/** Records in memory, for the SDK's fake host and unit tests. */
export class MemoryRecordStore implements RecordStore {
  readonly data = new Map<string, StoredRecord[]>();
  #list(c: string) {
    const l = this.data.get(c) ?? [];
    this.data.set(c, l);
    return l;
  }
  async find(c: string, q: CollectionQuery) {
    return runQuery(this.#list(c), q);
  }
  async get(c: string, id: string) {
    return this.#list(c).find((r) => r.id === id) ?? null;
  }
  async insert(c: string, data: Record<string, unknown>) {
    const now = new Date().toISOString();
    const r: StoredRecord = { ...structuredClone(data), id: randomUUID(), createdAt: now, updatedAt: now };
    this.#list(c).push(r);
    return r;
  }
  async update(c: string, id: string, data: Record<string, unknown>) {
    const list = this.#list(c);
    const i = list.findIndex((r) => r.id === id);
    if (i < 0) return null;
    list[i] = { ...structuredClone(data), id, createdAt: list[i].createdAt, updatedAt: new Date().toISOString() };
    return list[i];
  }
  async delete(c: string, id: string) {
    const list = this.#list(c);
    const i = list.findIndex((r) => r.id === id);
    if (i >= 0) list.splice(i, 1);
    return i >= 0;
  }
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
const columnOf = { createdAt: pluginRecords.createdAt, updatedAt: pluginRecords.updatedAt } as const;

function fieldCondition(field: string, cond: unknown): SQL[] {
  const out: SQL[] = [];
  if (field === 'id') {
    const ids = (
      cond !== null && typeof cond === 'object'
        ? ((cond as { in?: unknown[]; eq?: unknown }).in ?? [(cond as { eq?: unknown }).eq])
        : [cond]
    ).filter((v): v is string => typeof v === 'string' && uuidRe.test(v));
    out.push(
      ids.length
        ? sql`${pluginRecords.id} in (${sql.join(
            ids.map((i) => sql`${i}::uuid`),
            sql`, `,
          )})`
        : sql`false`,
    );
    return out;
  }
  if (field === 'createdAt' || field === 'updatedAt') {
    const col = columnOf[field];
    const c = (cond ?? {}) as Record<string, string>;
    const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
    for (const [k, op] of Object.entries(ops))
      if (c[k] !== undefined) out.push(sql`${col} ${sql.raw(op)} ${c[k]}::timestamptz`);
    return out;
  }
  const value = sql`coalesce(${pluginRecords.data} -> ${field}, 'null'::jsonb)`;
  if (cond === null || typeof cond !== 'object') {
    out.push(cond === null ? sql`${value} = 'null'::jsonb` : sql`${pluginRecords.data} @> ${json({ [field]: cond })}`);
    return out;
  }
  const c = cond as Record<string, unknown>;
  if (c.eq !== undefined) out.push(sql`${value} = ${json(c.eq)}`);
  if (c.ne !== undefined) out.push(sql`${value} <> ${json(c.ne)}`);
  if (c.in !== undefined) {
    const list = c.in as unknown[];
    out.push(list.length ? sql`${value} in (${sql.join(list.map(json), sql`, `)})` : sql`false`);
  }
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const [k, op] of Object.entries(ops)) {
    if (c[k] === undefined) continue;
    const type = typeof c[k] === 'number' ? 'number' : 'string';
    out.push(sql`jsonb_typeof(${value}) = ${type} and ${value} ${sql.raw(op)} ${json(c[k])}`);
  }
  if (typeof c.contains === 'string') {
    const pattern = `%${c.contains.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    out.push(sql`jsonb_typeof(${value}) = 'string' and (${pluginRecords.data} ->> ${field}) ilike ${pattern}`);
  }
  return out;
}

type RecordRow = typeof pluginRecords.$inferSelect;
const toStored = (r: RecordRow): StoredRecord => ({
  ...r.data,
  id: r.id,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Records of one plugin in one community, in PostgreSQL under row-level security; writes are audited. */
export class SqlRecordStore implements RecordStore {
  readonly #db: Database['db'];
  readonly #community: string;
  readonly #plugin: string;

  constructor(db: Database['db'], communityId: string, pluginId: string) {
    this.#db = db;
    this.#community = communityId;
    this.#plugin = pluginId;
  }

  #scoped<T>(fn: (tx: Executor) => Promise<T>) {
    return withScope(this.#db, { kind: 'communities', ids: [this.#community] }, fn);
  }

  #base(collection: string) {
    return [
      eq(pluginRecords.communityId, this.#community),
      eq(pluginRecords.pluginId, this.#plugin),
      eq(pluginRecords.collection, collection),
    ];
  }

  #audit(tx: Executor, action: string, collection: string, id: string, actor?: string) {
    return appendAudit(tx, {
      subject: actor ?? `plugin:${this.#plugin}`,
      action: `plugin.records.${action}`,
      objectType: `plugin:${this.#plugin}:${collection}`,
      objectId: id,
      communityId: this.#community,
      result: 'success',
      detail: { plugin: this.#plugin },
    });
  }

  async find(collection: string, q: CollectionQuery) {
    const where = and(
      ...this.#base(collection),
      ...Object.entries(q.where ?? {}).flatMap(([f, c]) => fieldCondition(f, c)),
    );
    const order = (q.orderBy?.length ? q.orderBy : [{ field: 'createdAt', dir: 'desc' as const }]).map((o) => {
      const expr =
        o.field === 'createdAt' || o.field === 'updatedAt'
          ? sql`${columnOf[o.field]}`
          : o.field === 'id'
            ? sql`${pluginRecords.id}::text`
            : sql`coalesce(${pluginRecords.data} -> ${o.field}, 'null'::jsonb)`;
      return o.dir === 'desc' ? sql`${expr} desc` : sql`${expr} asc`;
    });
    return this.#scoped(async (tx) => {
      const rows = await tx
        .select()
        .from(pluginRecords)
        .where(where)
        .orderBy(...order, sql`${pluginRecords.id}::text asc`)
        .limit(q.limit)
        .offset(q.offset);
      const [{ n }] = await tx.select({ n: count() }).from(pluginRecords).where(where);
      return { items: rows.map(toStored), total: Number(n) };
    });
  }

  async get(collection: string, id: string) {
    if (!uuidRe.test(id)) return null;
    return this.#scoped(async (tx) => {
      const [r] = await tx
        .select()
        .from(pluginRecords)
        .where(and(...this.#base(collection), eq(pluginRecords.id, id)));
      return r ? toStored(r) : null;
    });
  }

  async insert(collection: string, data: Record<string, unknown>, writtenBy: string, actor?: string) {
    return this.#scoped(async (tx) => {
      const [r] = await tx
        .insert(pluginRecords)
        .values({
          communityId: this.#community,
          pluginId: this.#plugin,
          collection,
          data,
          writtenBy,
          createdBy: actor ?? null,
        })
        .returning();
      await this.#audit(tx, 'insert', collection, r.id, actor);
      return toStored(r);
    });
  }

  async update(collection: string, id: string, data: Record<string, unknown>, writtenBy: string, actor?: string) {
    if (!uuidRe.test(id)) return null;
    return this.#scoped(async (tx) => {
      const [r] = await tx
        .update(pluginRecords)
        .set({ data, writtenBy, updatedAt: new Date(), revision: sql`${pluginRecords.revision} + 1` })
        .where(and(...this.#base(collection), eq(pluginRecords.id, id)))
        .returning();
      if (r) await this.#audit(tx, 'update', collection, id, actor);
      return r ? toStored(r) : null;
    });
  }

  async delete(collection: string, id: string, actor?: string) {
    if (!uuidRe.test(id)) return false;
    return this.#scoped(async (tx) => {
      const rows = await tx
        .delete(pluginRecords)
        .where(and(...this.#base(collection), eq(pluginRecords.id, id)))
        .returning({ id: pluginRecords.id });
      if (rows.length) await this.#audit(tx, 'delete', collection, id, actor);
      return rows.length > 0;
    });
  }
}
