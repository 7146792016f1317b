import { compounds, type DataScope, houses, occupancies, people, withScope } from '@shequ/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { appendAudit } from '../audit/audit-service.ts';
import type { Actor } from '../identity/user-service.ts';
import type { BaseDeps } from './people-service.ts';

export type ExportFormat = 'csv' | 'xlsx';

const header = ['姓名', '证件类型', '证件号码', '手机号码', '小区', '楼栋', '单元', '楼层', '房号', '与房屋关系'];
const idTypeZh: Record<string, string> = {
  id_card: '居民身份证',
  hk_macau_tw_permit: '港澳台居民居住证',
  passport: '护照',
};
const roleZh: Record<string, string> = { owner: '业主', family: '家属', tenant: '租户', other: '其他' };

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/**
 * Exports a community's people in the import template's columns, with ID numbers and phones masked: an export
 * leaves the platform, so it never carries L3+ values in full. The export itself is audited.
 */
export async function exportPeople(
  d: BaseDeps,
  scope: DataScope,
  communityId: string,
  format: ExportFormat,
  actor: Actor,
): Promise<Buffer> {
  const rows = await withScope(d.db, scope, async (tx) => {
    const list = await tx
      .select({
        name: people.name,
        idType: people.idType,
        idNumber: people.idNumberMasked,
        phone: people.phoneMasked,
        compound: compounds.name,
        building: houses.building,
        unit: houses.unit,
        floor: houses.floor,
        room: houses.room,
        role: occupancies.role,
      })
      .from(people)
      .leftJoin(occupancies, and(eq(occupancies.personId, people.id), isNull(occupancies.validTo)))
      .leftJoin(houses, eq(houses.id, occupancies.houseId))
      .leftJoin(compounds, eq(compounds.id, houses.compoundId))
      .where(eq(people.communityId, communityId))
      .orderBy(asc(people.name), asc(people.id));
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.export.people',
      objectType: 'community',
      objectId: communityId,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { format, rows: list.length, masked: true },
    });
    return list;
  });
  const table = rows.map((r) => [
    r.name,
    idTypeZh[r.idType] ?? r.idType,
    r.idNumber,
    r.phone ?? '',
    r.compound ?? '',
    r.building ?? '',
    r.unit ?? '',
    r.floor ?? '',
    r.room ?? '',
    r.role ? (roleZh[r.role] ?? r.role) : '',
  ]);
  if (format === 'csv') {
    const text = [header, ...table].map((cells) => cells.map(csvCell).join(',')).join('\r\n');
    return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  }
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  ws.addRow(header);
  for (const cells of table) ws.addRow(cells);
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
