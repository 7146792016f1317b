import type { Tx } from '@shequ/db';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Actor } from '../../identity/user-service.ts';
import { bulkRecordChanges } from '../bulk.ts';
import type { ProposalDraft } from '../merge-proposals.ts';
import type { BaseDeps } from '../people-service.ts';
import type { ImportKind } from './templates.ts';

export interface ImportRequest {
  kind: ImportKind;
  communityId: string;
  fileName: string;
  data: Buffer;
  dryRun: boolean;
  actor: Actor;
}

/** What every record type's planner gets: the transaction, the request, compounds by name and an error sink. */
export interface KindContext {
  tx: Tx;
  d: BaseDeps;
  req: ImportRequest;
  compounds: Map<string, string>;
  add(row: number, field: string, reason: string): void;
  /** A row naming a stored record with other data: proposes the change instead of writing it. */
  propose(draft: ProposalDraft): void;
}

/**
 * One record type's part of an import: validate rows, compare with what is stored, write. The import service
 * owns the file, the transaction, the report, the raw batch and the audit; planners own their record's rules.
 */
export interface KindPlanner {
  /** Checks one row (as template fields); `compoundId` is resolved when the row names a known compound. */
  row(row: number, obj: Record<string, string>, compoundId: string | undefined): void;
  /** Compares planned rows with stored records; returns how many are already stored unchanged. */
  reconcile(): Promise<number>;
  /** Writes what is new; returns how many records were created. */
  write(): Promise<number>;
}

export type PlannerFactory = (ctx: KindContext) => Promise<KindPlanner>;

/** Ajv's English enum message, in both languages for the report. */
export const bilingual = (msgs: string[]) =>
  msgs.join('; ').replace(/must be equal to one of the allowed values/, '取值不在允许范围内 / not an allowed value');

/**
 * Inserts new records in chunks and records an `import` entry in each one's change history: the write step the
 * record types without special bulk paths share.
 */
export async function insertWithHistory<T extends PgTable & { id: AnyPgColumn }>(
  ctx: KindContext,
  table: T,
  entity: string,
  rows: Array<T['$inferInsert']>,
): Promise<number> {
  for (let i = 0; i < rows.length; i += 500) {
    const ids = (await ctx.tx
      .insert(table)
      .values(rows.slice(i, i + 500))
      .returning({ id: table.id })) as Array<{ id: string }>;
    await bulkRecordChanges(
      ctx.tx,
      ctx.req.communityId,
      entity,
      ctx.req.actor.subject,
      ids.map((r) => r.id),
      'import',
    );
  }
  return rows.length;
}
