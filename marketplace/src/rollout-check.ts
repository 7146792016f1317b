import type { Logger } from '@shequ/core';
import { marketRolloutCommunities, marketRollouts, withScope } from '@shequ/db';
import { readHandlerMetrics } from '@shequ/runtime';
import { and, eq } from 'drizzle-orm';
import type { Market, MarketActor } from './context.ts';
import { type Rollout, rollBackAll } from './rollout.ts';

export const rolloutChecker: MarketActor = { subject: 'system:rollout-check' };

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** Why a rollout must roll back, or null: the new version's error rate over the threshold with enough calls. */
async function breach(m: Market, r: Rollout) {
  const upgraded = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select({ communityId: marketRolloutCommunities.communityId })
      .from(marketRolloutCommunities)
      .where(and(eq(marketRolloutCommunities.rolloutId, r.id), eq(marketRolloutCommunities.state, 'upgraded'))),
  );
  if (upgraded.length === 0) return null;
  const sums = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    readHandlerMetrics(tx, {
      pluginId: r.pluginId,
      communityIds: upgraded.map((u) => u.communityId),
      since: r.startedAt,
      version: r.toVersion,
    }),
  );
  const total = sums.reduce((a, s) => ({ calls: a.calls + s.calls, errors: a.errors + s.errors }), {
    calls: 0,
    errors: 0,
  });
  const worst = [...sums, { communityId: '', ...total }]
    .filter((s) => s.calls >= r.minCalls && s.errors / s.calls > r.threshold)
    .sort((a, b) => b.errors / b.calls - a.errors / a.calls)[0];
  if (!worst) return null;
  const rate = pct(worst.errors / worst.calls);
  const where = worst.communityId ? `community ${worst.communityId}` : 'the upgraded communities';
  return {
    zh: `新版本 ${r.toVersion} 的错误率 ${rate}（${worst.errors}/${worst.calls} 次调用）超过阈值 ${pct(r.threshold)}，已自动回退到 ${r.fromVersion}`,
    en: `The error rate of ${r.toVersion} in ${where} was ${rate} (${worst.errors} of ${worst.calls} calls), above the threshold of ${pct(r.threshold)}; rolled back to ${r.fromVersion}`,
  };
}

/**
 * The rollout checker: writes this process's counted handler metrics, then rolls back every active rollout whose new
 * version fails too often (in one upgraded community or all of them together, once `minCalls` calls were made).
 * Answers the rollouts it rolled back. Safe in several processes: ending a rollout is conditional on it being active.
 */
export async function checkRollouts(m: Market) {
  await m.host?.flushMetrics();
  const active = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx.select().from(marketRollouts).where(eq(marketRollouts.status, 'active')),
  );
  const rolledBack: Array<{ rolloutId: string; pluginId: string; reason: { zh: string; en: string } }> = [];
  for (const r of active) {
    const reason = await breach(m, r);
    if (!reason) continue;
    try {
      await rollBackAll(m, rolloutChecker, r, 'rolled_back', reason);
      rolledBack.push({ rolloutId: r.id, pluginId: r.pluginId, reason });
    } catch (err) {
      // Another process ended it first: nothing left to do here.
      if ((err as { code?: string }).code !== 'CONFLICT') throw err;
    }
  }
  return rolledBack;
}

/** Runs the checker on an interval (the api role of `shequ start`). */
export function startRolloutChecks(m: Market, log: Logger, intervalMs = 30_000) {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = checkRollouts(m)
      .then((done) => {
        for (const d of done) log.warn(d, 'staged upgrade rolled back: the new version failed too often');
      })
      .catch((err) => log.warn({ err }, 'rollout check failed; will retry'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
