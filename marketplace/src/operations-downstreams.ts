// Operations reports from downstream catalogs (DB33 8.1.2, upstream side): the followers an administrator registered
// with their pinned catalog keys, and the signed daily reports they push here. Nothing is taken on first use.
import { createHash } from 'node:crypto';
import { AppError, appendAudit, communityDate } from '@shequ/core';
import { marketDownstreamReports, marketDownstreams, queryRows, regions, withScope } from '@shequ/db';
import { keyFingerprint } from '@shequ/runtime';
import { operationsReportProblems, type ReportProblem } from '@shequ/schemas';
import { and, asc, eq, sql } from 'drizzle-orm';
import { invalid, type Market, type MarketActor, notFound } from './context.ts';
import { nowOf } from './federation-index.ts';
import { parsePinnedKey } from './federation-upstreams.ts';
import { operationsWindow } from './operations.ts';
import type { DailyOperationsReport, SignedOperationsReport } from './operations-report.ts';
import { canonicalJson, verifyBody } from './platform-key.ts';
import type { Within } from './rollout.ts';

/** The largest report body an upstream accepts (a province's catalog of apps by every community of a city). */
export const maxReportBytes = 4 * 1024 * 1024;
const catalogIdPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const forbidden = (zh: string, en: string) => new AppError('FORBIDDEN', { zh, en });
// The registration form shows these under the field they are about.
const fieldError = (
  field: string,
  zh: string,
  en: string,
  code: 'INVALID_INPUT' | 'NOT_FOUND' | 'CONFLICT' = 'INVALID_INPUT',
) => new AppError(code, { zh, en, fieldErrors: { [field]: [`${zh} / ${en}`] } });

type Row = typeof marketDownstreams.$inferSelect;

export function downstreamView(r: Row) {
  return {
    id: r.id,
    catalogId: r.catalogId,
    name: r.name,
    keyFingerprint: r.keyFingerprint,
    regionId: r.regionId,
    active: r.active,
    lastReportAt: r.lastReportAt?.toISOString() ?? null,
  };
}

/**
 * Registers a following catalog whose reports this catalog accepts: its catalog id (`SHEQU_CATALOG_ID` there), its
 * catalog key (fingerprint or full key, as shown by `market.upstreams.catalogKey` there) and optionally the region of
 * this platform it answers for (government roles of that region see its reports). Re-registering a removed one with
 * the same key reactivates it; another key for the same id is a conflict.
 */
export async function addDownstream(
  m: Market,
  actor: MarketActor,
  input: { catalogId: string; name: string; key: string; region?: string | null },
) {
  if (!catalogIdPattern.test(input.catalogId))
    throw fieldError(
      'catalogId',
      '目录标识只能包含小写字母、数字、点、下划线和连字符',
      'A catalog id is lower-case letters, digits, dots, underscores and hyphens',
    );
  let pinned: ReturnType<typeof parsePinnedKey>;
  try {
    pinned = parsePinnedKey(input.key);
  } catch {
    throw fieldError(
      'key',
      '目录公钥无效：请给出下级目录的 ed25519 公钥（PEM 或 base64）或其 16 位指纹',
      "The catalog key is not valid: give the downstream's ed25519 public key (PEM or base64) or its 16-hex fingerprint",
    );
  }
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    let region: { id: string; path: string } | null = null;
    if (input.region) {
      [region] = await queryRows<{ id: string; path: string }>(
        tx,
        sql`select id, path from tenancy.regions where code = ${input.region}`,
      );
      if (!region)
        throw fieldError(
          'region',
          `没有编码为 ${input.region} 的区域`,
          `No region with code ${input.region}`,
          'NOT_FOUND',
        );
    }
    const [existing] = await tx
      .select()
      .from(marketDownstreams)
      .where(eq(marketDownstreams.catalogId, input.catalogId));
    if (existing?.active)
      throw fieldError(
        'catalogId',
        `已登记下级目录 ${input.catalogId}`,
        `${input.catalogId} is already registered`,
        'CONFLICT',
      );
    if (existing && existing.keyFingerprint !== pinned.fingerprint)
      throw fieldError(
        'key',
        `${input.catalogId} 曾以另一把目录密钥登记；请确认密钥`,
        `${input.catalogId} was registered before with another catalog key; check the key`,
        'CONFLICT',
      );
    const values = {
      name: input.name,
      publicKey: pinned.publicKey ?? existing?.publicKey ?? null,
      regionId: region?.id ?? null,
      regionPath: region?.path ?? null,
    };
    const [row] = existing
      ? await tx
          .update(marketDownstreams)
          .set({ ...values, active: true })
          .where(eq(marketDownstreams.id, existing.id))
          .returning()
      : await tx
          .insert(marketDownstreams)
          .values({ ...values, catalogId: input.catalogId, keyFingerprint: pinned.fingerprint, addedBy: actor.subject })
          .returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role ?? null,
      sourceIp: actor.ip ?? null,
      requestId: actor.requestId ?? null,
      result: 'success',
      action: 'market.downstream.added',
      objectType: 'market_downstream',
      objectId: row.id,
      detail: { catalogId: row.catalogId, fingerprint: row.keyFingerprint, region: input.region ?? null },
    });
    return downstreamView(row);
  });
}

/** Stops accepting a downstream's reports; what it sent stays. */
export async function removeDownstream(m: Market, actor: MarketActor, id: string) {
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [row] = await tx
      .update(marketDownstreams)
      .set({ active: false })
      .where(and(eq(marketDownstreams.id, id), eq(marketDownstreams.active, true)))
      .returning();
    if (!row) throw notFound('没有这个下级目录', `No registered downstream ${id}`);
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role ?? null,
      sourceIp: actor.ip ?? null,
      requestId: actor.requestId ?? null,
      result: 'success',
      action: 'market.downstream.removed',
      objectType: 'market_downstream',
      objectId: row.id,
      detail: { catalogId: row.catalogId },
    });
    return downstreamView(row);
  });
}

/** The registered downstreams (removed ones too, marked inactive), with the code and name of the region each answers for. */
export async function listDownstreams(m: Market) {
  const rows = await m.database.db
    .select({ d: marketDownstreams, regionCode: regions.code, regionName: regions.name })
    .from(marketDownstreams)
    .leftJoin(regions, eq(regions.id, marketDownstreams.regionId))
    .orderBy(asc(marketDownstreams.createdAt));
  return rows.map((r) => ({ ...downstreamView(r.d), regionCode: r.regionCode, regionName: r.regionName }));
}

/**
 * The shape problems of a pushed report body against schemas/market/operations-report.schema.json (the contract the
 * issuing side is tested against too), each naming its JSON pointer; empty when well formed.
 */
export function reportProblems(raw: unknown): ReportProblem[] {
  return operationsReportProblems(raw);
}

/**
 * Accepts a downstream's signed daily report: well formed, from a registered and active catalog, signed by the key
 * pinned for it, for a day that has begun. Stored once per downstream, day and report hash; `stored` is false for a
 * resend of a report already here.
 */
export async function receiveOperationsReport(m: Market, raw: unknown) {
  const problems = reportProblems(raw);
  if (problems.length) {
    const fieldErrors: Record<string, string[]> = {};
    for (const p of problems) fieldErrors[p.pointer] = [...(fieldErrors[p.pointer] ?? []), `${p.zh} / ${p.en}`];
    throw new AppError('INVALID_INPUT', {
      zh: `运营报告格式不正确：${problems.map((p) => `${p.pointer} ${p.zh}`).join('；')}`,
      en: `The operations report is malformed: ${problems.map((p) => `${p.pointer} ${p.en}`).join('; ')}`,
      fieldErrors,
    });
  }
  const { report, signature } = raw as SignedOperationsReport;
  const db = m.database.db;
  const [down] = await db.select().from(marketDownstreams).where(eq(marketDownstreams.catalogId, report.catalogId));
  if (!down?.active)
    throw forbidden(
      `目录 ${report.catalogId} 未登记为本目录的下级，报告已拒绝`,
      `The catalog ${report.catalogId} is not registered as a downstream of this catalog; report refused`,
    );
  let fingerprint = '';
  try {
    fingerprint = keyFingerprint(report.publicKey);
  } catch {
    throw invalid('运营报告中的公钥无效', 'The public key in the operations report is not a valid key');
  }
  if (fingerprint !== down.keyFingerprint || (down.publicKey && down.publicKey !== report.publicKey))
    throw forbidden(
      `报告的签名密钥（指纹 ${fingerprint}）与 ${down.catalogId} 登记的密钥（${down.keyFingerprint}）不一致，已拒绝`,
      `The report's key (fingerprint ${fingerprint}) is not the key registered for ${down.catalogId} (${down.keyFingerprint}); refused`,
    );
  let good = false;
  try {
    good = verifyBody(report.publicKey, canonicalJson(report), signature);
  } catch {
    good = false;
  }
  if (!good)
    throw forbidden(
      '运营报告的签名无效（内容被改动或不是该目录签发），已拒绝',
      'The operations report signature is not valid (changed, or not signed by the registered catalog key); refused',
    );
  const today = communityDate(nowOf(m).getTime());
  if (report.day > today)
    throw invalid(
      `运营报告的日期 ${report.day} 晚于今天（${today}），已拒绝`,
      `The operations report is for ${report.day}, after today (${today}); refused`,
    );
  const reportHash = createHash('sha256').update(canonicalJson(report)).digest('hex');
  return withScope(db, { kind: 'all' }, async (tx) => {
    const inserted = await tx
      .insert(marketDownstreamReports)
      .values({
        downstreamId: down.id,
        catalogId: down.catalogId,
        day: report.day,
        reportHash,
        report: report as unknown as Record<string, unknown>,
        signature,
      })
      .onConflictDoNothing()
      .returning({ id: marketDownstreamReports.id });
    await tx
      .update(marketDownstreams)
      .set({ lastReportAt: nowOf(m) })
      .where(eq(marketDownstreams.id, down.id));
    if (inserted.length)
      await appendAudit(tx, {
        subject: `catalog:${down.catalogId}`,
        subjectRole: null,
        sourceIp: null,
        requestId: null,
        result: 'success',
        action: 'market.downstream.report',
        objectType: 'market_downstream',
        objectId: down.id,
        detail: { day: report.day, hash: reportHash },
      });
    return { stored: inserted.length > 0, catalogId: down.catalogId, day: report.day, hash: reportHash };
  });
}

export interface DownstreamDayFigures {
  day: string;
  receivedAt: string;
  apps: number;
  installs: number;
  activeUsers: number;
  calls: number;
  errors: number;
  errorRate: number;
  p95Ms: number;
  perApp: Array<
    Pick<
      DailyOperationsReport['apps'][number],
      | 'pluginId'
      | 'name'
      | 'installs'
      | 'enabled'
      | 'activeUsers'
      | 'calls'
      | 'errors'
      | 'errorRate'
      | 'p95Ms'
      | 'ratings'
      | 'averageRating'
    >
  >;
}

/**
 * What the downstream catalogs in the caller's jurisdiction reported for community days `from`..`to`: per downstream
 * and day the latest report received, its totals over apps (active users summed per app; p95 the highest app's) and
 * the per-app figures, and the window's totals per downstream.
 */
export async function downstreamReports(m: Market, within: Within, q: { from: string; to: string }) {
  // The same window rules as the platform's own figures: community days, 1 to 92 of them.
  operationsWindow(q.from, q.to);
  const downs = (await m.database.db.select().from(marketDownstreams).orderBy(asc(marketDownstreams.catalogId))).filter(
    (d) => within(d.regionPath ?? ''),
  );
  if (!downs.length) return [];
  const rows = await queryRows<{
    downstream_id: string;
    day: string | Date;
    report: DailyOperationsReport;
    received_at: string | Date;
  }>(
    m.database.db,
    sql`select distinct on (downstream_id, day) downstream_id, day::text as day, report, received_at
        from market.downstream_reports
        where day >= ${q.from}::date and day <= ${q.to}::date
          and downstream_id in (${sql.join(
            downs.map((d) => sql`${d.id}::uuid`),
            sql`, `,
          )})
        order by downstream_id, day, received_at desc`,
  );
  return downs.map((d) => {
    const days: DownstreamDayFigures[] = rows
      .filter((r) => r.downstream_id === d.id)
      .map((r) => {
        const apps = r.report.apps;
        const calls = apps.reduce((s, a) => s + a.calls, 0);
        const errors = apps.reduce((s, a) => s + a.errors, 0);
        return {
          day: String(r.day).slice(0, 10),
          receivedAt: new Date(r.received_at).toISOString(),
          apps: apps.length,
          installs: apps.reduce((s, a) => s + a.installs, 0),
          activeUsers: apps.reduce((s, a) => s + a.activeUsers, 0),
          calls,
          errors,
          errorRate: calls ? Math.round((errors / calls) * 10_000) / 10_000 : 0,
          p95Ms: apps.reduce((s, a) => Math.max(s, a.p95Ms), 0),
          perApp: apps.map((a) => ({
            pluginId: a.pluginId,
            name: a.name,
            installs: a.installs,
            enabled: a.enabled,
            activeUsers: a.activeUsers,
            calls: a.calls,
            errors: a.errors,
            errorRate: a.errorRate,
            p95Ms: a.p95Ms,
            ratings: a.ratings,
            averageRating: a.averageRating,
          })),
        };
      })
      .sort((a, b) => b.day.localeCompare(a.day));
    const calls = days.reduce((s, x) => s + x.calls, 0);
    const errors = days.reduce((s, x) => s + x.errors, 0);
    return {
      ...downstreamView(d),
      days,
      totals: {
        days: days.length,
        calls,
        errors,
        errorRate: calls ? Math.round((errors / calls) * 10_000) / 10_000 : 0,
        activeUsers: days.reduce((s, x) => s + x.activeUsers, 0),
      },
    };
  });
}
