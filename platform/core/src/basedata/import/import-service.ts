import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { enqueue } from '@shequ/bus';
import { type DataScope, importBatches, withScope } from '@shequ/db';
import { appendAudit } from '../../audit/audit-service.ts';
import { AppError } from '../../errors.ts';
import { assertMayEnter } from '../data-entry.ts';
import { compoundsByName } from '../houses-service.ts';
import { type MergeEntity, type ProposalDraft, recordProposals } from '../merge-proposals.ts';
import type { BaseDeps } from '../people-service.ts';
import type { ImportRequest, PlannerFactory } from './kind.ts';
import { housesPlanner } from './kinds/houses.ts';
import { facilitiesPlanner, spacesPlanner } from './kinds/named-records.ts';
import { peoplePlanner } from './kinds/people.ts';
import { vehiclesPlanner } from './kinds/vehicles.ts';
import { FileProblem, readTable, type TableRow } from './read-table.ts';
import { cellValue, type ImportKind, mapHeaders } from './templates.ts';

export type { ImportRequest } from './kind.ts';

export interface RowError {
  row: number;
  column: string;
  reason: string;
}

export interface ImportReport {
  batchId: string;
  kind: ImportKind;
  rows: number;
  valid: number;
  errors: RowError[];
  committed: boolean;
  created: number;
  unchanged: number;
  /** Rows naming a stored record with other data: each becomes a merge proposal (stored when the import commits). */
  proposals: Array<{ row: number; entity: MergeEntity; fields: string[] }>;
  /** Proposals stored by this import (a change already proposed is not proposed again). */
  proposed: number;
}

const planners: Record<ImportKind, PlannerFactory> = {
  people: peoplePlanner,
  houses: housesPlanner,
  vehicles: vehiclesPlanner,
  spaces: spacesPlanner,
  facilities: facilitiesPlanner,
};
/** The highest data grade each record type carries: entry needs at least that grade. */
const kindGrade = { people: 'L4', houses: 'L2', vehicles: 'L4', spaces: 'L1', facilities: 'L1' } as const;

function toObject(row: TableRow, columns: ReturnType<typeof mapHeaders>['columns']) {
  const obj: Record<string, string> = {};
  for (const c of columns) {
    const v = cellValue(c.column, row.cells[c.index] ?? '');
    if (v !== undefined) obj[c.column.field] = v;
  }
  return obj;
}

async function readOrRefuse(data: Buffer) {
  try {
    return await readTable(data);
  } catch (err) {
    if (err instanceof FileProblem) {
      throw new AppError('INVALID_INPUT', {
        zh: err.zh,
        en: err.message,
        fieldErrors: { file: [`${err.zh} / ${err.message}`] },
      });
    }
    throw err;
  }
}

/**
 * Validates every row, then writes all of them in one transaction or none: a dry run or any row error writes only
 * the raw batch (the file as received, gzipped and encrypted) with its report. Rows equal to what is stored change
 * nothing, so importing the same file twice is harmless; a row naming a stored record with other data becomes a merge
 * proposal for an operator (never a silent overwrite).
 */
export async function importBatch(d: BaseDeps, scope: DataScope, req: ImportRequest): Promise<ImportReport> {
  await assertMayEnter(d.db, req.actor, kindGrade[req.kind]);
  const table = await readOrRefuse(req.data);
  const map = mapHeaders(req.kind, table.headers);
  if (map.missing.length) {
    const names = map.missing.map((c) => c.zh).join('、');
    throw new AppError('INVALID_INPUT', {
      zh: `缺少必填列：${names}`,
      en: `Missing required columns: ${map.missing.map((c) => c.en).join(', ')}`,
      fieldErrors: { file: [`缺少列 ${names}`] },
    });
  }
  const headerOf = (field: string) => map.columns.find((c) => c.column.field === field)?.header ?? field;
  const sha = createHash('sha256').update(req.data).digest('hex');

  return withScope(d.db, scope, async (tx) => {
    const errors: RowError[] = [];
    const add = (row: number, field: string, reason: string) => errors.push({ row, column: headerOf(field), reason });
    const compounds = await compoundsByName(tx, req.communityId);
    const drafts: ProposalDraft[] = [];
    const planner = await planners[req.kind]({ tx, d, req, compounds, add, propose: (p) => drafts.push(p) });
    for (const r of table.rows) {
      for (const p of r.cellProblems)
        errors.push({ row: r.row, column: table.headers[p.col] ?? `#${p.col + 1}`, reason: `${p.zh} / ${p.en}` });
      const obj = toObject(r, map.columns);
      const compoundId = obj.compound ? compounds.get(obj.compound) : undefined;
      if (obj.compound && !compoundId) add(r.row, 'compound', `小区“${obj.compound}”不存在 / unknown compound`);
      planner.row(r.row, obj, compoundId);
    }
    const unchanged = await planner.reconcile();
    errors.sort((a, b) => a.row - b.row);
    const committed = !req.dryRun && errors.length === 0;
    const created = committed ? await planner.write() : 0;
    const proposed = committed
      ? await recordProposals(tx, d, req.communityId, req.fileName, req.actor.subject, drafts)
      : 0;
    const errorRows = new Set(errors.map((e) => e.row));
    const report: Omit<ImportReport, 'batchId'> = {
      kind: req.kind,
      rows: table.rows.length,
      valid: table.rows.filter((r) => !errorRows.has(r.row)).length,
      errors,
      committed,
      created,
      unchanged,
      proposals: drafts
        .map((p) => ({ row: p.sourceRow, entity: p.entity, fields: Object.keys(p.incoming).sort() }))
        .sort((a, b) => a.row - b.row),
      proposed,
    };
    const [batch] = await tx
      .insert(importBatches)
      .values({
        communityId: req.communityId,
        kind: req.kind,
        fileName: req.fileName.slice(0, 200),
        fileSha256: sha,
        rowCount: table.rows.length,
        fileCipher: d.crypto.encrypt(gzipSync(req.data, { level: 1 }).toString('base64'), 'import.file'),
        report,
        status: committed ? 'committed' : req.dryRun ? 'dry_run' : 'rejected',
        createdBy: req.actor.subject,
      })
      .returning({ id: importBatches.id });
    await appendAudit(tx, {
      subject: req.actor.subject,
      subjectRole: req.actor.role,
      action: `base.import.${req.kind}`,
      objectType: 'import_batch',
      objectId: batch.id,
      communityId: req.communityId,
      result: committed || req.dryRun ? 'success' : 'failure',
      sourceIp: req.actor.ip,
      requestId: req.actor.requestId,
      detail: { dryRun: req.dryRun, rows: report.rows, errors: errors.length, created, unchanged },
    });
    if (committed && created > 0) {
      await enqueue(tx, {
        subject: 'shequ.base.imported',
        communityId: req.communityId,
        data: { batchId: batch.id, kind: req.kind, created },
      });
    }
    return { batchId: batch.id, ...report };
  });
}
