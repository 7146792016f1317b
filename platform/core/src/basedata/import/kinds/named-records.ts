import { facilities, spaces } from '@shequ/db';
import { baseSchemas, fieldErrors, type JsonSchema, validatorFor } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import { bilingual, insertWithHistory, type KindContext, type KindPlanner, type PlannerFactory } from '../kind.ts';

type Table = typeof spaces | typeof facilities;

/** Numbers arrive as text from spreadsheets; the schema says which fields are numbers. */
function coerce(schema: JsonSchema, obj: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const type = schema.properties?.[k]?.type;
    out[k] = (type === 'number' || type === 'integer') && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

/**
 * Records identified by their name within the community (public spaces, facilities): checked against their
 * exchange schema; a row equal to the stored record is unchanged, a different one with the same name is an error.
 */
function namedRecords(schema: JsonSchema, table: Table, entity: string): PlannerFactory {
  return async (ctx: KindContext): Promise<KindPlanner> => {
    const { req } = ctx;
    const validate = validatorFor(schema);
    const fields = Object.keys(schema.properties ?? {});
    const seen = new Map<string, number>();
    const planned: Array<{ row: number; value: Record<string, unknown> }> = [];
    let fresh: typeof planned = [];
    const same = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      fields.every((f) => String(a[f] ?? '') === String(b[f] ?? ''));
    return {
      row(row, obj) {
        const value = coerce(schema, obj);
        delete value.compound;
        if (!validate(value)) {
          for (const [f, msgs] of Object.entries(fieldErrors(validate.errors))) ctx.add(row, f, bilingual(msgs));
          return;
        }
        const name = String(value.name);
        const first = seen.get(name);
        if (first !== undefined) return ctx.add(row, 'name', `与第 ${first} 行名称重复 / same name as row ${first}`);
        seen.set(name, row);
        planned.push({ row, value });
      },
      async reconcile() {
        const stored = await ctx.tx.select().from(table).where(eq(table.communityId, req.communityId));
        const byName = new Map(stored.map((s) => [s.name, s as unknown as Record<string, unknown>]));
        fresh = [];
        let unchanged = 0;
        for (const p of planned) {
          const s = byName.get(String(p.value.name));
          if (!s) fresh.push(p);
          else if (same(s, p.value)) unchanged++;
          else ctx.add(p.row, 'name', '同名记录已登记且信息不一致，请在控制台核对 / registered with different data');
        }
        return unchanged;
      },
      write: () =>
        insertWithHistory(
          ctx,
          table,
          entity,
          fresh.map(
            (p) =>
              ({
                ...p.value,
                communityId: req.communityId,
                createdBy: req.actor.subject,
                updatedBy: req.actor.subject,
              }) as Table['$inferInsert'],
          ),
        ),
    };
  };
}

export const spacesPlanner = namedRecords(baseSchemas.space, spaces, 'space');
export const facilitiesPlanner = namedRecords(baseSchemas.facility, facilities, 'facility');
