import { appendAudit } from '@shequ/core';
import {
  marketInstallPrefs,
  marketKills,
  marketSubmissions,
  type PluginGrants,
  type SubmissionState,
  withScope,
} from '@shequ/db';
import { installPluginMany, listInstalls, upgradePlugin } from '@shequ/runtime';
import { and, eq, inArray } from 'drizzle-orm';
import semver from 'semver';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound } from './context.ts';
import { leaveRollout } from './rollout.ts';

/** How many earlier versions an operator may roll back to. */
export const rollbackDepth = 5;

async function versionsIn(m: Market, pluginId: string, states: SubmissionState[]) {
  const rows = await m.database.db
    .selectDistinct({ version: marketSubmissions.version })
    .from(marketSubmissions)
    .where(and(eq(marketSubmissions.pluginId, pluginId), inArray(marketSubmissions.state, states)));
  const killed = new Set(
    (
      await m.database.db.select({ v: marketKills.version }).from(marketKills).where(eq(marketKills.pluginId, pluginId))
    ).map((k) => k.v),
  );
  return rows
    .map((r) => r.version)
    .filter((v) => !killed.has(v))
    .sort(semver.rcompare);
}

/** Versions on the shelf (not killed), newest first: what may be newly installed or upgraded to. */
export const shelfVersions = (m: Market, pluginId: string) => versionsIn(m, pluginId, ['on_shelf']);

/** Versions that passed review (on or off the shelf, not killed), newest first: what may be rolled back to. */
export const reviewedVersions = (m: Market, pluginId: string) =>
  versionsIn(m, pluginId, ['approved', 'on_shelf', 'off_shelf']);

async function assertOnShelf(m: Market, pluginId: string, version: string) {
  const shelf = await shelfVersions(m, pluginId);
  if (!shelf.includes(version))
    throw conflict(
      `${pluginId} 的 ${version} 版本不在架上，不能安装`,
      `${pluginId}@${version} is not on the shelf; it cannot be installed`,
    );
}

/**
 * Installs an app from the shelf into one or many communities at once (all or none), at the given version or the
 * newest on the shelf, with the operator's grants.
 */
export async function installFromShelf(
  m: Market,
  actor: MarketActor,
  input: { pluginId: string; version?: string; communityIds: string[]; grants?: PluginGrants; enable?: boolean },
) {
  const shelf = await shelfVersions(m, input.pluginId);
  if (shelf.length === 0) throw notFound(`应用 ${input.pluginId} 不在架上`, `${input.pluginId} is not on the shelf`);
  const version = input.version ?? shelf[0];
  await assertOnShelf(m, input.pluginId, version);
  return installPluginMany(hostOf(m), input.communityIds, input.pluginId, version, actor, {
    grants: input.grants,
    enable: input.enable,
  });
}

async function pinOf(m: Market, communityId: string, pluginId: string) {
  const [row] = await withScope(m.database.db, { kind: 'communities', ids: [communityId] }, (tx) =>
    tx
      .select()
      .from(marketInstallPrefs)
      .where(and(eq(marketInstallPrefs.communityId, communityId), eq(marketInstallPrefs.pluginId, pluginId))),
  );
  return row?.pinnedVersion ?? null;
}

/** Upgrades a community's install to a version on the shelf (not while pinned); a permission escalation needs grants. */
export async function upgradeFromShelf(
  m: Market,
  actor: MarketActor,
  input: { communityId: string; pluginId: string; version: string; grants?: PluginGrants; dryRun?: boolean },
) {
  await assertOnShelf(m, input.pluginId, input.version);
  const pinned = await pinOf(m, input.communityId, input.pluginId);
  if (pinned && pinned !== input.version)
    throw conflict(
      `本社区已将该应用固定在 ${pinned} 版本，请先取消固定`,
      `The community pinned this app at ${pinned}; unpin it first`,
    );
  return upgradePlugin(hostOf(m), input.communityId, input.pluginId, input.version, actor, input);
}

/**
 * Rolls a community's install back to one of the last five reviewed versions below the current one (off the shelf
 * or not, never a killed one): records are checked against the older schema first and nothing changes if any fails.
 */
export async function rollback(
  m: Market,
  actor: MarketActor,
  input: { communityId: string; pluginId: string; version: string; dryRun?: boolean },
) {
  const host = hostOf(m);
  const install = await host.install(input.communityId, input.pluginId);
  if (!install || install.state === 'uninstalled')
    throw notFound('本社区没有安装该应用', `${input.pluginId} is not installed in this community`);
  const candidates = (await reviewedVersions(m, input.pluginId))
    .filter((v) => semver.lt(v, install.version))
    .slice(0, rollbackDepth);
  if (!candidates.includes(input.version))
    throw invalid(
      `只能回退到最近 ${rollbackDepth} 个已审核的旧版本：${candidates.join('、') || '无'}`,
      `A rollback goes to one of the last ${rollbackDepth} reviewed older versions: ${candidates.join(', ') || 'none'}`,
    );
  host.forget(input.communityId, input.pluginId);
  const report = await upgradePlugin(host, input.communityId, input.pluginId, input.version, actor, {
    rollback: true,
    dryRun: input.dryRun,
  });
  if (!input.dryRun) await leaveRollout(m, input.communityId, input.pluginId);
  return report;
}

/** Pins (or with `null` unpins) a community's install at a version: upgrades leave it alone until unpinned. */
export async function pin(
  m: Market,
  actor: MarketActor,
  communityId: string,
  pluginId: string,
  version: string | null,
) {
  if (version !== null) {
    const install = await hostOf(m).install(communityId, pluginId);
    if (!install || install.state === 'uninstalled')
      throw notFound('本社区没有安装该应用', `${pluginId} is not installed in this community`);
    if (install.version !== version)
      throw invalid(
        `只能固定在当前运行的版本（${install.version}）`,
        `An install is pinned at the version it runs (${install.version}), not ${version}`,
      );
  }
  await withScope(m.database.db, { kind: 'communities', ids: [communityId] }, async (tx) => {
    if (version === null) {
      await tx
        .delete(marketInstallPrefs)
        .where(and(eq(marketInstallPrefs.communityId, communityId), eq(marketInstallPrefs.pluginId, pluginId)));
    } else {
      await tx
        .insert(marketInstallPrefs)
        .values({ communityId, pluginId, pinnedVersion: version, updatedBy: actor.subject })
        .onConflictDoUpdate({
          target: [marketInstallPrefs.communityId, marketInstallPrefs.pluginId],
          set: { pinnedVersion: version, updatedBy: actor.subject, updatedAt: new Date() },
        });
    }
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role ?? null,
      action: version ? 'market.pinned' : 'market.unpinned',
      objectType: 'plugin',
      objectId: pluginId,
      communityId,
      result: 'success',
      sourceIp: actor.ip ?? null,
      requestId: actor.requestId ?? null,
      detail: { version },
    });
  });
  return { pluginId, pinnedVersion: version };
}

/** A community's installs with what the marketplace knows: pin, newest on the shelf, rollback choices. */
export async function communityInstalls(m: Market, communityId: string) {
  const installs = await listInstalls(hostOf(m), communityId);
  const prefs = await withScope(m.database.db, { kind: 'communities', ids: [communityId] }, (tx) =>
    tx.select().from(marketInstallPrefs).where(eq(marketInstallPrefs.communityId, communityId)),
  );
  const out = [];
  for (const i of installs.filter((x) => x.state !== 'uninstalled')) {
    const shelf = await shelfVersions(m, i.pluginId);
    const reviewed = await reviewedVersions(m, i.pluginId);
    out.push({
      ...i,
      pinnedVersion: prefs.find((p) => p.pluginId === i.pluginId)?.pinnedVersion ?? null,
      latest: shelf[0] ?? null,
      upgradeTo: shelf.filter((v) => semver.gt(v, i.version)),
      rollbackTo: reviewed.filter((v) => semver.lt(v, i.version)).slice(0, rollbackDepth),
    });
  }
  return out;
}
