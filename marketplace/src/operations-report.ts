// The daily operations report for upstream (DB33 8.1.2 "exportable upstream on a schedule"): yesterday's aggregate
// figures, signed with the platform key (the one that signs the federation index), kept and served to upstreams.
import { AppError, communityDate, communityDayStart } from '@shequ/core';
import { marketOperationsReports } from '@shequ/db';
import { desc, eq } from 'drizzle-orm';
import type { Market } from './context.ts';
import { nowOf, settingsOf } from './federation-index.ts';
import { type OperationsReport, operationsMetrics } from './operations.ts';
import { canonicalJson, loadPlatformKey, signBody, verifyBody } from './platform-key.ts';

export interface DailyOperationsReport {
  format: 'shequ-operations-report/1';
  catalogId: string;
  keyId: string;
  publicKey: string;
  day: string;
  issuedAt: string;
  apps: OperationsReport['apps'];
}

export interface SignedOperationsReport {
  report: DailyOperationsReport;
  signature: string;
}

/** The community day before `now`. */
export const previousDay = (now: Date) => communityDate(now.getTime() - 86_400_000);

/**
 * Writes the signed report of `day` (by default yesterday) for every community of this platform, unless it exists
 * (the job may run in several processes or restart: the first report of a day stands). Answers the stored report.
 */
export async function issueOperationsReport(m: Market, day = previousDay(nowOf(m))): Promise<SignedOperationsReport> {
  const db = m.database.db;
  const have = await readOperationsReport(m, day);
  if (have) return have;
  const key = await loadPlatformKey(db, m.crypto);
  const figures = await operationsMetrics(db, () => true, { from: day, to: day });
  const report: DailyOperationsReport = {
    format: 'shequ-operations-report/1',
    catalogId: settingsOf(m).id,
    keyId: key.keyId,
    publicKey: key.publicKey,
    day,
    issuedAt: nowOf(m).toISOString(),
    apps: figures.apps,
  };
  const signature = signBody(key, canonicalJson(report));
  await db
    .insert(marketOperationsReports)
    .values({ day, report: report as unknown as Record<string, unknown>, keyId: key.keyId, signature })
    .onConflictDoNothing();
  return (await readOperationsReport(m, day)) as SignedOperationsReport;
}

/** A stored daily report (by day, or the latest one). */
export async function readOperationsReport(m: Market, day?: string): Promise<SignedOperationsReport | undefined> {
  const t = marketOperationsReports;
  const [row] = await m.database.db
    .select()
    .from(t)
    .where(day ? eq(t.day, day) : undefined)
    .orderBy(desc(t.day))
    .limit(1);
  return row ? { report: row.report as unknown as DailyOperationsReport, signature: row.signature } : undefined;
}

/** The stored report of `day` or NOT_FOUND (for the upstream route). */
export async function operationsReportOf(m: Market, day?: string): Promise<SignedOperationsReport> {
  const r = await readOperationsReport(m, day);
  if (!r)
    throw new AppError('NOT_FOUND', { zh: '没有该日的运营报告', en: 'There is no operations report for that day' });
  return r;
}

/** Checks a report's signature against a platform public key an upstream pinned. */
export function verifyOperationsReport(signed: SignedOperationsReport, publicKey: string): boolean {
  try {
    return verifyBody(publicKey, canonicalJson(signed.report), signed.signature);
  } catch {
    return false;
  }
}

/**
 * The daily job (api and worker roles): at start, and then at 01:00 Asia/Shanghai every day, issues yesterday's signed
 * report if it is not there yet. Idempotent: the first report of a day stands, so several processes may run it.
 */
export function startOperationsReports(m: Market, onError: (err: unknown) => void): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<unknown> | undefined;
  const run = () => {
    running = issueOperationsReport(m)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    const tomorrow = communityDayStart(communityDate(now + 86_400_000)) as Date;
    const next = tomorrow.getTime() + 3_600_000 - (tomorrow.getTime() + 3_600_000 - now > 86_400_000 ? 86_400_000 : 0);
    timer = setTimeout(
      () => {
        run();
        tick();
      },
      Math.max(1000, next - now),
    );
    timer.unref();
  };
  run();
  tick();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
