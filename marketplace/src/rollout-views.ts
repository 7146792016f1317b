import { marketRollouts, pluginInstalls, pluginPackages, regions, withScope } from '@shequ/db';
import { escalationOf, readHandlerMetrics } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import semver from 'semver';
import { hostOf, type Market } from './context.ts';
import { reviewedVersions, rollbackDepth, shelfVersions } from './installs.ts';
import { installsOf, rolloutById, type Within } from './rollout.ts';

const hourMs = 3_600_000;

/** Apps installed somewhere in the operator's jurisdiction, with how many communities run each. */
export async function rolloutApps(m: Market, within: Within) {
  const rows = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select({ pluginId: pluginInstalls.pluginId, version: pluginInstalls.version, path: regions.path })
      .from(pluginInstalls)
      .innerJoin(regions, eq(regions.id, pluginInstalls.communityId))
      .where(ne(pluginInstalls.state, 'uninstalled')),
  );
  const apps = new Map<string, { pluginId: string; communities: number; versions: Set<string> }>();
  for (const r of rows.filter((x) => within(x.path))) {
    const a = apps.get(r.pluginId) ?? { pluginId: r.pluginId, communities: 0, versions: new Set<string>() };
    a.communities++;
    a.versions.add(r.version);
    apps.set(r.pluginId, a);
  }
  const host = hostOf(m);
  const out = [];
  for (const a of [...apps.values()].sort((x, y) => x.pluginId.localeCompare(y.pluginId))) {
    const newest = [...a.versions].sort(semver.rcompare)[0];
    const pkg = await host.package(a.pluginId, newest);
    out.push({
      pluginId: a.pluginId,
      name: pkg?.manifest.name ?? { zh: a.pluginId, en: a.pluginId },
      communities: a.communities,
      versions: [...a.versions].sort(semver.rcompare),
    });
  }
  return out;
}

/**
 * An app's handler metrics over the last `hours` hours, per community (in the operator's jurisdiction, or the ones
 * named) and version: calls, errors, error rate, average, p95, p99 and maximum latency (DB33 8.1.2).
 */
export async function appMetrics(
  m: Market,
  q: { pluginId: string; communityIds?: string[]; hours?: number; byHandler?: boolean },
  within: Within,
) {
  const installs = (await installsOf(m, q.pluginId)).filter((i) => within(i.path));
  const wanted = q.communityIds?.length ? q.communityIds : installs.map((i) => i.communityId);
  if (wanted.length === 0) return [];
  const allowed = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select({ id: regions.id, code: regions.code, name: regions.name, path: regions.path })
      .from(regions)
      .where(inArray(regions.id, wanted)),
  );
  const ids = allowed.filter((r) => within(r.path)).map((r) => r.id);
  if (ids.length === 0) return [];
  const since = new Date(Date.now() - (q.hours ?? 24) * hourMs);
  await m.host?.flushMetrics();
  const sums = await withScope(m.database.db, { kind: 'communities', ids }, (tx) =>
    readHandlerMetrics(tx, { pluginId: q.pluginId, communityIds: ids, since, byHandler: q.byHandler }),
  );
  const byId = new Map(allowed.map((r) => [r.id, r]));
  return sums
    .map((s) => ({ ...s, community: byId.get(s.communityId)?.code ?? s.communityId }))
    .sort((a, b) => a.community.localeCompare(b.community) || semver.rcompare(a.version, b.version));
}

/**
 * What the rollout screen shows for one app: the communities in the operator's jurisdiction and their versions
 * (pin, rollback choices), versions one may roll out to with the permissions each would add, the active rollout and
 * recent ones with the new version's error rate in each community.
 */
export async function rolloutOverview(m: Market, pluginId: string, within: Within) {
  const installs = (await installsOf(m, pluginId)).filter((i) => within(i.path));
  const shelf = await shelfVersions(m, pluginId);
  const reviewed = await reviewedVersions(m, pluginId);
  const host = hostOf(m);
  const counts = new Map<string, number>();
  for (const i of installs) counts.set(i.version, (counts.get(i.version) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const manifestOf = async (v: string) =>
    (await host.package(pluginId, v))?.manifest ??
    ((
      await m.database.db
        .select({ manifest: pluginPackages.manifest })
        .from(pluginPackages)
        .where(and(eq(pluginPackages.pluginId, pluginId), eq(pluginPackages.version, v)))
    )[0]?.manifest as PluginManifest | undefined);
  const fromManifest = common ? await manifestOf(common) : undefined;
  const candidates = [];
  for (const v of shelf.filter((x) => !common || semver.gt(x, common))) {
    const man = await manifestOf(v);
    candidates.push({
      version: v,
      escalation: man ? escalationOf(man, fromManifest, { services: {}, data: [], hosts: [] }) : [],
    });
  }
  const recent = await withScope(m.database.db, { kind: 'all' }, (tx) =>
    tx
      .select({ id: marketRollouts.id })
      .from(marketRollouts)
      .where(eq(marketRollouts.pluginId, pluginId))
      .orderBy(desc(marketRollouts.startedAt))
      .limit(5),
  );
  const rollouts = [];
  for (const { id } of recent) {
    const r = await rolloutById(m, id);
    if (r.communities.some((c) => !within(c.path))) continue;
    const metrics = await withScope(m.database.db, { kind: 'all' }, (tx) =>
      readHandlerMetrics(tx, {
        pluginId,
        communityIds: r.communities.map((c) => c.communityId),
        since: r.startedAt,
        version: r.toVersion,
      }),
    );
    rollouts.push({
      id: r.id,
      fromVersion: r.fromVersion,
      toVersion: r.toVersion,
      stage: r.stage,
      status: r.status,
      threshold: r.threshold,
      minCalls: r.minCalls,
      reason: r.reason,
      startedBy: r.startedBy,
      startedAt: r.startedAt.toISOString(),
      promotedAt: r.promotedAt?.toISOString() ?? null,
      endedAt: r.endedAt?.toISOString() ?? null,
      communities: r.communities
        .map((c) => {
          const s = metrics.find((x) => x.communityId === c.communityId);
          return {
            code: c.code,
            name: c.name,
            pilot: c.pilot,
            state: c.state,
            note: c.note,
            version: installs.find((i) => i.communityId === c.communityId)?.version ?? null,
            calls: s?.calls ?? 0,
            errors: s?.errors ?? 0,
            errorRate: s?.errorRate ?? 0,
          };
        })
        .sort((a, b) => Number(b.pilot) - Number(a.pilot) || a.code.localeCompare(b.code)),
    });
  }
  return {
    pluginId,
    communities: installs
      .map((i) => ({
        code: i.code,
        name: i.name,
        version: i.version,
        state: i.state,
        pinnedVersion: i.pinnedVersion,
        rollbackTo: reviewed.filter((v) => semver.lt(v, i.version)).slice(0, rollbackDepth),
      }))
      .sort((a, b) => a.code.localeCompare(b.code)),
    versions: [...counts.entries()]
      .map(([version, communities]) => ({ version, communities }))
      .sort((a, b) => semver.rcompare(a.version, b.version)),
    candidates,
    active: rollouts.find((r) => r.status === 'active') ?? null,
    rollouts,
  };
}
