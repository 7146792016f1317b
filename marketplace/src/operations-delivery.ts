// Operations reports to upstream (DB33 8.1.2, downstream side): each followed upstream gets the signed report of the
// previous community day pushed to it, retried with backoff on failure; every attempt is recorded.
import { AppError } from '@shequ/core';
import { marketReportDeliveries, marketUpstreams } from '@shequ/db';
import { and, desc, eq, gte } from 'drizzle-orm';
import { type Market, notFound } from './context.ts';
import { nowOf, settingsOf } from './federation-index.ts';
import { checkUpstreamUrl } from './federation-upstreams.ts';
import { issueOperationsReport, previousDay } from './operations-report.ts';

type Text = { zh: string; en: string };
type Delivery = typeof marketReportDeliveries.$inferSelect;

/** How far back failed days are still retried. */
export const retryDays = 7;
const firstBackoffMs = 5 * 60_000;
const maxBackoffMs = 6 * 3_600_000;

/** The wait after `failures` failed attempts: 5 min, 10, 20, … at most 6 h. */
export const backoffMs = (failures: number) => Math.min(maxBackoffMs, firstBackoffMs * 2 ** Math.max(0, failures - 1));

/** The day whose report is due: yesterday, from 01:00 (when the day's last metrics are flushed and the report issued). */
export const dueDay = (now: Date) => previousDay(new Date(now.getTime() - 3_600_000));

export function deliveryView(d: Delivery) {
  return {
    id: d.id,
    upstreamId: d.upstreamId,
    day: d.day,
    status: d.status as 'delivered' | 'duplicate' | 'failed',
    httpStatus: d.httpStatus,
    error: d.error ?? null,
    attemptedAt: d.attemptedAt.toISOString(),
  };
}

async function post(
  url: string,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; error?: Text; stored?: boolean }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string }; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError')
      return {
        status: 0,
        error: {
          zh: `上级目录在 ${timeoutMs / 1000} 秒内没有响应`,
          en: `The upstream did not answer within ${timeoutMs / 1000} s`,
        },
      };
    const code = e.cause?.code ?? e.message ?? 'error';
    return { status: 0, error: { zh: `上级目录无法连接（${code}）`, en: `The upstream cannot be reached (${code})` } };
  }
  const text = (await res.text()).slice(0, 64 * 1024);
  let json: { stored?: boolean; error?: { messageZh?: string; messageEn?: string } } = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = {};
  }
  if (res.ok) return { status: res.status, stored: json.stored !== false };
  const zh = json.error?.messageZh ?? `上级目录返回 HTTP ${res.status}`;
  const en = json.error?.messageEn ?? `The upstream answered HTTP ${res.status}`;
  return { status: res.status, error: { zh: zh.slice(0, 500), en: en.slice(0, 500) } };
}

/**
 * Pushes the signed report of `day` (issued now if this platform has not yet) to one followed upstream and records the
 * attempt. A refusal or an unreachable upstream is recorded as `failed` (and retried by the job), never thrown.
 */
export async function deliverReport(m: Market, upstreamId: string, day = dueDay(nowOf(m))) {
  const db = m.database.db;
  const [up] = await db.select().from(marketUpstreams).where(eq(marketUpstreams.id, upstreamId));
  if (!up?.active) throw notFound('没有这个上游目录', `No followed upstream ${upstreamId}`);
  const settings = settingsOf(m);
  let r: Awaited<ReturnType<typeof post>>;
  try {
    const base = checkUpstreamUrl(up.url, settings.upstreamHosts);
    const signed = await issueOperationsReport(m, day);
    r = await post(`${base}/api/market/operations-reports`, JSON.stringify(signed), settings.timeoutMs ?? 10_000);
  } catch (err) {
    // The allow-list changed since the upstream was added: recorded like any other failure, the job goes on.
    if (!(err instanceof AppError)) throw err;
    r = { status: 0, error: { zh: err.messageZh, en: err.messageEn } };
  }
  const [row] = await db
    .insert(marketReportDeliveries)
    .values({
      upstreamId,
      day,
      status: r.error ? 'failed' : r.stored ? 'delivered' : 'duplicate',
      httpStatus: r.status || null,
      error: r.error ?? null,
      attemptedAt: nowOf(m),
    })
    .returning();
  return deliveryView(row);
}

/**
 * One pass of the job: for every followed upstream, the due day and every failed day of the last week not yet
 * delivered, when its backoff has passed. Answers the attempts made.
 */
export async function deliverDue(m: Market) {
  const db = m.database.db;
  const now = nowOf(m);
  const due = dueDay(now);
  const since = previousDay(new Date(now.getTime() - retryDays * 86_400_000));
  const made: ReturnType<typeof deliveryView>[] = [];
  const ups = await db.select().from(marketUpstreams).where(eq(marketUpstreams.active, true));
  for (const up of ups) {
    const past = await db
      .select()
      .from(marketReportDeliveries)
      .where(and(eq(marketReportDeliveries.upstreamId, up.id), gte(marketReportDeliveries.day, since)));
    const days = new Set([due, ...past.map((p) => p.day)]);
    for (const day of [...days].sort()) {
      const tries = past.filter((p) => p.day === day);
      if (tries.some((t) => t.status !== 'failed')) continue;
      const last = Math.max(0, ...tries.map((t) => t.attemptedAt.getTime()));
      if (tries.length && now.getTime() < last + backoffMs(tries.length)) continue;
      made.push(await deliverReport(m, up.id, day));
    }
  }
  return made;
}

/** The latest attempts (newest first), with the upstream's URL and catalog id, for operators and government roles. */
export async function listDeliveries(m: Market, limit = 50) {
  const rows = await m.database.db
    .select({ d: marketReportDeliveries, url: marketUpstreams.url, catalogId: marketUpstreams.catalogId })
    .from(marketReportDeliveries)
    .innerJoin(marketUpstreams, eq(marketUpstreams.id, marketReportDeliveries.upstreamId))
    .orderBy(desc(marketReportDeliveries.attemptedAt))
    .limit(limit);
  return rows.map((r) => ({ ...deliveryView(r.d), upstreamUrl: r.url, upstreamCatalogId: r.catalogId }));
}

/**
 * The job (api and worker roles): a pass at start and then every `intervalMs` (default 5 min). Several processes may
 * run it: the upstream stores a report once, so a double push is recorded here as `duplicate` and changes nothing.
 */
export function startReportDelivery(
  m: Market,
  onError: (err: unknown) => void,
  intervalMs = 5 * 60_000,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (running) return;
    running = deliverDue(m)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
