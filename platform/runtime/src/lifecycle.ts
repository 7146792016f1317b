import { createHash } from 'node:crypto';
import { AppError } from '@shequ/core';
import { type Executor, type PluginGrants, pluginInstalls, pluginPackages, pluginRecords, withScope } from '@shequ/db';
import { checkManifest, compileAuthorSchema, fieldErrors, formatProblem, type PluginManifest } from '@shequ/schemas';
import { and, asc, eq, lt, sql } from 'drizzle-orm';
import semver from 'semver';
import type { InstallRow, PluginHost, PluginPackage } from './host/plugin-host.ts';
import { assertNotKilled } from './killed.ts';
import { appendLifecycle } from './lifecycle-events.ts';
import { cronProblem } from './triggers.ts';

export type { Actor } from './lifecycle-events.ts';

import type { Actor } from './lifecycle-events.ts';

/** Days an uninstalled app's data is kept before the purge job deletes it. */
export const retentionDays = 30;

const sdkVersion = '0.1.0';

const invalid = (zh: string, en: string, fields?: Record<string, string[]>) =>
  new AppError('INVALID_INPUT', { zh, en, fieldErrors: fields });

/** Checks a package before it is stored: a valid manifest, an SDK range we satisfy, and a bundle exporting every handler. */
export async function checkPackage(host: PluginHost, manifest: unknown, bundle: string, file = 'shequ.plugin.json') {
  const problems = checkManifest(manifest, file);
  if (problems.length) {
    throw invalid(
      '应用清单有误',
      `The manifest has ${problems.length} problem(s): ${problems.map(formatProblem).join('; ')}`,
      {
        [file]: problems.map(formatProblem),
      },
    );
  }
  const m = manifest as PluginManifest;
  const cronErrors = (m.jobs ?? []).flatMap((j, i) => {
    const why = cronProblem(j.cron);
    return why ? [`${file}#/jobs/${i}/cron: "${j.cron}" is not a cron expression (${why})`] : [];
  });
  if (cronErrors.length) throw invalid('定时任务的时间表达式有误', cronErrors.join('; '), { [file]: cronErrors });
  if (!semver.satisfies(sdkVersion, m.sdk)) {
    throw invalid('应用所需的 SDK 版本与平台不符', `The app needs SDK ${m.sdk}; this platform provides ${sdkVersion}`);
  }
  let exported: string[];
  try {
    exported = await host.pool.handlers(`${m.id}@${m.version}#check`, bundle);
  } catch (err) {
    throw invalid('应用代码无法加载', `The bundle does not load: ${(err as Error).message}`);
  } finally {
    host.pool.unload(`${m.id}@${m.version}#check`);
  }
  const missing = Object.keys(m.handlers).filter((h) => !exported.includes(h));
  if (missing.length) {
    throw invalid(
      '应用代码缺少清单中声明的处理函数',
      `The bundle does not export the handler(s) ${missing.join(', ')} declared in ${file}#/handlers`,
    );
  }
  return m;
}

/** Stores a checked package version. A version is immutable: the same bytes again is a no-op, different bytes a conflict. */
export async function registerPackage(
  host: PluginHost,
  manifest: unknown,
  bundle: string,
  source = 'local',
): Promise<PluginPackage> {
  const m = await checkPackage(host, manifest, bundle);
  const sha = createHash('sha256').update(bundle).update(JSON.stringify(m)).digest('hex');
  const db = host.database.db;
  const [existing] = await db
    .select({ sha: pluginPackages.bundleSha256 })
    .from(pluginPackages)
    .where(and(eq(pluginPackages.pluginId, m.id), eq(pluginPackages.version, m.version)));
  if (existing && existing.sha !== sha) {
    throw new AppError('CONFLICT', {
      zh: `应用 ${m.id} 的 ${m.version} 版本已存在且内容不同；请提高版本号`,
      en: `${m.id}@${m.version} already exists with different content; versions are immutable, bump the version`,
    });
  }
  if (!existing) {
    await db
      .insert(pluginPackages)
      .values({ pluginId: m.id, version: m.version, manifest: m, bundle, bundleSha256: sha, source });
  }
  return { pluginId: m.id, version: m.version, manifest: m, bundle };
}

/** What the manifest asks for, as grants: the default when an operator accepts everything. */
export function requestedGrants(m: PluginManifest): PluginGrants {
  return {
    services: structuredClone(m.permissions?.services ?? {}),
    data: [...(m.permissions?.data ?? [])],
    hosts: [...(m.http?.hosts ?? [])],
  };
}

/** Grants must be a subset of what the manifest asks for. */
function checkGrants(m: PluginManifest, g: PluginGrants) {
  const asked = requestedGrants(m);
  const extra: string[] = [];
  for (const [s, actions] of Object.entries(g.services))
    for (const a of actions) if (!asked.services[s]?.includes(a)) extra.push(`${s}.${a}`);
  for (const d of g.data) if (!asked.data.includes(d)) extra.push(d);
  for (const h of g.hosts) if (!asked.hosts.includes(h)) extra.push(h);
  if (extra.length)
    throw invalid('授权超出了应用申请的范围', `Grants beyond what the app asks for: ${extra.join(', ')}`);
}

function checkSettings(m: PluginManifest, settings: Record<string, unknown>) {
  if (!m.settings) return;
  const v = compileAuthorSchema(m.settings);
  if (!v(settings))
    throw invalid('应用设置有误', 'The settings do not match the app settings schema', fieldErrors(v.errors));
}

const scoped = <T>(host: PluginHost, communityId: string, fn: (tx: Executor) => Promise<T>) =>
  withScope(host.database.db, { kind: 'communities', ids: [communityId] }, fn);

async function current(tx: Executor, communityId: string, pluginId: string) {
  const [row] = await tx
    .select()
    .from(pluginInstalls)
    .where(and(eq(pluginInstalls.communityId, communityId), eq(pluginInstalls.pluginId, pluginId)))
    .for('update');
  return row as (InstallRow & { id: string }) | undefined;
}

const notInstalled = (pluginId: string) =>
  new AppError('NOT_FOUND', {
    zh: '本社区没有安装该应用',
    en: `The app ${pluginId} is not installed in this community`,
  });

export interface InstallOptions {
  grants?: PluginGrants;
  settings?: Record<string, unknown>;
  enable?: boolean;
}

/** Installs a stored version into a community with the operator's grants; a reinstall within the grace period keeps the data. */
export async function installPlugin(
  host: PluginHost,
  communityId: string,
  pluginId: string,
  version: string,
  actor: Actor,
  opts: InstallOptions = {},
) {
  const pkg = await host.package(pluginId, version);
  if (!pkg) throw new AppError('NOT_FOUND', { zh: '应用版本不存在', en: `No package ${pluginId}@${version}` });
  const grants = opts.grants ?? requestedGrants(pkg.manifest);
  checkGrants(pkg.manifest, grants);
  const settings = opts.settings ?? {};
  checkSettings(pkg.manifest, settings);
  const state = opts.enable === false ? 'disabled' : 'enabled';
  await scoped(host, communityId, async (tx) => {
    await assertNotKilled(tx, pluginId, version);
    const row = await current(tx, communityId, pluginId);
    if (row && row.state !== 'uninstalled') {
      throw new AppError('CONFLICT', {
        zh: '该应用已安装在本社区',
        en: `${pluginId} is already installed in this community`,
      });
    }
    const values = {
      version,
      state,
      grants,
      settings,
      installedBy: actor.subject,
      updatedAt: new Date(),
      uninstalledAt: null,
      purgeAfter: null,
    } as const;
    if (row)
      await tx
        .update(pluginInstalls)
        .set({ ...values, revision: sql`${pluginInstalls.revision} + 1` })
        .where(eq(pluginInstalls.id, row.id));
    else await tx.insert(pluginInstalls).values({ communityId, pluginId, ...values });
    await appendLifecycle(tx, 'installed', communityId, pluginId, version, actor, { grants, state });
  });
  host.forget(communityId, pluginId);
  return { pluginId, version, state };
}

/** 启停: enables or disables an installed app in one community. */
export async function setPluginEnabled(
  host: PluginHost,
  communityId: string,
  pluginId: string,
  enabled: boolean,
  actor: Actor,
) {
  const state = enabled ? 'enabled' : 'disabled';
  await scoped(host, communityId, async (tx) => {
    const row = await current(tx, communityId, pluginId);
    if (!row || row.state === 'uninstalled') throw notInstalled(pluginId);
    if (row.state === state) return;
    if (enabled) await assertNotKilled(tx, pluginId, row.version);
    await tx
      .update(pluginInstalls)
      .set({ state, updatedAt: new Date(), revision: sql`${pluginInstalls.revision} + 1` })
      .where(eq(pluginInstalls.id, row.id));
    await appendLifecycle(tx, state, communityId, pluginId, row.version, actor);
  });
  host.forget(communityId, pluginId);
  return { pluginId, state };
}

/** 应用设置: changes an installed app's settings in one community, checked against the version's settings schema. */
export async function updatePluginSettings(
  host: PluginHost,
  communityId: string,
  pluginId: string,
  settings: Record<string, unknown>,
  actor: Actor,
) {
  await scoped(host, communityId, async (tx) => {
    const row = await current(tx, communityId, pluginId);
    if (!row || row.state === 'uninstalled') throw notInstalled(pluginId);
    const pkg = await host.package(pluginId, row.version);
    if (!pkg?.manifest.settings) {
      throw invalid('该应用没有可设置的项目', `${pluginId}@${row.version} declares no settings`, {});
    }
    checkSettings(pkg.manifest, settings);
    await tx
      .update(pluginInstalls)
      .set({ settings, updatedAt: new Date(), revision: sql`${pluginInstalls.revision} + 1` })
      .where(eq(pluginInstalls.id, row.id));
    await appendLifecycle(tx, 'settings-changed', communityId, pluginId, row.version, actor, {
      keys: Object.keys(settings).sort(),
    });
  });
  host.forget(communityId, pluginId);
  return { pluginId, settings };
}

/** Uninstalls: the app stops at once; its records stay for `retentionDays`, then the purge job deletes them. */
export async function uninstallPlugin(
  host: PluginHost,
  communityId: string,
  pluginId: string,
  actor: Actor,
  now = new Date(),
) {
  const purgeAfter = new Date(now.getTime() + retentionDays * 86_400_000);
  await scoped(host, communityId, async (tx) => {
    const row = await current(tx, communityId, pluginId);
    if (!row || row.state === 'uninstalled') throw notInstalled(pluginId);
    await tx
      .update(pluginInstalls)
      .set({
        state: 'uninstalled',
        uninstalledAt: now,
        purgeAfter,
        updatedAt: now,
        revision: sql`${pluginInstalls.revision} + 1`,
      })
      .where(eq(pluginInstalls.id, row.id));
    await appendLifecycle(tx, 'uninstalled', communityId, pluginId, row.version, actor, {
      purgeAfter: purgeAfter.toISOString(),
    });
  });
  host.forget(communityId, pluginId);
  return { pluginId, state: 'uninstalled' as const, purgeAfter: purgeAfter.toISOString() };
}

/** The purge job: deletes the records and install rows of apps uninstalled longer ago than the retention period. */
export async function purgeUninstalled(host: PluginHost, now = new Date()) {
  return withScope(host.database.db, { kind: 'all' }, async (tx) => {
    const due = await tx
      .select()
      .from(pluginInstalls)
      .where(and(eq(pluginInstalls.state, 'uninstalled'), lt(pluginInstalls.purgeAfter, now)));
    let records = 0;
    for (const row of due) {
      const gone = await tx
        .delete(pluginRecords)
        .where(and(eq(pluginRecords.communityId, row.communityId), eq(pluginRecords.pluginId, row.pluginId)))
        .returning({ id: pluginRecords.id });
      records += gone.length;
      await tx.delete(pluginInstalls).where(eq(pluginInstalls.id, row.id));
      await appendLifecycle(
        tx,
        'purged',
        row.communityId,
        row.pluginId,
        row.version,
        { subject: 'system:purge' },
        { records: gone.length },
      );
    }
    return { installs: due.length, records };
  });
}

/** Installs of a community (uninstalled ones included, with their purge date), oldest first. */
export async function listInstalls(host: PluginHost, communityId: string) {
  const rows = await scoped(host, communityId, (tx) =>
    tx
      .select()
      .from(pluginInstalls)
      .where(eq(pluginInstalls.communityId, communityId))
      .orderBy(asc(pluginInstalls.installedAt)),
  );
  return Promise.all(
    rows.map(async (r) => {
      const pkg = await host.package(r.pluginId, r.version);
      return {
        pluginId: r.pluginId,
        version: r.version,
        state: r.state,
        grants: r.grants,
        settings: r.settings,
        /** The installed version's settings schema (JSON Schema), when it has settings an operator may change. */
        settingsSchema: (pkg?.manifest.settings as Record<string, unknown> | undefined) ?? null,
        installedAt: r.installedAt.toISOString(),
        purgeAfter: r.purgeAfter?.toISOString() ?? null,
        name: pkg?.manifest.name ?? { zh: r.pluginId, en: r.pluginId },
        description: pkg?.manifest.description ?? null,
        scenario: pkg?.manifest.scenario ?? null,
        icon: pkg?.manifest.icon ?? null,
      };
    }),
  );
}

/** The newest stored version of every package, for the install screen. */
export async function listPackages(host: PluginHost) {
  const rows = await host.database.db
    .select({
      pluginId: pluginPackages.pluginId,
      version: pluginPackages.version,
      manifest: pluginPackages.manifest,
      source: pluginPackages.source,
    })
    .from(pluginPackages);
  const newest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const seen = newest.get(r.pluginId);
    if (!seen || semver.gt(r.version, seen.version)) newest.set(r.pluginId, r);
  }
  return [...newest.values()]
    .sort((a, b) => a.pluginId.localeCompare(b.pluginId))
    .map((r) => ({
      pluginId: r.pluginId,
      version: r.version,
      source: r.source,
      manifest: r.manifest as PluginManifest,
    }));
}
