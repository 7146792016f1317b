// Operations metrics (DB33 8.1.2): per app and community, installs, active users, handler calls, errors, latency and
// ratings — aggregates only, for government roles in their jurisdiction and for the daily upstream report.
import { AppError, communityDate, communityDayStart } from '@shequ/core';
import { type Executor, queryRows, withScope } from '@shequ/db';
import { latencyBounds, quantileMs } from '@shequ/runtime';
import { sql } from 'drizzle-orm';
import type { Within } from './rollout.ts';

type Text = { zh: string; en: string };

/** The longest window one may ask for (a quarter). */
export const maxWindowDays = 92;

export interface Figures {
  activeUsers: number;
  calls: number;
  errors: number;
  errorRate: number;
  p95Ms: number;
  ratings: number;
  averageRating: number | null;
}

export interface CommunityFigures extends Figures {
  communityId: string;
  code: string;
  name: string;
  /** The installed version and state, or null when the app is no longer installed there. */
  version: string | null;
  state: string | null;
}

export interface AppFigures extends Figures {
  pluginId: string;
  name: Text;
  /** Communities where the app is installed (enabled or disabled), and of them enabled. */
  installs: number;
  enabled: number;
  communities: CommunityFigures[];
}

export interface OperationsReport {
  from: string;
  to: string;
  apps: AppFigures[];
}

/** Checks a window of community days (YYYY-MM-DD, Asia/Shanghai) and answers the instants it spans. */
export function operationsWindow(from: string, to: string) {
  const start = communityDayStart(from);
  const last = communityDayStart(to);
  if (!start || !last)
    throw new AppError('INVALID_INPUT', { zh: '日期格式应为 YYYY-MM-DD', en: 'Dates must be YYYY-MM-DD' });
  const end = communityDayStart(communityDate(last.getTime() + 36 * 3_600_000)) as Date;
  const days = Math.round((end.getTime() - start.getTime()) / 86_400_000);
  if (days < 1 || days > maxWindowDays)
    throw new AppError('INVALID_INPUT', {
      zh: `时间范围应在 1 到 ${maxWindowDays} 天之间`,
      en: `The window must span 1 to ${maxWindowDays} days`,
    });
  return { start, end };
}

const empty = (): Figures & { buckets: number[]; maxMs: number } => ({
  activeUsers: 0,
  calls: 0,
  errors: 0,
  errorRate: 0,
  p95Ms: 0,
  ratings: 0,
  averageRating: null,
  buckets: new Array(latencyBounds.length + 1).fill(0),
  maxMs: 0,
});

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

/**
 * Per app and per community in the caller's jurisdiction (`within` over region paths; every community for the
 * platform's own report), the figures over the community days `from`..`to`: installs (enabled or not, version),
 * distinct active users (who called a handler), handler calls, errors, error rate, p95 latency, and the standing
 * rating: average and count of the visible reviews (one per community) as they are now. Counts only; nobody is named.
 */
export async function operationsMetrics(
  db: Executor,
  within: Within,
  q: { from: string; to: string },
): Promise<OperationsReport> {
  const { start, end } = operationsWindow(q.from, q.to);
  const lastDay = q.to;
  return withScope(db, { kind: 'all' }, async (tx) => {
    const communities = (
      await queryRows<{ id: string; code: string; name: string; path: string }>(
        tx,
        sql`select id, code, name, path from tenancy.regions where level = 'community'`,
      )
    ).filter((r) => within(r.path));
    const inScope = new Map(communities.map((c) => [c.id, c]));
    if (inScope.size === 0) return { from: q.from, to: q.to, apps: [] };
    const ids = sql.join(
      [...inScope.keys()].map((id) => sql`${id}::uuid`),
      sql`, `,
    );
    const installs = await queryRows<{ community_id: string; plugin_id: string; version: string; state: string }>(
      tx,
      sql`select community_id, plugin_id, version, state from plugin.installs
          where state <> 'uninstalled' and community_id in (${ids})`,
    );
    const metrics = await queryRows<{
      community_id: string;
      plugin_id: string;
      calls: number | string;
      errors: number | string;
      max_ms: number | string;
      buckets: number[];
    }>(
      tx,
      sql`select community_id, plugin_id, calls, errors, max_ms, buckets from plugin.handler_metrics
          where community_id in (${ids}) and hour >= ${start.toISOString()}::timestamptz
            and hour < ${end.toISOString()}::timestamptz`,
    );
    const users = await queryRows<{ community_id: string; plugin_id: string; n: number | string }>(
      tx,
      sql`select community_id, plugin_id, count(distinct user_hash) as n from plugin.active_users
          where community_id in (${ids}) and day >= ${q.from}::date and day <= ${lastDay}::date
          group by community_id, plugin_id`,
    );
    const appUsers = await queryRows<{ plugin_id: string; n: number | string }>(
      tx,
      sql`select plugin_id, count(distinct user_hash) as n from plugin.active_users
          where community_id in (${ids}) and day >= ${q.from}::date and day <= ${lastDay}::date
          group by plugin_id`,
    );
    const ratings = await queryRows<{
      community_id: string;
      plugin_id: string;
      n: number | string;
      s: number | string;
    }>(
      tx,
      sql`select community_id, plugin_id, count(*) as n, sum(rating) as s from market.app_reviews
          where community_id in (${ids}) and hidden_at is null
          group by community_id, plugin_id`,
    );
    const names = await queryRows<{ plugin_id: string; name: Text | null }>(
      tx,
      sql`select distinct on (i.plugin_id) i.plugin_id, (p.manifest -> 'name')::jsonb as name
          from plugin.installs i left join plugin.packages p on p.plugin_id = i.plugin_id and p.version = i.version
          where i.community_id in (${ids}) order by i.plugin_id, i.updated_at desc`,
    );

    type Cell = ReturnType<typeof empty> & { version: string | null; state: string | null };
    const cells = new Map<string, Map<string, Cell>>();
    const cell = (pluginId: string, communityId: string) => {
      let app = cells.get(pluginId);
      if (!app) {
        app = new Map();
        cells.set(pluginId, app);
      }
      let c = app.get(communityId);
      if (!c) {
        c = { ...empty(), version: null, state: null };
        app.set(communityId, c);
      }
      return c;
    };
    for (const i of installs) Object.assign(cell(i.plugin_id, i.community_id), { version: i.version, state: i.state });
    for (const r of metrics) {
      const c = cell(r.plugin_id, r.community_id);
      c.calls += Number(r.calls);
      c.errors += Number(r.errors);
      c.maxMs = Math.max(c.maxMs, Number(r.max_ms));
      r.buckets.forEach((n, k) => {
        c.buckets[k] = (c.buckets[k] ?? 0) + Number(n);
      });
    }
    for (const r of users) cell(r.plugin_id, r.community_id).activeUsers = Number(r.n);
    for (const r of ratings) {
      const c = cell(r.plugin_id, r.community_id);
      c.ratings = Number(r.n);
      c.averageRating = round(Number(r.s) / Number(r.n), 2);
    }
    const nameOf = new Map(names.map((n) => [n.plugin_id, n.name]));
    const usersOf = new Map(appUsers.map((u) => [u.plugin_id, Number(u.n)]));
    const finish = <T extends ReturnType<typeof empty>>(c: T): Figures => ({
      activeUsers: c.activeUsers,
      calls: c.calls,
      errors: c.errors,
      errorRate: c.calls ? round(c.errors / c.calls, 4) : 0,
      p95Ms: quantileMs(c.buckets, 0.95, round(c.maxMs)),
      ratings: c.ratings,
      averageRating: c.averageRating,
    });

    const apps: AppFigures[] = [];
    for (const [pluginId, byCommunity] of [...cells.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const total = empty();
      let ratingSum = 0;
      const rows: CommunityFigures[] = [];
      for (const [communityId, c] of byCommunity) {
        total.calls += c.calls;
        total.errors += c.errors;
        total.maxMs = Math.max(total.maxMs, c.maxMs);
        c.buckets.forEach((n, k) => {
          total.buckets[k] += n;
        });
        total.ratings += c.ratings;
        ratingSum += (c.averageRating ?? 0) * c.ratings;
        const r = inScope.get(communityId) as { code: string; name: string };
        rows.push({ communityId, code: r.code, name: r.name, version: c.version, state: c.state, ...finish(c) });
      }
      total.activeUsers = usersOf.get(pluginId) ?? 0;
      total.averageRating = total.ratings ? round(ratingSum / total.ratings, 2) : null;
      const installed = rows.filter((r) => r.state !== null);
      apps.push({
        pluginId,
        name: nameOf.get(pluginId) ?? { zh: pluginId, en: pluginId },
        installs: installed.length,
        enabled: installed.filter((r) => r.state === 'enabled').length,
        ...finish(total),
        communities: rows.sort((a, b) => a.code.localeCompare(b.code)),
      });
    }
    return { from: q.from, to: q.to, apps };
  });
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would be a formula in a spreadsheet: quote it away.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

const figures = (f: Figures) => [
  f.activeUsers,
  f.calls,
  f.errors,
  f.errorRate,
  f.p95Ms,
  f.ratings,
  f.averageRating ?? '',
];

/** The report as CSV (UTF-8 with a BOM so spreadsheet software reads the Chinese headers): one row per app and community. */
export function operationsCsv(r: OperationsReport): string {
  const head = [
    '应用标识',
    '应用名称',
    '社区编码',
    '社区名称',
    '版本',
    '状态',
    '活跃用户',
    '调用次数',
    '错误次数',
    '错误率',
    'P95时延(毫秒)',
    '评分人数',
    '平均评分',
  ];
  const lines = [head.map(csvCell).join(',')];
  for (const a of r.apps) {
    lines.push(
      [a.pluginId, a.name.zh, '', '合计', '', `${a.enabled}/${a.installs}`, ...figures(a)].map(csvCell).join(','),
    );
    for (const c of a.communities) {
      lines.push(
        [a.pluginId, a.name.zh, c.code, c.name, c.version ?? '', c.state ?? '', ...figures(c)].map(csvCell).join(','),
      );
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
