import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/** Fields every record has besides its data; a collection schema may not define them. */
export const systemFields = ['id', 'createdAt', 'updatedAt'] as const;

const scalar = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);
const fieldName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'a field name');

const condition = z.union([
  scalar,
  z
    .object({
      eq: scalar.optional(),
      ne: scalar.optional(),
      in: z.array(scalar).max(100).optional(),
      gt: z.union([z.string(), z.number()]).optional(),
      gte: z.union([z.string(), z.number()]).optional(),
      lt: z.union([z.string(), z.number()]).optional(),
      lte: z.union([z.string(), z.number()]).optional(),
      contains: z.string().min(1).max(200).optional(),
    })
    .strict(),
]);

/** What `ctx.collections.<name>.find()` accepts: equality and range filters, ordering and a page. */
export const collectionQuery = z
  .object({
    where: z.record(fieldName, condition).optional(),
    orderBy: z
      .array(z.object({ field: fieldName, dir: z.enum(['asc', 'desc']).default('asc') }).strict())
      .max(3)
      .optional(),
    limit: z.number().int().min(1).max(200).default(50),
    offset: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export type CollectionQuery = z.infer<typeof collectionQuery>;
export type Condition = z.infer<typeof condition>;

/** A record as plugins see it: the system fields, then the data. */
export interface StoredRecord {
  id: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

const typeRank = (v: unknown) =>
  v === null || v === undefined
    ? 0
    : typeof v === 'string'
      ? 1
      : typeof v === 'number'
        ? 2
        : typeof v === 'boolean'
          ? 3
          : 4;

/** Orders JSON values the way PostgreSQL orders jsonb scalars of one type; mixed types order by type. */
export function compareJson(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

const sameType = (a: unknown, b: unknown) => typeRank(a) === typeRank(b);

/** Whether a record matches one condition; the SQL store implements the same rules with jsonb operators. */
export function matches(value: unknown, cond: Condition): boolean {
  if (cond === null || typeof cond !== 'object') return isDeepStrictEqual(value ?? null, cond);
  const c = cond as Exclude<Condition, string | number | boolean | null>;
  if (c.eq !== undefined && !isDeepStrictEqual(value ?? null, c.eq)) return false;
  if (c.ne !== undefined && isDeepStrictEqual(value ?? null, c.ne)) return false;
  if (c.in !== undefined && !c.in.some((x) => isDeepStrictEqual(value ?? null, x))) return false;
  if (c.gt !== undefined && !(sameType(value, c.gt) && compareJson(value, c.gt) > 0)) return false;
  if (c.gte !== undefined && !(sameType(value, c.gte) && compareJson(value, c.gte) >= 0)) return false;
  if (c.lt !== undefined && !(sameType(value, c.lt) && compareJson(value, c.lt) < 0)) return false;
  if (c.lte !== undefined && !(sameType(value, c.lte) && compareJson(value, c.lte) <= 0)) return false;
  if (
    c.contains !== undefined &&
    !(typeof value === 'string' && value.toLowerCase().includes(c.contains.toLowerCase()))
  )
    return false;
  return true;
}

/** Filters, orders and pages records in memory (the SDK's fake host uses this). */
export function runQuery(records: StoredRecord[], q: CollectionQuery): { items: StoredRecord[]; total: number } {
  const hits = records.filter((r) => Object.entries(q.where ?? {}).every(([f, c]) => matches(r[f], c)));
  const order = q.orderBy?.length ? q.orderBy : [{ field: 'createdAt', dir: 'desc' as const }];
  hits.sort((a, b) => {
    for (const o of order) {
      const d = compareJson(a[o.field], b[o.field]);
      if (d !== 0) return o.dir === 'desc' ? -d : d;
    }
    return compareJson(a.id, b.id);
  });
  return { items: hits.slice(q.offset, q.offset + q.limit), total: hits.length };
}
