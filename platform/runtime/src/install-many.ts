import { enqueue } from '@shequ/bus';
import { AppError, appendAudit } from '@shequ/core';
import { type PluginGrants, pluginInstalls, withScope } from '@shequ/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PluginHost } from './host/plugin-host.ts';
import { assertNotKilled } from './killed.ts';
import { type Actor, type InstallOptions, requestedGrants } from './lifecycle.ts';

/**
 * Installs one stored version into many communities in one transaction: every community gets it or none does.
 * Communities where the app is already installed are refused up front, named. Each install is audited and announced
 * (`shequ.plugins.installed`) like a single install.
 */
export async function installPluginMany(
  host: PluginHost,
  communityIds: readonly string[],
  pluginId: string,
  version: string,
  actor: Actor,
  opts: InstallOptions = {},
) {
  const ids = [...new Set(communityIds)];
  if (ids.length === 0)
    throw new AppError('INVALID_INPUT', { zh: '请至少选择一个社区', en: 'Choose at least one community' });
  const pkg = await host.package(pluginId, version);
  if (!pkg) throw new AppError('NOT_FOUND', { zh: '应用版本不存在', en: `No package ${pluginId}@${version}` });
  const grants: PluginGrants = opts.grants ?? requestedGrants(pkg.manifest);
  const asked = requestedGrants(pkg.manifest);
  const extra = [
    ...Object.entries(grants.services).flatMap(([s, a]) =>
      a.filter((x) => !asked.services[s]?.includes(x)).map((x) => `${s}.${x}`),
    ),
    ...grants.data.filter((d) => !asked.data.includes(d)),
    ...grants.hosts.filter((h) => !asked.hosts.includes(h)),
  ];
  if (extra.length)
    throw new AppError('INVALID_INPUT', {
      zh: '授权超出了应用申请的范围',
      en: `Grants beyond what the app asks for: ${extra.join(', ')}`,
    });
  const state = opts.enable === false ? 'disabled' : 'enabled';
  const settings = opts.settings ?? {};
  const now = new Date();
  await withScope(host.database.db, { kind: 'communities', ids }, async (tx) => {
    await assertNotKilled(tx, pluginId, version);
    const rows = await tx
      .select({ id: pluginInstalls.id, communityId: pluginInstalls.communityId, state: pluginInstalls.state })
      .from(pluginInstalls)
      .where(and(eq(pluginInstalls.pluginId, pluginId), inArray(pluginInstalls.communityId, ids)))
      .for('update');
    const live = rows.filter((r) => r.state !== 'uninstalled');
    if (live.length) {
      const list = live.map((r) => r.communityId).join(', ');
      throw new AppError('CONFLICT', {
        zh: `该应用已安装在 ${live.length} 个所选社区中，未做任何更改`,
        en: `${pluginId} is already installed in ${live.length} of the chosen communities (${list}); nothing was changed`,
      });
    }
    const values = {
      version,
      state,
      grants,
      settings,
      installedBy: actor.subject,
      updatedAt: now,
      uninstalledAt: null,
      purgeAfter: null,
    } as const;
    const again = rows.map((r) => r.id);
    if (again.length)
      await tx
        .update(pluginInstalls)
        .set({ ...values, revision: sql`${pluginInstalls.revision} + 1` })
        .where(inArray(pluginInstalls.id, again));
    const known = new Set(rows.map((r) => r.communityId));
    const fresh = ids.filter((c) => !known.has(c));
    for (let i = 0; i < fresh.length; i += 500)
      await tx
        .insert(pluginInstalls)
        .values(fresh.slice(i, i + 500).map((communityId) => ({ communityId, pluginId, ...values })));
    await appendAudit(
      tx,
      ids.map((communityId) => ({
        subject: actor.subject,
        subjectRole: actor.role ?? null,
        action: 'plugin.installed',
        objectType: 'plugin',
        objectId: pluginId,
        communityId,
        result: 'success' as const,
        sourceIp: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        detail: { version, grants, state },
      })),
    );
    await enqueue(
      tx,
      ids.map((communityId) => ({
        subject: 'shequ.plugins.installed',
        communityId,
        data: { pluginId, version, grants, state },
      })),
    );
  });
  for (const c of ids) host.forget(c, pluginId);
  return { pluginId, version, state, communities: ids.length };
}
