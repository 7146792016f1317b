import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { enqueue } from '@shequ/bus';
import {
  changes,
  type DataScope,
  houses as housesTable,
  importBatches,
  occupancies,
  people,
  type Tx,
  withScope,
} from '@shequ/db';
import { and, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../../audit/audit-service.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../../identity/user-service.ts';
import { bulkInsertOccupancies, bulkInsertPeople, bulkRecordChanges, openOccupancyKeys } from '../bulk.ts';
import { assertMayEnter } from '../data-entry.ts';
import {
  checkHouse,
  compoundsByName,
  type HouseRecord,
  houseKey,
  housesByKey,
  insertHouse,
} from '../houses-service.ts';
import { changedFields, personColumns, personPlain } from '../people-repo.ts';
import type { BaseDeps } from '../people-service.ts';
import { checkPerson, type PersonRecord } from '../person-record.ts';
import { FileProblem, readTable, type TableRow } from './read-table.ts';
import { cellValue, type ImportKind, mapHeaders } from './templates.ts';

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
}

export interface ImportRequest {
  kind: ImportKind;
  communityId: string;
  fileName: string;
  data: Buffer;
  dryRun: boolean;
  actor: Actor;
}

interface PlannedPerson {
  row: number;
  person: PersonRecord;
  houseId: string;
  role: string;
  /** Set when the person is already stored with the same data. */
  existingId?: string;
}

interface PlannedHouse {
  row: number;
  house: HouseRecord;
  compoundId: string;
}

const roleValues = ['owner', 'family', 'tenant', 'other'];

function toObject(row: TableRow, columns: ReturnType<typeof mapHeaders>['columns']) {
  const obj: Record<string, string> = {};
  for (const c of columns) {
    const v = cellValue(c.column, row.cells[c.index] ?? '');
    if (v !== undefined) obj[c.column.field] = v;
  }
  return obj;
}

/**
 * Validates every row, then writes all of them in one transaction or none: a dry run or any row error writes only
 * the raw batch (as received, L3+ cells encrypted) with its report. Rows equal to what is stored change nothing,
 * so importing the same file twice is harmless; a row that contradicts a stored record is an error, never an overwrite.
 */
export async function importBatch(d: BaseDeps, scope: DataScope, req: ImportRequest): Promise<ImportReport> {
  await assertMayEnter(d.db, req.actor, req.kind === 'people' ? 'L4' : 'L2');
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    table = await readTable(req.data);
  } catch (err) {
    if (err instanceof FileProblem)
      throw new AppError('INVALID_INPUT', {
        zh: err.zh,
        en: err.message,
        fieldErrors: { file: [`${err.zh} / ${err.message}`] },
      });
    throw err;
  }
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
    const houses = await housesByKey(tx, req.communityId);
    const plannedPeople: PlannedPerson[] = [];
    const plannedHouses: PlannedHouse[] = [];
    const seen = new Map<string, number>();

    for (const r of table.rows) {
      for (const p of r.cellProblems)
        errors.push({ row: r.row, column: table.headers[p.col] ?? `#${p.col + 1}`, reason: `${p.zh} / ${p.en}` });
      const obj = toObject(r, map.columns);
      const { compound, building, unit, floor, room, role, ...rest } = obj;
      const hk = { compound, building, unit, floor, room };
      const compoundId = compound ? compounds.get(compound) : undefined;
      if (compound && !compoundId) add(r.row, 'compound', `小区“${compound}”不存在 / unknown compound`);
      if (req.kind === 'people') {
        const checked = checkPerson({ ...rest, category: 'resident' });
        if (!checked.ok)
          for (const [f, msgs] of Object.entries(checked.fieldErrors))
            add(
              r.row,
              f,
              msgs
                .join('; ')
                .replace(/must be equal to one of the allowed values/, '取值不在允许范围内 / not an allowed value'),
            );
        if (!roleValues.includes(role ?? ''))
          add(r.row, 'role', '与房屋关系应为 业主/家属/租户/其他 / role must be owner, family, tenant or other');
        const houseId =
          compoundId && building && unit && floor && room
            ? houses.get(houseKey({ building, unit, floor, room }, compoundId))
            : undefined;
        if (compoundId && !houseId)
          add(
            r.row,
            'room',
            `房屋 ${compound}${building}幢${unit}单元${floor}层${room} 不存在，请先导入房屋 / unknown house`,
          );
        if (checked.ok) {
          const key = d.crypto.blindIndex('id_number', checked.value.idNumber);
          const first = seen.get(key);
          if (first !== undefined)
            add(r.row, 'idNumber', `与第 ${first} 行证件号码重复 / same ID number as row ${first}`);
          else seen.set(key, r.row);
          if (houseId && role) plannedPeople.push({ row: r.row, person: checked.value, houseId, role });
        }
      } else {
        const checked = checkHouse({ ...hk, ...rest });
        if (!checked.ok) for (const [f, msgs] of Object.entries(checked.fieldErrors)) add(r.row, f, msgs.join('; '));
        else if (compoundId) {
          const key = houseKey(checked.value, compoundId);
          const first = seen.get(key);
          if (first !== undefined) add(r.row, 'room', `与第 ${first} 行房屋重复 / same house as row ${first}`);
          else {
            seen.set(key, r.row);
            plannedHouses.push({ row: r.row, house: checked.value, compoundId });
          }
        }
      }
    }

    // Records already stored: identical rows are skipped; contradicting ones are errors (a merge is a person's call).
    let unchanged = 0;
    if (plannedPeople.length) {
      const byIndex = new Map(plannedPeople.map((p) => [d.crypto.blindIndex('id_number', p.person.idNumber), p]));
      const existing = await tx
        .select()
        .from(people)
        .where(
          and(
            eq(people.communityId, req.communityId),
            sql`${people.idNumberIndex} = any(${`{${[...byIndex.keys()].join(',')}}`}::text[])`,
          ),
        );
      for (const e of existing) {
        const p = byIndex.get(e.idNumberIndex)!;
        const stored = personPlain(d.crypto, e);
        // Only the columns the template carries are compared; the rest stay as the console left them.
        const diff = changedFields(
          { name: stored.name, idType: stored.idType, idNumber: stored.idNumber, phone: stored.phone } as PersonRecord,
          {
            name: p.person.name,
            idType: p.person.idType,
            idNumber: p.person.idNumber,
            phone: p.person.phone,
          } as PersonRecord,
        );
        if (diff.length) {
          add(
            p.row,
            'idNumber',
            `该证件号码已登记且信息不一致（${diff.join(', ')}），请在人员详情中核对 / registered with different data: reconcile in the console`,
          );
        } else {
          unchanged++;
          p.existingId = e.id;
        }
      }
    }
    const newHouses = plannedHouses.filter((h) => !houses.has(houseKey(h.house, h.compoundId)));
    unchanged += plannedHouses.length - newHouses.length;

    errors.sort((a, b) => a.row - b.row);
    const committed = !req.dryRun && errors.length === 0;
    const validRows = new Set(table.rows.map((r) => r.row));
    for (const e of errors) validRows.delete(e.row);
    let created = 0;
    if (committed)
      created =
        req.kind === 'people' ? await writePeople(tx, d, req, plannedPeople) : await writeHouses(tx, req, newHouses);
    const report: Omit<ImportReport, 'batchId'> = {
      kind: req.kind,
      rows: table.rows.length,
      valid: validRows.size,
      errors,
      committed,
      created,
      unchanged,
    };
    const [batch] = await tx
      .insert(importBatches)
      .values({
        communityId: req.communityId,
        kind: req.kind,
        fileName: req.fileName.slice(0, 200),
        fileSha256: sha,
        rowCount: table.rows.length,
        fileCipher: d.crypto.encrypt(gzipSync(req.data).toString('base64'), 'import.file'),
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
    if (committed && created > 0)
      await enqueue(tx, {
        subject: `shequ.base.imported`,
        communityId: req.communityId,
        data: { batchId: batch.id, kind: req.kind, created },
      });
    return { batchId: batch.id, ...report };
  });
}

async function writePeople(tx: Tx, d: BaseDeps, req: ImportRequest, rows: PlannedPerson[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
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
}

async function writeHouses(tx: Tx, req: ImportRequest, rows: PlannedHouse[]): Promise<number> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const ids = await tx
      .insert(housesTable)
      .values(
        chunk.map(({ house: h, compoundId }) => ({
          communityId: req.communityId,
          compoundId,
          building: h.building,
          unit: h.unit,
          floor: h.floor,
          room: h.room,
          layout: h.layout ?? null,
          area: h.area ?? null,
          ownership: h.ownership ?? null,
          buildingCode: h.buildingCode ?? null,
          createdBy: req.actor.subject,
          updatedBy: req.actor.subject,
        })),
      )
      .returning({ id: housesTable.id });
    await tx.insert(changes).values(
      ids.map((r) => ({
        communityId: req.communityId,
        entity: 'house',
        entityId: r.id,
        version: 1,
        action: 'import',
        actor: req.actor.subject,
        diff: { fields: ['imported'] },
      })),
    );
  }
  return rows.length;
}
