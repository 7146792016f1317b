import { enqueue } from '@shequ/bus';
import { AppError, appendAudit } from '@shequ/core';
import {
  type Executor,
  marketInstallPrefs,
  marketRolloutCommunities,
  marketRollouts,
  pluginInstalls,
  type RolloutCommunityState,
  regions,
  withScope,
} from '@shequ/db';
import { escalationOf, upgradePlugin } from '@shequ/runtime';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound } from './context.ts';

/** Whether the acting operator may operate apps in a community (by its region path). */
export type Within = (regionPath: string) => boolean;
export type Rollout = typeof marketRollouts.$inferSelect;
interface Text {
  zh: string;
  en: string;
}

export const rolloutSubject = (event: string) => `shequ.market.rollout.${event}`;

const forbidden = (zh: string, en: string) => new AppError('FORBIDDEN', { zh, en });
const noteOf = (err: unknown): Text =>
  err instanceof AppError
    ? { zh: err.messageZh, en: err.messageEn }
    : { zh: '升级失败', en: `The upgrade failed: ${(err as Error).message}` };

export async function audit(
  tx: Executor,
  actor: MarketActor,
  action: string,
  r: Rollout,
  detail: Record<string, unknown>,
) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role ?? null,
    action: `market.rollout.${action}`,
    objectType: 'plugin',
    objectId: r.pluginId,
    result: 'success',
    sourceIp: actor.ip ?? null,
    requestId: actor.requestId ?? null,
    detail: { rolloutId: r.id, from: r.fromVersion, to: r.toVersion, ...detail },
  });
  await enqueue(tx, {
    subject: rolloutSubject(action.replace('_', '-')),
    data: { rolloutId: r.id, pluginId: r.pluginId, from: r.fromVersion, to: r.toVersion, ...detail },
  });
}

/** Live installs of an app with their communities' region paths (platform-scoped read: the caller filters by `within`). */
export async function installsOf(m: Market, pluginId: string) {
  return withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select({
        communityId: pluginInstalls.communityId,
        version: pluginInstalls.version,
        state: pluginInstalls.state,
        code: regions.code,
        name: regions.name,
        path: regions.path,
        pinnedVersion: marketInstallPrefs.pinnedVersion,
      })
      .from(pluginInstalls)
      .innerJoin(regions, eq(regions.id, pluginInstalls.communityId))
      .leftJoin(
        marketInstallPrefs,
        and(
          eq(marketInstallPrefs.communityId, pluginInstalls.communityId),
          eq(marketInstallPrefs.pluginId, pluginInstalls.pluginId),
        ),
      )
      .where(and(eq(pluginInstalls.pluginId, pluginId), ne(pluginInstalls.state, 'uninstalled'))),
  );
}

export const pinnedNote = (v: string): Text => ({ zh: `已固定在 ${v} 版本，跳过`, en: `Pinned at ${v}; skipped` });

async function setState(
  m: Market,
  rolloutId: string,
  communityId: string,
  state: RolloutCommunityState,
  note: Text | null,
) {
  await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .update(marketRolloutCommunities)
      .set({ state, note, updatedAt: new Date() })
      .where(
        and(eq(marketRolloutCommunities.rolloutId, rolloutId), eq(marketRolloutCommunities.communityId, communityId)),
      ),
  );
}

async function isActive(m: Market, id: string) {
  const [row] = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx.select({ status: marketRollouts.status }).from(marketRollouts).where(eq(marketRollouts.id, id)),
  );
  return row?.status === 'active';
}

/** Upgrades the pending communities of one group (each in its own transaction, through `upgradePlugin`). */
export async function runStage(m: Market, actor: MarketActor, r: Rollout, pilot: boolean) {
  const host = hostOf(m);
  const rows = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select()
      .from(marketRolloutCommunities)
      .where(
        and(
          eq(marketRolloutCommunities.rolloutId, r.id),
          eq(marketRolloutCommunities.pilot, pilot),
          eq(marketRolloutCommunities.state, 'pending'),
        ),
      ),
  );
  const installs = await installsOf(m, r.pluginId);
  const [toPkg, fromPkg] = [await host.package(r.pluginId, r.toVersion), await host.package(r.pluginId, r.fromVersion)];
  for (const row of rows) {
    const now = installs.find((i) => i.communityId === row.communityId);
    if (now?.pinnedVersion) {
      await setState(m, r.id, row.communityId, 'skipped', pinnedNote(now.pinnedVersion));
      continue;
    }
    if (!now || now.version !== r.fromVersion) {
      await setState(m, r.id, row.communityId, 'skipped', {
        zh: `已不在 ${r.fromVersion} 版本，跳过`,
        en: `No longer on ${r.fromVersion}; skipped`,
      });
      continue;
    }
    // The checker or an operator may end the rollout while this stage runs: stop upgrading then.
    if (!(await isActive(m, r.id))) break;
    try {
      host.forget(row.communityId, r.pluginId);
      const install = await host.install(row.communityId, r.pluginId);
      // The operator's answer covers what is new in this community (grants differ between communities).
      const own = toPkg && install ? escalationOf(toPkg.manifest, fromPkg?.manifest, install.grants) : [];
      const grantNew = r.grantNew ? r.grantNew.filter((p) => own.includes(p)) : undefined;
      await upgradePlugin(host, row.communityId, r.pluginId, r.toVersion, actor, { grantNew });
      await setState(m, r.id, row.communityId, 'upgraded', null);
      if (!(await isActive(m, r.id))) {
        // Ended while this community was being upgraded (after the roll-back picked its communities): undo it here.
        await upgradePlugin(host, row.communityId, r.pluginId, r.fromVersion, actor, { rollback: true });
        await setState(m, r.id, row.communityId, 'rolled_back', { zh: '分批升级已结束', en: 'The rollout ended' });
        break;
      }
    } catch (err) {
      await setState(m, r.id, row.communityId, 'failed', noteOf(err));
    }
  }
}

export async function rolloutById(m: Market, id: string) {
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [r] = await tx.select().from(marketRollouts).where(eq(marketRollouts.id, id));
    if (!r) throw notFound('分批升级不存在', `No rollout ${id}`);
    const communities = await tx
      .select({
        communityId: marketRolloutCommunities.communityId,
        pilot: marketRolloutCommunities.pilot,
        state: marketRolloutCommunities.state,
        note: marketRolloutCommunities.note,
        code: regions.code,
        name: regions.name,
        path: regions.path,
      })
      .from(marketRolloutCommunities)
      .innerJoin(regions, eq(regions.id, marketRolloutCommunities.communityId))
      .where(eq(marketRolloutCommunities.rolloutId, id));
    return { ...r, communities };
  });
}

/** Loads an active rollout the operator may act on: every community in it must be in their jurisdiction. */
async function actionable(m: Market, id: string, within: Within) {
  const r = await rolloutById(m, id);
  if (r.communities.some((c) => !within(c.path)))
    throw forbidden('该分批升级包含您管辖范围外的社区', 'The rollout includes communities outside your jurisdiction');
  if (r.status !== 'active')
    throw conflict('该分批升级已结束', `The rollout is ${r.status.replace('_', ' ')}; it can no longer change`);
  return r;
}

/** Takes an active rollout past its pilot: every remaining community on the old version is upgraded now. */
export async function promoteRollout(m: Market, actor: MarketActor, id: string, within: Within) {
  const r = await actionable(m, id, within);
  if (r.stage !== 'pilot') throw conflict('该分批升级已全面推广', 'The rollout was already promoted');
  const moved = await withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [row] = await tx
      .update(marketRollouts)
      .set({ stage: 'full', promotedAt: new Date(), revision: r.revision + 1 })
      .where(
        and(eq(marketRollouts.id, id), eq(marketRollouts.revision, r.revision), eq(marketRollouts.status, 'active')),
      )
      .returning();
    if (row) await audit(tx, actor, 'promoted', row, {});
    return row;
  });
  if (!moved)
    throw conflict('分批升级刚被他人更改，请刷新后重试', 'The rollout changed meanwhile; refresh and try again');
  await runStage(m, actor, moved, false);
  return rolloutById(m, id);
}

/** Ends a promoted rollout: the new version stays, the checker stops watching it. */
export async function completeRollout(m: Market, actor: MarketActor, id: string, within: Within) {
  const r = await actionable(m, id, within);
  if (r.stage !== 'full') throw conflict('请先全面推广，再结束分批升级', 'Promote the rollout before completing it');
  await endRollout(m, actor, r, 'completed', null);
  return rolloutById(m, id);
}

/** Stops a rollout by hand: every upgraded community goes back to the old version. */
export async function abortRollout(m: Market, actor: MarketActor, id: string, within: Within, reason?: string) {
  const r = await actionable(m, id, within);
  if (reason !== undefined && (!reason.trim() || reason.length > 500))
    throw invalid('请写明中止的原因（500 字以内）', 'Give the reason for the abort (at most 500 characters)');
  const why = reason?.trim()
    ? { zh: reason.trim(), en: reason.trim() }
    : { zh: '操作员中止', en: 'Aborted by an operator' };
  return rollBackAll(m, actor, r, 'aborted', why);
}

/** Marks the rollout ended (only if still active: one of two concurrent enders wins). */
async function endRollout(m: Market, actor: MarketActor, r: Rollout, status: Rollout['status'], reason: Text | null) {
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [row] = await tx
      .update(marketRollouts)
      .set({ status, reason, endedAt: new Date(), revision: sql`${marketRollouts.revision} + 1` })
      .where(and(eq(marketRollouts.id, r.id), eq(marketRollouts.status, 'active')))
      .returning();
    if (!row) throw conflict('该分批升级已结束', 'The rollout already ended');
    await audit(tx, actor, status === 'completed' ? 'completed' : status, row, reason ? { reason } : {});
    return row;
  });
}

/**
 * Ends a rollout and rolls every upgraded community back to the version it came from (through `upgradePlugin`, so
 * records are checked against the older schemas). Waiting communities are left on the old version.
 */
export async function rollBackAll(
  m: Market,
  actor: MarketActor,
  r: Rollout,
  status: 'rolled_back' | 'aborted',
  reason: Text,
) {
  const host = hostOf(m);
  await endRollout(m, actor, r, status, reason);
  const rows = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select()
      .from(marketRolloutCommunities)
      .where(
        and(
          eq(marketRolloutCommunities.rolloutId, r.id),
          inArray(marketRolloutCommunities.state, ['upgraded', 'pending']),
        ),
      ),
  );
  for (const row of rows) {
    if (row.state === 'pending') {
      await setState(m, r.id, row.communityId, 'skipped', { zh: '分批升级已结束', en: 'The rollout ended' });
      continue;
    }
    try {
      await upgradePlugin(host, row.communityId, r.pluginId, r.fromVersion, actor, { rollback: true });
      await setState(m, r.id, row.communityId, 'rolled_back', reason);
    } catch (err) {
      await setState(m, r.id, row.communityId, 'failed', noteOf(err));
    }
  }
  return rolloutById(m, r.id);
}

/** A community rolled back by hand mid-rollout leaves the rollout (the rest of it goes on). */
export async function leaveRollout(m: Market, communityId: string, pluginId: string) {
  await withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [r] = await tx
      .select({ id: marketRollouts.id })
      .from(marketRollouts)
      .where(and(eq(marketRollouts.pluginId, pluginId), eq(marketRollouts.status, 'active')));
    if (!r) return;
    await tx
      .update(marketRolloutCommunities)
      .set({
        state: 'left',
        note: { zh: '已手动回退，退出本次分批升级', en: 'Rolled back by hand; left the rollout' },
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(marketRolloutCommunities.rolloutId, r.id),
          eq(marketRolloutCommunities.communityId, communityId),
          inArray(marketRolloutCommunities.state, ['pending', 'upgraded']),
        ),
      );
  });
}
