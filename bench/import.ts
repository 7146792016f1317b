// Import throughput: 100,000 people rows (validation, encryption, blind index, dedup, occupancy) on PostgreSQL,
// after 20,000 houses. Usage: node --no-node-snapshot bench/import.ts [rows]
import { randomBytes } from 'node:crypto';
import { FieldCrypto, importBatch, parseKeyring, seedDemo } from '@shequ/core';
import { createTestDatabase, regions } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { emit, round } from './common.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const PER_HOUSE = 5;
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const idFor = (i: number) => {
  const day = new Date(Date.UTC(1940, 0, 1) + (i % 25_000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  const body = `330106${day}${String(Math.floor(i / 25_000)).padStart(3, '0')}`;
  return body + '10X98765432'[[...body].reduce((s, c, k) => s + Number(c) * W[k], 0) % 11];
};
const place = (h: number) => ({
  b: String(1 + Math.floor(h / 1000)),
  u: String(1 + (Math.floor(h / 100) % 10)),
  f: String(1 + (Math.floor(h / 4) % 25)),
  r: String(h),
});

async function main() {
  const database = await createTestDatabase('postgres');
  try {
    const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
    await seedDemo(database.db, crypto);
    const [demo] = await database.db.select().from(regions).where(eq(regions.code, 'demo'));
    const d = { db: database.db, crypto };
    const scope = { kind: 'communities' as const, ids: [demo.id] };
    const actor = { subject: 'bench' };
    const nHouses = Math.ceil(ROWS / PER_HOUSE);
    const houseLines = ['小区,楼栋,单元,楼层,房号'];
    for (let h = 0; h < nHouses; h++) {
      const p = place(h);
      houseLines.push(`示范小区,${p.b},${p.u},${p.f},${p.r}`);
    }
    let t = performance.now();
    const hr = await importBatch(d, scope, {
      kind: 'houses',
      communityId: demo.id,
      fileName: 'houses.csv',
      data: Buffer.from(houseLines.join('\n')),
      dryRun: false,
      actor,
    });
    const housesMs = performance.now() - t;
    if (!hr.committed) throw new Error(`houses import failed: ${JSON.stringify(hr.errors.slice(0, 3))}`);
    const lines = ['姓名,证件类型,证件号码,手机号码,小区,楼栋,单元,楼层,房号,与房屋关系'];
    for (let i = 0; i < ROWS; i++) {
      const p = place(Math.floor(i / PER_HOUSE));
      lines.push(
        `居民${i},居民身份证,${idFor(i)},1${String(3800000000 + i)},示范小区,${p.b},${p.u},${p.f},${p.r},${i % PER_HOUSE === 0 ? '业主' : '家属'}`,
      );
    }
    const file = Buffer.from(lines.join('\n'));
    t = performance.now();
    const r = await importBatch(d, scope, {
      kind: 'people',
      communityId: demo.id,
      fileName: 'people.csv',
      data: file,
      dryRun: false,
      actor,
    });
    const peopleMs = performance.now() - t;
    if (!r.committed) throw new Error(`people import failed: ${JSON.stringify(r.errors.slice(0, 3))}`);
    t = performance.now();
    const again = await importBatch(d, scope, {
      kind: 'people',
      communityId: demo.id,
      fileName: 'people.csv',
      data: file,
      dryRun: false,
      actor,
    });
    const againMs = performance.now() - t;
    const rate = (ROWS / peopleMs) * 1000;
    console.log(
      `== import on PostgreSQL: ${ROWS} people rows (${(file.length / 1e6).toFixed(1)} MB CSV) into ${nHouses} houses ==`,
    );
    console.log(
      `  houses   ${nHouses} rows in ${round(housesMs / 1000, 2)} s = ${round((nHouses / housesMs) * 1000, 0)} rows/s`,
    );
    console.log(
      `  people   ${r.created} created in ${round(peopleMs / 1000, 2)} s = ${round(rate, 0)} rows/s — goal ≥ 10,000 rows/s: ${rate >= 10_000 ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `  re-import of the same file: ${again.unchanged} unchanged, ${again.created} created, in ${round(againMs / 1000, 2)} s`,
    );
    emit('import', {
      rows: ROWS,
      houses: nHouses,
      housesMs: round(housesMs, 0),
      peopleMs: round(peopleMs, 0),
      rowsPerSec: round(rate, 0),
      reimportMs: round(againMs, 0),
      goalMet: rate >= 10_000,
    });
  } finally {
    await database.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`import bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
