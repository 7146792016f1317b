import { marketRolloutCommunities, marketRollouts, type RolloutCommunityState, withScope } from '@shequ/db';
import { escalationOf } from '@shequ/runtime';
import semver from 'semver';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound, pgCode } from './context.ts';
import { shelfVersions } from './installs.ts';
import { audit, installsOf, pinnedNote, type Rollout, rolloutById, runStage, type Within } from './rollout.ts';

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
