import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, type DataScope, queryRows, testEngines } from '@shequ/db';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { FieldCrypto } from '../../crypto/field-crypto.ts';
import { AppError } from '../../errors.ts';
import { countPeople } from '../people-service.ts';
import { demoFixture, idFor } from '../testing.ts';
import { importBatch } from './import-service.ts';

const actor = { subject: 'importer', role: 'community_admin' };
const housesCsv = [
  '小区,楼栋,单元,楼层,房号,户型,建筑面积,产权性质',
  ...Array.from({ length: 10 }, (_, i) => `示范小区,3,1,${i + 1},${i + 1}01,三室一厅,89.5,商品房`),
].join('\r\n');

function peopleCsv(bad: Set<number>): string {
  const rows = Array.from({ length: 10 }, (_, i) => {
    const id = idFor('19600101', 200 + i);
    const shown = bad.has(i) ? id.slice(0, 17) + (id[17] === '1' ? '2' : '1') : id;
    return `居民${i},居民身份证,${shown},1380000${String(1000 + i)},示范小区,3,1,${i + 1},${i + 1}01,业主`;
  });
  return ['姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系', ...rows].join('\n');
}

for (const engine of testEngines()) {
  describe(`import [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;
    const run = (kind: 'people' | 'houses', data: Buffer, dryRun: boolean) =>
      importBatch(d, scope, { kind, communityId: demo, fileName: `${kind}.csv`, data, dryRun, actor });

    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
    });
    after(() => database.close());

    test('houses from a UTF-8 CSV with BOM: dry run writes nothing, commit writes all, re-import changes nothing', async () => {
      const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(housesCsv)]);
      const dry = await run('houses', data, true);
      assert.deepEqual([dry.rows, dry.valid, dry.errors.length, dry.committed], [10, 10, 0, false]);
      const [{ n: before }] = await queryRows<{ n: unknown }>(database.db, sql`select count(*) as n from base.houses`);
      assert.equal(Number(before), 0);
      const done = await run('houses', data, false);
      assert.deepEqual([done.committed, done.created], [true, 10]);
      const again = await run('houses', data, false);
      assert.deepEqual([again.committed, again.created, again.unchanged], [true, 0, 10]);
    });

    test('three bad rows are reported exactly (spreadsheet row numbers) and nothing is imported', async () => {
      const r = await run('people', Buffer.from(peopleCsv(new Set([1, 4, 7]))), false);
      assert.equal(r.committed, false);
      assert.deepEqual([...new Set(r.errors.map((e) => e.row))], [3, 6, 9]);
      assert.ok(r.errors.every((e) => e.column === '证件号码' && /校验位/.test(e.reason)));
      assert.equal(r.valid, 7);
      assert.equal(await countPeople(d, scope, demo), 0);
    });

    test('the fixed file imports everyone with their occupancy; importing it again changes nothing', async () => {
      const data = Buffer.from(peopleCsv(new Set()));
      const r = await run('people', data, false);
      assert.deepEqual([r.committed, r.created, r.errors.length], [true, 10, 0]);
      assert.equal(await countPeople(d, scope, demo), 10);
      const [{ n }] = await queryRows<{ n: unknown }>(
        database.db,
        sql`select count(*) as n from base.occupancies where role = 'owner'`,
      );
      assert.equal(Number(n), 10);
      const again = await run('people', data, false);
      assert.deepEqual([again.created, again.unchanged, again.errors.length], [0, 10, 0]);
      const [{ n: n2 }] = await queryRows<{ n: unknown }>(database.db, sql`select count(*) as n from base.occupancies`);
      assert.equal(Number(n2), 10);
    });

    test('GBK text is detected; unknown houses and duplicate rows are row errors; a contradicting record is a proposal', async () => {
      const text = [
        'name,idType,idNumber,phone,compound,building,unit,floor,room,role',
        `新人,居民身份证,${idFor('19700101', 300)},,示范小区,9,9,9,999,业主`,
        `新人二,居民身份证,${idFor('19700101', 301)},,示范小区,3,1,1,101,租户`,
        `新人三,居民身份证,${idFor('19700101', 301)},,示范小区,3,1,1,101,租户`,
        `改名了,居民身份证,${idFor('19600101', 200)},13800001000,示范小区,3,1,1,101,业主`,
      ].join('\n');
      const gbk = await gbkEncode(text);
      assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk), 'the file really is not UTF-8');
      const r = await run('people', gbk, true);
      const byRow = Object.fromEntries(r.errors.map((e) => [e.row, e.column]));
      assert.deepEqual(byRow, { 2: 'room', 4: 'idNumber' });
      assert.deepEqual(r.proposals, [{ row: 5, entity: 'person', fields: ['name'] }]);
      assert.equal(r.proposed, 0, 'a dry run stores no proposal');
    });

    test('XLSX: formulas and numbers that lost digits are row errors; a missing column is a file error', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('人员');
      ws.addRow(['姓名', '证件类型', '证件号码', '手机号码', '小区', '楼栋', '单元', '楼层', '房号', '与房屋关系']);
      ws.addRow(['甲', '居民身份证', idFor('19800101', 400), '', '示范小区', '3', '1', '2', '201', '家属']);
      ws.addRow(['乙', '居民身份证', 330106198001014000, '', '示范小区', '3', '1', '2', '201', '家属']);
      ws.addRow(['丙', '居民身份证', { formula: 'A1&"X"', result: 'x' }, '', '示范小区', '3', '1', '2', '201', '家属']);
      const data = Buffer.from(await wb.xlsx.writeBuffer());
      const r = await run('people', data, true);
      assert.deepEqual([...new Set(r.errors.map((e) => e.row))], [3, 4]);
      assert.match(r.errors.find((e) => e.row === 4)!.reason, /公式/);
      await assert.rejects(
        run('people', Buffer.from('姓名,证件号码\n张三,1'), true),
        (e) => e instanceof AppError && /缺少必填列/.test(e.messageZh),
      );
    });
  });
}

/** GBK bytes for a string, built from the decoder's own table (Node has no GBK encoder). */
async function gbkEncode(text: string): Promise<Buffer> {
  const dec = new TextDecoder('gbk');
  const table = new Map<string, number[]>();
  for (let hi = 0x81; hi <= 0xfe; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      const ch = dec.decode(Uint8Array.from([hi, lo]));
      if (ch.length === 1 && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else out.push(...(table.get(ch) ?? [0x3f]));
  }
  return Buffer.from(out);
}

for (const engine of testEngines()) {
  describe(`vehicle import [${engine}]`, () => {
    let database: Database;
    let d: { db: Database['db']; crypto: FieldCrypto };
    let demo: string;
    let scope: DataScope;
    const run = (kind: 'people' | 'houses' | 'vehicles', text: string, dryRun = false) =>
      importBatch(d, scope, {
        kind,
        communityId: demo,
        fileName: `${kind}.csv`,
        data: Buffer.from(text),
        dryRun,
        actor,
      });
    before(async () => {
      ({ database, demo, scope, d } = await demoFixture(engine));
      await run('houses', '小区,楼栋,单元,楼层,房号\n示范小区,1,1,1,101');
      await run(
        'people',
        `姓名,证件类型,证件号码,小区,楼栋,单元,楼层,房号,与房屋关系\n车主,居民身份证,${idFor('19700101', 500)},示范小区,1,1,1,101,业主`,
      );
    });
    after(() => database.close());

    test('GA 36 plates: I/O, bad province, colour mismatch and unknown owners are row errors; good rows import once', async () => {
      const text = [
        '车牌号码,号牌颜色,车辆类型,车主证件号码,小区,车位,停放时长',
        `浙A12345,蓝,居民,${idFor('19700101', 500)},示范小区,B-101,`,
        '浙AD12345,,居民,,示范小区,B-102,',
        '浙AI2345,蓝,居民,,示范小区,,',
        'XA12345,蓝,居民,,,,',
        '浙A54321,渐变绿,居民,,,,',
        `浙B88888,蓝,居民,${idFor('19700101', 501)},,,`,
        '浙A12345,蓝,临时,,,,30',
      ].join('\n');
      const r = await run('vehicles', text, true);
      assert.deepEqual(
        r.errors.map((e) => [e.row, e.column]),
        [
          [4, '车牌号码'],
          [5, '车牌号码'],
          [6, '车牌号码'],
          [7, '车主证件号码'],
          [8, '车牌号码'],
        ],
      );
      assert.match(r.errors[0].reason, /I 或 O/);
      const good = text.split('\n').slice(0, 3).join('\n');
      const done = await run('vehicles', good);
      assert.deepEqual([done.committed, done.created], [true, 2]);
      const rows = await queryRows<{
        plate: string;
        plate_colour: string;
        energy: string;
        owner_person_id: string | null;
      }>(database.db, sql`select plate, plate_colour, energy, owner_person_id from base.vehicles order by plate`);
      assert.deepEqual(
        rows.map((v) => [v.plate, v.plate_colour, v.energy, v.owner_person_id !== null]),
        [
          ['浙A12345', 'blue', 'fuel', true],
          ['浙AD12345', 'gradient_green', 'new', false],
        ],
      );
      assert.deepEqual([(await run('vehicles', good)).unchanged, (await run('vehicles', good)).created], [2, 0]);
    });
  });
}

describe('public spaces and facilities import [pglite]', () => {
  let database: Database;
  let d: { db: Database['db']; crypto: FieldCrypto };
  let demo: string;
  let scope: DataScope;
  const run = (kind: 'spaces' | 'facilities', text: string, dryRun = false) =>
    importBatch(d, scope, { kind, communityId: demo, fileName: `${kind}.csv`, data: Buffer.from(text), dryRun, actor });
  before(async () => {
    ({ database, demo, scope, d } = await demoFixture('pglite'));
  });
  after(() => database.close());

  test('use types and statuses are the standard’s, named in Chinese; duplicates and unknown values are row errors', async () => {
    const spaces = [
      '空间名称,用途类型,地理位置,经度,纬度,面积',
      '邻里中心一层,邻里中心,3幢架空层,120.1234,30.2567,350',
      '百姓食堂,社区食堂,5幢1楼,120.1240,30.2570,180',
      '健身角,健身房,,,,',
      '百姓食堂,社区食堂,,,,',
    ].join('\n');
    const r = await run('spaces', spaces, true);
    assert.deepEqual(
      r.errors.map((e) => [e.row, e.column]),
      [
        [4, '用途类型'],
        [5, '空间名称'],
      ],
    );
    const good = spaces.split('\n').slice(0, 3).join('\n');
    assert.deepEqual([(await run('spaces', good)).created, (await run('spaces', good)).unchanged], [2, 2]);
    const [s] = await queryRows<{ use_type: string; area: string | number; lng: number }>(
      database.db,
      sql`select use_type, area, lng from base.spaces where name = '百姓食堂'`,
    );
    assert.deepEqual([s.use_type, Number(s.area), s.lng], ['canteen', 180, 120.124]);
    const fac = [
      '设施名称,设施类型,子类型,状态',
      '3幢烟感01,安防消防设备,烟感,正常',
      '东门人脸闸机,出入口感知设备,人脸识别,坏了',
    ].join('\n');
    const f = await run('facilities', fac, true);
    assert.deepEqual(
      f.errors.map((e) => [e.row, e.column]),
      [[3, '状态']],
    );
  });
});
