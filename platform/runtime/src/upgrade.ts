import { AppError } from '@shequ/core';
import { type Executor, type PluginGrants, pluginInstalls, pluginRecords, withScope } from '@shequ/db';
import { compileAuthorSchema, type PluginManifest } from '@shequ/schemas';
import { and, asc, eq, sql } from 'drizzle-orm';
import semver from 'semver';
import type { PluginHost, PluginPackage } from './host/plugin-host.ts';
import { assertNotKilled } from './killed.ts';
import { type Actor, requestedGrants } from './lifecycle.ts';
import { appendLifecycle } from './lifecycle-events.ts';

export interface UpgradeReport {
  from: string;
  to: string;
  dryRun: boolean;
  checked: number;
  migrated: number;
  failures: { collection: string; id: string; error: string }[];
  /** Permissions the new version asks for that the community has not granted. */
  escalation: string[];
}

class DryRunDone extends Error {}

/** What the new version asks for that the old one did not and the community has not granted: needs a new grant. */
export function escalationOf(
  next: PluginManifest,
  previous: PluginManifest | undefined,
  granted: PluginGrants,
): string[] {
  const flat = (g: PluginGrants) => [
    ...Object.entries(g.services).flatMap(([s, actions]) => actions.map((a) => `${s}.${a}`)),
    ...g.data,
    ...g.hosts,
  ];
  const before = new Set([...(previous ? flat(requestedGrants(previous)) : []), ...flat(granted)]);
  return flat(requestedGrants(next)).filter((p) => !before.has(p));
}

/** Keeps only the grants the new version still asks for. */
function narrow(next: PluginManifest, granted: PluginGrants): PluginGrants {
  const asked = requestedGrants(next);
  return {
    services: Object.fromEntries(
      Object.entries(granted.services)
        .map(([s, actions]) => [s, actions.filter((a) => asked.services[s]?.includes(a))] as const)
        .filter(([, a]) => a.length > 0),
    ),
    data: granted.data.filter((d) => asked.data.includes(d)),
    hosts: granted.hosts.filter((h) => asked.hosts.includes(h)),
  };
}

/** Adds the new permissions the operator granted (named as `service.action`, a data scope or a host). */
function withNew(base: PluginGrants, next: PluginManifest, granted: string[]): PluginGrants {
  const asked = requestedGrants(next);
  const yes = new Set(granted);
  const services: Record<string, string[]> = { ...base.services };
  for (const [s, actions] of Object.entries(asked.services)) {
    const add = actions.filter((a) => yes.has(`${s}.${a}`) && !(services[s] ?? []).includes(a));
    if (add.length) services[s] = [...(services[s] ?? []), ...add];
  }
  return {
    services,
    data: [...new Set([...base.data, ...asked.data.filter((d) => yes.has(d))])],
    hosts: [...new Set([...base.hosts, ...asked.hosts.filter((h) => yes.has(h))])],
  };
}

async function migrateRecords(
  host: PluginHost,
  tx: Executor,
  communityId: string,
  pkg: PluginPackage,
  report: UpgradeReport,
) {
  const m = pkg.manifest;
  for (const [collection, spec] of Object.entries(m.collections ?? {})) {
    const validate = compileAuthorSchema(spec.schema);
    const steps = (m.migrations ?? []).filter((x) => x.collection === collection);
    const rows = await tx
      .select()
      .from(pluginRecords)
      .where(
        and(
          eq(pluginRecords.communityId, communityId),
          eq(pluginRecords.pluginId, m.id),
          eq(pluginRecords.collection, collection),
        ),
      )
      .orderBy(asc(pluginRecords.createdAt));
    for (const row of rows) {
      report.checked++;
      let data: unknown = row.data;
      let changed = false;
      try {
        for (const step of steps) {
          if (!semver.satisfies(row.writtenBy, step.from, { includePrerelease: true })) continue;
          const out = await host.pool.invoke({
            key: `${m.id}@${m.version}`,
            code: () => pkg.bundle,
            context: communityId,
            handler: step.handler,
            input: { collection, record: data, from: row.writtenBy },
            meta: {
              community: { id: communityId },
              plugin: { id: m.id, version: m.version },
              user: null,
              settings: {},
            },
            bridge: async () => {
              throw new AppError('FORBIDDEN', {
                zh: '迁移中不能调用平台能力',
                en: 'Migrations may not use the bridge',
              });
            },
          });
          if (!out.ok) throw new Error(`${step.handler}: ${out.error.message}`);
          if (typeof out.value !== 'object' || out.value === null || Array.isArray(out.value)) {
            throw new Error(`${step.handler} did not return a record object`);
          }
          data = out.value;
          changed = true;
        }
        if (!validate(data)) {
          throw new Error(
            `does not match the ${m.version} schema: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
          );
        }
      } catch (err) {
        report.failures.push({ collection, id: row.id, error: (err as Error).message });
        continue;
      }
      if (changed) {
        report.migrated++;
        await tx
          .update(pluginRecords)
          .set({
            data: data as Record<string, unknown>,
            writtenBy: m.version,
            updatedAt: new Date(),
            revision: sql`${pluginRecords.revision} + 1`,
          })
          .where(eq(pluginRecords.id, row.id));
      }
    }
  }
}

/**
 * Upgrades a community's install to a newer stored version: carries the grants over (new permissions need an
 * explicit grant), runs the declared collection migrations in the sandbox and checks every record against the new
 * schemas — all in one transaction, so a failure or a dry run leaves nothing changed.
 */
export async function upgradePlugin(
  host: PluginHost,
  communityId: string,
  pluginId: string,
  toVersion: string,
  actor: Actor,
  opts: {
    dryRun?: boolean;
    grants?: PluginGrants;
    rollback?: boolean;
    /**
     * The operator's answer to the escalation: which of the new permissions (as the report names them) to grant.
     * The grants the new version still asks for carry over; new ones not listed stay ungranted.
     */
    grantNew?: string[];
  } = {},
): Promise<UpgradeReport> {
  const pkg = await host.package(pluginId, toVersion);
  if (!pkg) throw new AppError('NOT_FOUND', { zh: '应用版本不存在', en: `No package ${pluginId}@${toVersion}` });
  let report: UpgradeReport | undefined;
  try {
    await withScope(host.database.db, { kind: 'communities', ids: [communityId] }, async (tx) => {
      const [row] = await tx
        .select()
        .from(pluginInstalls)
        .where(and(eq(pluginInstalls.communityId, communityId), eq(pluginInstalls.pluginId, pluginId)))
        .for('update');
      if (!row || row.state === 'uninstalled') {
        throw new AppError('NOT_FOUND', {
          zh: '本社区没有安装该应用',
          en: `The app ${pluginId} is not installed in this community`,
        });
      }
      if (opts.rollback ? !semver.lt(toVersion, row.version) : !semver.gt(toVersion, row.version)) {
        throw new AppError('INVALID_INPUT', {
          zh: opts.rollback
            ? `只能回退到更低的版本（当前 ${row.version}）`
            : `只能升级到更高的版本（当前 ${row.version}）`,
          en: opts.rollback
            ? `A rollback goes to an older version; ${pluginId} is at ${row.version}`
            : `An upgrade goes to a newer version; ${pluginId} is at ${row.version}`,
        });
      }
      await assertNotKilled(tx, pluginId, toVersion);
      const previous = await host.package(pluginId, row.version);
      const escalation = escalationOf(pkg.manifest, previous?.manifest, row.grants);
      report = {
        from: row.version,
        to: toVersion,
        dryRun: !!opts.dryRun,
        checked: 0,
        migrated: 0,
        failures: [],
        escalation,
      };
      if (opts.grantNew) {
        const unknown = opts.grantNew.filter((p) => !escalation.includes(p));
        if (unknown.length) {
          throw new AppError('INVALID_INPUT', {
            zh: `这些不是新版本新增的权限：${unknown.join('、')}`,
            en: `Not new permissions of this version: ${unknown.join(', ')}`,
          });
        }
      }
      const grants =
        opts.grants ??
        (opts.grantNew
          ? withNew(narrow(pkg.manifest, row.grants), pkg.manifest, opts.grantNew)
          : narrow(pkg.manifest, row.grants));
      if (!opts.dryRun && !opts.grants && !opts.grantNew && escalation.length) {
        throw new AppError('CONFLICT', {
          zh: `新版本申请了新的权限，需要重新授权：${escalation.join('、')}`,
          en: `The new version asks for new permissions that need a grant: ${escalation.join(', ')}`,
        });
      }
      await migrateRecords(host, tx, communityId, pkg, report);
      if (opts.dryRun) throw new DryRunDone();
      if (report.failures.length) {
        throw new AppError('INVALID_INPUT', {
          zh: `有 ${report.failures.length} 条记录无法迁移，未做任何更改`,
          en: `${report.failures.length} record(s) could not be migrated; nothing was changed`,
          fieldErrors: Object.fromEntries(report.failures.map((f) => [`${f.collection}/${f.id}`, [f.error]])),
        });
      }
      await tx
        .update(pluginInstalls)
        .set({ version: toVersion, grants, updatedAt: new Date(), revision: sql`${pluginInstalls.revision} + 1` })
        .where(eq(pluginInstalls.id, row.id));
      await appendLifecycle(tx, opts.rollback ? 'rolled-back' : 'upgraded', communityId, pluginId, toVersion, actor, {
        from: row.version,
        migrated: report.migrated,
      });
    });
  } catch (err) {
    if (!(err instanceof DryRunDone)) throw err;
  } finally {
    host.forget(communityId, pluginId);
  }
  return report as UpgradeReport;
}
