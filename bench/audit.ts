// Audit-log append throughput on in-memory PGlite and on PostgreSQL (127.0.0.1:5432, or SHEQU_TEST_POSTGRES_URL):
// single-record appends (one transaction each) and batched appends (100 records per call), 3 s each, written
// sequentially from one caller, then verifyAudit over everything written. Goal ≥ 5,000 records/s.
// Usage: node --no-node-snapshot bench/audit.ts
import { type AuditEntry, appendAudit, verifyAudit } from '@shequ/core';
import { createTestDatabase, type Database, type TestEngine } from '@shequ/db';
import { emit, round } from './common.ts';

const PHASE_MS = 3000;
const BATCH = 100;
const GOAL_PER_SEC = 5000;

let n = 0;
function entry(): AuditEntry {
  n++;
  return {
    subject: `user-${n % 50}`,
    subjectRole: 'community_admin',
    action: 'bench.append',
    objectType: 'compound',
    objectId: `obj-${n}`,
    result: 'success',
    sourceIp: '127.0.0.1',
    requestId: `req-${n}`,
    detail: { n, note: 'benchmark record' },
  };
}

async function phase(label: string, fn: () => Promise<number>) {
  // a short warm-up so JIT and the first-query plan are not in the measurement
  for (let i = 0; i < 20; i++) await fn();
  let records = 0;
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < PHASE_MS) {
    records += await fn();
    calls++;
  }
  const s = (performance.now() - t0) / 1000;
  const perSec = records / s;
  console.log(
    `  ${label.padEnd(26)} ${records} records in ${round(s, 2)} s = ${round(perSec, 0)} records/s ` +
      `(${round((s * 1000) / calls, 2)} ms per call) — goal ≥ ${GOAL_PER_SEC}/s: ${perSec >= GOAL_PER_SEC ? 'MET' : 'NOT MET'}`,
  );
  return { records, seconds: round(s, 3), recordsPerSec: round(perSec, 0), msPerCall: round((s * 1000) / calls, 3) };
}

async function bench(engine: TestEngine) {
  let database: Database;
  try {
    database = await createTestDatabase(engine);
  } catch (err) {
    console.log(`  ${engine}: unavailable (${(err as Error).message})`);
    return { error: (err as Error).message };
  }
  try {
    const { db } = database;
    console.log(`-- ${engine === 'pglite' ? 'PGlite (in memory)' : 'PostgreSQL (127.0.0.1:5432)'} --`);
    const single = await phase('single (1 per transaction)', async () => {
      await appendAudit(db, entry());
      return 1;
    });
    const batched = await phase(`batched (${BATCH} per call)`, async () => {
      await appendAudit(
        db,
        Array.from({ length: BATCH }, () => entry()),
      );
      return BATCH;
    });
    const t0 = performance.now();
    const report = await verifyAudit(db);
    const verifyS = (performance.now() - t0) / 1000;
    const expected = single.records + batched.records + 20 + 20 * BATCH;
    console.log(
      `  verifyAudit                ${report.checked} records in ${round(verifyS, 2)} s = ${round(report.checked / verifyS, 0)} records/s, ` +
        `chain ${report.ok ? 'intact' : 'BROKEN'}${report.checked === expected ? '' : ` (expected ${expected})`}`,
    );
    return {
      single: { ...single, goalMet: single.recordsPerSec >= GOAL_PER_SEC },
      batched: { ...batched, goalMet: batched.recordsPerSec >= GOAL_PER_SEC },
      verify: {
        records: report.checked,
        expected,
        ok: report.ok && report.checked === expected,
        seconds: round(verifyS, 3),
        recordsPerSec: round(report.checked / verifyS, 0),
      },
    };
  } finally {
    await database.close();
  }
}

async function main() {
  console.log(
    `== audit append: ${PHASE_MS / 1000} s per mode, one sequential writer; goal ≥ ${GOAL_PER_SEC} records/s ==`,
  );
  const pglite = await bench('pglite');
  const postgres = await bench('postgres');
  emit('audit', { goalPerSec: GOAL_PER_SEC, batchSize: BATCH, phaseMs: PHASE_MS, pglite, postgres });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`audit bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
