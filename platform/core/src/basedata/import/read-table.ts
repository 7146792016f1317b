import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export interface TableRow {
  /** Spreadsheet row number: the header is row 1. */
  row: number;
  cells: string[];
  /** Problems with how a cell is stored (formula, merged, number that lost digits), by column index. */
  cellProblems: Array<{ col: number; zh: string; en: string }>;
}

export interface Table {
  headers: string[];
  rows: TableRow[];
  encoding: 'utf-8' | 'gbk' | 'xlsx';
}

export class FileProblem extends Error {
  readonly zh: string;
  constructor(zh: string, en: string) {
    super(en);
    this.zh = zh;
  }
}

/** UTF-8 (with or without BOM) first; text that is not valid UTF-8 is decoded as GBK, as Excel on Chinese Windows saves it. */
function decodeText(buf: Buffer): { text: string; encoding: 'utf-8' | 'gbk' } {
  const body = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('gbk').decode(body), encoding: 'gbk' };
  }
}

function readCsv(buf: Buffer): Table {
  const { text, encoding } = decodeText(buf);
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (err) {
    throw new FileProblem(`CSV 格式有误：${(err as Error).message}`, `Malformed CSV: ${(err as Error).message}`);
  }
  const [headers = [], ...rest] = records;
  const rows = rest
    .map((cells, i) => ({ row: i + 2, cells: cells.map((c) => c.trim()), cellProblems: [] }))
    .filter((r) => r.cells.some((c) => c !== ''));
  return { headers: headers.map((h) => h.trim()), rows, encoding };
}

function cellText(cell: ExcelJS.Cell, col: number, problems: TableRow['cellProblems']): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  if (cell.isMerged && cell.master !== cell) {
    problems.push({ col, zh: '含合并单元格，请取消合并后逐行填写', en: 'merged cell: unmerge and fill every row' });
    return '';
  }
  if (typeof v === 'object' && 'formula' in v) {
    problems.push({ col, zh: '单元格含公式，请粘贴为数值', en: 'cell holds a formula: paste values instead' });
    return '';
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) && Math.abs(v) > 1e15) {
      problems.push({
        col,
        zh: '数字过长已丢失精度，请将该列设为文本格式',
        en: 'long number lost digits: format the column as text',
      });
    }
    return String(v);
  }
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object' && 'richText' in v) return v.richText.map((t) => t.text).join('');
  if (typeof v === 'object' && 'text' in v) return String(v.text);
  return String(v);
}

async function readXlsx(buf: Buffer): Promise<Table> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch (err) {
    throw new FileProblem(
      '无法读取 Excel 文件（仅支持 .xlsx）',
      `Cannot read the Excel file (.xlsx only): ${(err as Error).message}`,
    );
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw new FileProblem('Excel 文件没有工作表', 'The workbook has no sheet');
  const width = sheet.getRow(1).cellCount;
  const headerProblems: TableRow['cellProblems'] = [];
  const headers = Array.from({ length: width }, (_, i) =>
    cellText(sheet.getRow(1).getCell(i + 1), i, headerProblems).trim(),
  );
  const rows: TableRow[] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const xrow = sheet.getRow(r);
    const problems: TableRow['cellProblems'] = [];
    const cells = Array.from({ length: width }, (_, i) => cellText(xrow.getCell(i + 1), i, problems).trim());
    if (cells.some((c) => c !== '') || problems.length) rows.push({ row: r, cells, cellProblems: problems });
  }
  return { headers, rows, encoding: 'xlsx' };
}

/** Reads CSV or XLSX (by content: XLSX is a zip) into trimmed cells with spreadsheet row numbers. */
export async function readTable(buf: Buffer): Promise<Table> {
  if (buf.length > MAX_IMPORT_BYTES) {
    throw new FileProblem(
      `文件过大（上限 ${MAX_IMPORT_BYTES / 1024 / 1024} MB），请分批导入`,
      `File too large (limit ${MAX_IMPORT_BYTES / 1024 / 1024} MB): split it`,
    );
  }
  if (buf.length === 0) throw new FileProblem('文件为空', 'The file is empty');
  const isZip = buf[0] === 0x50 && buf[1] === 0x4b;
  return isZip ? readXlsx(buf) : readCsv(buf);
}
