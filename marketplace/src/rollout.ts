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
import semver from 'semver';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound, pgCode } from './context.ts';
import { shelfVersions } from './installs.ts';

/** Whether the acting operator may operate apps in a community (by its region path). */
export type Within = (regionPath: string) => boolean;
export type Rollout = typeof marketRollouts.$inferSelect;
interface Text {
  zh: string;
  en: string;
}

export const rolloutSubject = (event: string) => `shequ.market.rollout.${event}`;
const none = { services: {}, data: [], hosts: [] };

export interface StartRollout {
  pluginId: string;
  toVersion: string;
  pilotCommunityIds: string[];
  /** Error rate (0–1) of the new version above which every upgraded community is rolled back. */
  threshold: number;
  /** Calls of the new version needed before its error rate counts (in one community or all upgraded together). */
  minCalls: number;
  /** The answer to a permission escalation: which new permissions to grant (the rest stay ungranted). */
  grantNew?: string[];
}

const forbidden = (zh: string, en: string) => new AppError('FORBIDDEN', { zh, en });
const noteOf = (err: unknown): Text =>
  err instanceof AppError
    ? { zh: err.messageZh, en: err.messageEn }
    : { zh: '升级失败', en: `The upgrade failed: ${(err as Error).message}` };

async function audit(tx: Executor, actor: MarketActor, action: string, r: Rollout, detail: Record<string, unknown>) {
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

function checkLimits(input: StartRollout) {
  if (!(input.threshold > 0 && input.threshold <= 1))
    throw invalid(
      '错误率阈值须在 0 到 100% 之间（不含 0）',
      'The error-rate threshold must be above 0 and at most 1 (100%)',
    );
  if (!Number.isInteger(input.minCalls) || input.minCalls < 1 || input.minCalls > 1_000_000)
    throw invalid(
      '最少调用次数须为 1 到 1,000,000 的整数',
      'The minimum call count must be a whole number from 1 to 1,000,000',
    );
  if (input.pilotCommunityIds.length === 0 || input.pilotCommunityIds.length > 500)
    throw invalid('请选择 1 到 500 个试点社区', 'Choose between 1 and 500 pilot communities');
}

/**
 * Starts a staged upgrade: the pilot communities (which must all run the same, older version) are upgraded at once;
 * every other community in the operator's jurisdiction on that version waits for `promoteRollout`. Pinned installs
 * are skipped. A permission escalation needs the operator's `grantNew` answer, as a single upgrade does.
 */
export async function startRollout(m: Market, actor: MarketActor, input: StartRollout, within: Within) {
  checkLimits(input);
  const host = hostOf(m);
  const pilots = [...new Set(input.pilotCommunityIds)];
  if (!(await shelfVersions(m, input.pluginId)).includes(input.toVersion))
    throw conflict(
      `${input.pluginId} 的 ${input.toVersion} 版本不在架上，不能升级到该版本`,
      `${input.pluginId}@${input.toVersion} is not on the shelf; it cannot be rolled out`,
    );
  const installs = (await installsOf(m, input.pluginId)).filter((i) => within(i.path));
  const pilotRows = pilots.map((id) => {
    const row = installs.find((i) => i.communityId === id);
    if (!row) throw notFound('试点社区没有安装该应用', `${input.pluginId} is not installed in pilot community ${id}`);
    return row;
  });
  const from = pilotRows[0].version;
  const mixed = pilotRows.filter((r) => r.version !== from);
  if (mixed.length)
    throw invalid(
      `试点社区须运行同一版本（${pilotRows[0].code} 为 ${from}，${mixed[0].code} 为 ${mixed[0].version}）`,
      `The pilot communities must run one version: ${pilotRows[0].code} runs ${from}, ${mixed[0].code} runs ${mixed[0].version}`,
    );
  if (!semver.gt(input.toVersion, from))
    throw invalid(
      `只能升级到更高的版本（试点社区当前 ${from}）`,
      `A rollout goes to a newer version; the pilot communities run ${from}`,
    );
  const pinnedPilot = pilotRows.find((r) => r.pinnedVersion);
  if (pinnedPilot)
    throw conflict(
      `试点社区 ${pinnedPilot.code} 已固定在 ${pinnedPilot.pinnedVersion} 版本，请先取消固定或另选试点`,
      `Pilot community ${pinnedPilot.code} is pinned at ${pinnedPilot.pinnedVersion}; unpin it or choose another pilot`,
    );
  const [toPkg, fromPkg] = [
    await host.package(input.pluginId, input.toVersion),
    await host.package(input.pluginId, from),
  ];
  if (!toPkg) throw notFound('应用版本不存在', `No package ${input.pluginId}@${input.toVersion}`);
  const escalation = escalationOf(toPkg.manifest, fromPkg?.manifest, none);
  if (escalation.length && !input.grantNew)
    throw conflict(
      `新版本申请了新的权限，需要重新授权：${escalation.join('、')}`,
      `The new version asks for new permissions that need a grant: ${escalation.join(', ')}`,
    );
  const unknown = (input.grantNew ?? []).filter((p) => !escalation.includes(p));
  if (unknown.length)
    throw invalid(
      `这些不是新版本新增的权限：${unknown.join('、')}`,
      `Not new permissions of this version: ${unknown.join(', ')}`,
    );
  const rest = installs.filter((i) => i.version === from && !pilots.includes(i.communityId));
  let rollout: Rollout;
  try {
    rollout = await withScope(m.database.db, { kind: 'all' }, async (tx) => {
      const [r] = await tx
        .insert(marketRollouts)
        .values({
          pluginId: input.pluginId,
          fromVersion: from,
          toVersion: input.toVersion,
          threshold: input.threshold,
          minCalls: input.minCalls,
          grantNew: input.grantNew ?? null,
          startedBy: actor.subject,
        })
        .returning();
      await tx.insert(marketRolloutCommunities).values([
        ...pilots.map((communityId) => ({ rolloutId: r.id, communityId, pilot: true })),
        ...rest.map((i) => ({
          rolloutId: r.id,
          communityId: i.communityId,
          pilot: false,
          state: (i.pinnedVersion ? 'skipped' : 'pending') as RolloutCommunityState,
          note: i.pinnedVersion ? pinnedNote(i.pinnedVersion) : null,
        })),
      ]);
      await audit(tx, actor, 'started', r, { pilots: pilots.length, rest: rest.length, threshold: input.threshold });
      return r;
    });
  } catch (err) {
    if (pgCode(err) === '23505')
      throw conflict('该应用已有进行中的分批升级', `${input.pluginId} already has a rollout in progress`);
    throw err;
  }
  await runStage(m, actor, rollout, true);
  return rolloutById(m, rollout.id);
}

const pinnedNote = (v: string): Text => ({ zh: `已固定在 ${v} 版本，跳过`, en: `Pinned at ${v}; skipped` });

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

/** Upgrades the pending communities of one group (each in its own transaction, through `upgradePlugin`). */
async function runStage(m: Market, actor: MarketActor, r: Rollout, pilot: boolean) {
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
    try {
      host.forget(row.communityId, r.pluginId);
      const install = await host.install(row.communityId, r.pluginId);
      // The operator's answer covers what is new in this community (grants differ between communities).
      const own = toPkg && install ? escalationOf(toPkg.manifest, fromPkg?.manifest, install.grants) : [];
      const grantNew = r.grantNew ? r.grantNew.filter((p) => own.includes(p)) : undefined;
      await upgradePlugin(host, row.communityId, r.pluginId, r.toVersion, actor, { grantNew });
      await setState(m, r.id, row.communityId, 'upgraded', null);
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
