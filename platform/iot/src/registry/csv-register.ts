import { type Actor, AppError } from '@shequ/core';
import type { DataScope } from '@shequ/db';
import { parse } from 'csv-parse/sync';
import type { IotDeps } from './deps.ts';
import { createDevices, deviceNameRe, type NewDevice } from './devices-service.ts';

const MAX_ROWS = 10_000;

export interface CsvRowError {
  row: number;
  column: string;
  reason: string;
}

/** Reads `deviceName[,nickname][,location][,devEui]` rows (header row required); every row problem is reported, with its row number. */
export function readDeviceCsv(text: string): { devices: NewDevice[]; errors: CsvRowError[] } {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    return { devices: [], errors: [{ row: 0, column: '', reason: `not CSV: ${(err as Error).message}` }] };
  }
  const [header, ...rows] = records;
  const col = (name: string) => header?.findIndex((h) => h.toLowerCase() === name.toLowerCase()) ?? -1;
  const nameAt = col('deviceName');
  const nickAt = col('nickname');
  const locAt = col('location');
  const euiAt = col('devEui');
  if (nameAt < 0) return { devices: [], errors: [{ row: 1, column: 'deviceName', reason: 'header needs deviceName' }] };
  if (rows.length > MAX_ROWS)
    return { devices: [], errors: [{ row: 0, column: '', reason: `at most ${MAX_ROWS} devices per file` }] };
  const errors: CsvRowError[] = [];
  const seen = new Map<string, number>();
  const devices: NewDevice[] = [];
  rows.forEach((cells, i) => {
    const row = i + 2;
    const deviceName = cells[nameAt] ?? '';
    const nickname = nickAt >= 0 ? cells[nickAt] || undefined : undefined;
    const location = locAt >= 0 ? cells[locAt] || undefined : undefined;
    const devEui = euiAt >= 0 ? cells[euiAt] || undefined : undefined;
    if (devEui && !/^[0-9a-fA-F]{16}$/.test(devEui.replace(/[-:]/g, '')))
      errors.push({ row, column: 'devEui', reason: '16 hex digits' });
    if (!deviceNameRe.test(deviceName))
      errors.push({ row, column: 'deviceName', reason: '4–32 of A–Z a–z 0–9 _ . : @ -' });
    else if (seen.has(deviceName))
      errors.push({ row, column: 'deviceName', reason: `duplicate of row ${seen.get(deviceName)}` });
    if (nickname && nickname.length > 64) errors.push({ row, column: 'nickname', reason: 'at most 64 characters' });
    if (location && location.length > 128) errors.push({ row, column: 'location', reason: 'at most 128 characters' });
    seen.set(deviceName, row);
    devices.push({ deviceName, nickname, ...(location ? { location } : {}), ...(devEui ? { devEui } : {}) });
  });
  return { devices, errors };
}

/** Bulk registration from CSV: all rows or none; the secrets come back once, in row order. */
export async function registerDevicesFromCsv(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  text: string,
  actor: Actor,
) {
  const { devices, errors } = readDeviceCsv(text);
  if (errors.length) {
    throw new AppError('INVALID_INPUT', {
      zh: `CSV 有 ${errors.length} 处错误，未登记任何设备`,
      en: `${errors.length} problems in the CSV; no device registered`,
      fieldErrors: Object.fromEntries(errors.map((e) => [`row ${e.row}.${e.column}`, [e.reason]])),
    });
  }
  if (devices.length === 0) throw new AppError('INVALID_INPUT', { zh: 'CSV 中没有设备', en: 'No devices in the CSV' });
  return createDevices(d, scope, productKey, devices, actor);
}
