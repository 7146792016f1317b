import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import { enqueue, processListener } from '@shequ/bus';
import { appendAudit, type Logger } from '@shequ/core';
import { type Executor, marketKills, marketSubmissions, marketVersions, pluginInstalls, withScope } from '@shequ/db';
import type { PluginHost } from '@shequ/runtime';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { conflict, invalid, type Market, type MarketActor, notFound } from './context.ts';

export const killSubject = 'shequ.market.killed';

/**
 * The kill switch: in one transaction, records the kill (append-only; the version never returns to the shelf),
 * takes every live submission of the version off the shelf, disables every enabled install of it in every
 * community, audits each, and announces `shequ.market.killed` so every API process drops its cached installs at once.
 */
export async function killVersion(m: Market, actor: MarketActor, pluginId: string, version: string, reason: string) {
  if (!reason.trim() || reason.length > 500)
    throw invalid('请写明紧急停用的原因（500 字以内）', 'Give the reason for the kill (at most 500 characters)');
  const result = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    killInTx(tx, actor, pluginId, version, reason),
  );
  if (m.host) for (const c of result.communities) m.host.forget(c, pluginId);
  return {
    pluginId: result.pluginId,
    version: result.version,
    reason: result.reason,
    disabledInstalls: result.disabledInstalls,
  };
}

/**
 * The kill inside a caller's platform-scoped transaction (the federation sync kills what its upstream killed in the
 * same transaction as the rest of the sync). Answers the communities whose installs were disabled; the caller drops
 * their cached installs after commit.
 */
export async function killInTx(tx: Executor, actor: MarketActor, pluginId: string, version: string, reason: string) {
  const [v] = await tx
    .select({ id: marketVersions.id })
    .from(marketVersions)
    .where(and(eq(marketVersions.pluginId, pluginId), eq(marketVersions.version, version)));
  if (!v) throw notFound('应用版本不存在', `No version ${pluginId}@${version} in the catalog`);
  const [already] = await tx
    .select({ v: marketKills.versionId })
    .from(marketKills)
    .where(eq(marketKills.versionId, v.id))
    .for('update');
  if (already) throw conflict('该版本已被紧急停用', `${pluginId}@${version} was already killed`);
  const now = new Date();
  await tx
    .update(marketSubmissions)
    .set({ state: 'off_shelf', updatedAt: now, revision: sql`${marketSubmissions.revision} + 1` })
    .where(and(eq(marketSubmissions.versionId, v.id), inArray(marketSubmissions.state, ['on_shelf', 'approved'])));
  await tx
    .update(marketSubmissions)
    .set({
      state: 'rejected',
      reviewer: actor.subject,
      reasons: [{ zh: `版本被紧急停用：${reason}`, en: `Version killed: ${reason}` }],
      updatedAt: now,
      revision: sql`${marketSubmissions.revision} + 1`,
    })
    .where(and(eq(marketSubmissions.versionId, v.id), inArray(marketSubmissions.state, ['submitted', 'in_review'])));
  const disabled = await tx
    .update(pluginInstalls)
    .set({ state: 'disabled', updatedAt: now, revision: sql`${pluginInstalls.revision} + 1` })
    .where(
      and(
        eq(pluginInstalls.pluginId, pluginId),
        eq(pluginInstalls.version, version),
        eq(pluginInstalls.state, 'enabled'),
      ),
    )
    .returning({ communityId: pluginInstalls.communityId });
  const communities = disabled.map((d) => d.communityId);
  // Inserted after the installs are disabled (the row is append-only, so it is written once with its count); the
  // primary key makes a concurrent second kill of the same version fail here and roll back.
  await tx.insert(marketKills).values({
    versionId: v.id,
    pluginId,
    version,
    reason,
    killedBy: actor.subject,
    disabledInstalls: communities.length,
  });
  const base = {
    subject: actor.subject,
    subjectRole: actor.role ?? null,
    sourceIp: actor.ip ?? null,
    requestId: actor.requestId ?? null,
    result: 'success' as const,
    objectType: 'plugin',
    objectId: pluginId,
  };
  await appendAudit(tx, [
    { ...base, action: 'market.killed', detail: { version, reason, disabledInstalls: communities.length } },
    ...communities.map((communityId) => ({
      ...base,
      action: 'plugin.disabled',
      communityId,
      detail: { version, killed: true, reason },
    })),
  ]);
  await enqueue(tx, { subject: killSubject, data: { pluginId, version, reason, communities } });
  return { pluginId, version, reason, disabledInstalls: communities.length, communities };
}

/**
 * Every API process listens for kills and drops the killed app's cached installs, so no process keeps running it
 * for the remainder of its cache time. The durable name is per process: each process must see every kill
 * published while it runs (kills from before it started are already in the database it reads installs from).
 */
export function listenForKills(bus: Bus, host: PluginHost, log: Logger, processName: string): Promise<Subscription> {
  return bus.subscribe(`market-kills-${processName}`, killSubject, onKill, processListener);
  async function onKill(event: EventEnvelope) {
    const data = event.data as { pluginId: string; version: string; communities: string[] };
    for (const c of data.communities ?? []) host.forget(c, data.pluginId);
    log.warn(
      { pluginId: data.pluginId, version: data.version, communities: data.communities?.length ?? 0 },
      'marketplace kill switch: app version disabled everywhere',
    );
  }
}
