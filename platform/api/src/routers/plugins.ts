import { AppError, hasPermission } from '@shequ/core';
import { permissionList } from '@shequ/marketplace';
import {
  installPlugin,
  listInstalls,
  listPackages,
  type PluginHost,
  registerPackage,
  setPluginEnabled,
  uninstallPlugin,
  updatePluginSettings,
  upgradePlugin,
} from '@shequ/runtime';
import type { Page } from '@shequ/schemas';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, permitted, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const pluginId = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/)
  .max(64);
const version = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/)
  .max(64);
const grants = z
  .object({
    services: z.record(z.string(), z.array(z.string().max(64)).max(32)),
    data: z.array(z.string().max(64)).max(32),
    hosts: z.array(z.string().max(255)).max(16),
  })
  .strict();
const target = community.extend({ pluginId });

function hostOf(ctx: Pick<Context, 'plugins'>): PluginHost {
  if (!ctx.plugins) {
    throw new AppError('UNAVAILABLE', {
      zh: '应用运行环境未启动',
      en: 'The app runtime is not running in this process',
    });
  }
  return ctx.plugins;
}

type Audience = Page['audience'];

/** Which side of an app the caller sees in a community: operators (console roles) or residents. */
function audienceOf(ctx: { principal: NonNullable<Context['principal']> }, path: string): Audience | null {
  if (hasPermission(ctx.principal.grants, 'apps.operate', path)) return 'operator';
  if (hasPermission(ctx.principal.grants, 'apps.use', path)) return 'resident';
  return null;
}

async function useCommunity(ctx: Parameters<typeof communityFor>[0], code: string, want: Audience) {
  const c = await communityFor(ctx, code, 'apps.use');
  const audience = audienceOf(ctx, c.path);
  if (want === 'operator' && audience !== 'operator') {
    throw new AppError('FORBIDDEN', {
      zh: '只有社区工作人员可以使用应用的管理页面',
      en: 'Only community staff may use the app console pages',
    });
  }
  return c;
}

const pagesFor = (pages: Record<string, Page> | undefined, audience: Audience) =>
  Object.fromEntries(Object.entries(pages ?? {}).filter(([, p]) => p.audience === audience));

export const pluginsRouter = router({
  /** Packages held by this instance (latest version of each), with their permissions in plain language. */
  packages: permitted('plugins.manage').query(async ({ ctx }) => {
    const list = await listPackages(hostOf(ctx));
    return list.map((p) => ({ ...p, permissionList: permissionList(p.manifest) }));
  }),
  register: permitted('plugins.publish')
    .input(
      z.object({
        manifest: z.record(z.string(), z.unknown()),
        bundle: z
          .string()
          .min(1)
          .max(5 * 1024 * 1024),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const pkg = await registerPackage(hostOf(ctx), input.manifest, input.bundle);
      return { pluginId: pkg.pluginId, version: pkg.version };
    }),
  installed: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'plugins.read');
    const [installs, packages] = await Promise.all([listInstalls(hostOf(ctx), c.id), listPackages(hostOf(ctx))]);
    // The newest stored version beside each install: the console offers an upgrade when it is newer.
    const latest = new Map(packages.map((p) => [p.pluginId, p.version]));
    return installs.map((i) => ({ ...i, latestVersion: latest.get(i.pluginId) ?? i.version }));
  }),
  install: authedProcedure
    .input(
      target.extend({
        version,
        grants: grants.optional(),
        settings: z.record(z.string(), z.unknown()).optional(),
        enable: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'plugins.manage');
      return installPlugin(hostOf(ctx), c.id, input.pluginId, input.version, actorOf(ctx), input);
    }),
  setEnabled: authedProcedure.input(target.extend({ enabled: z.boolean() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'plugins.manage');
    return setPluginEnabled(hostOf(ctx), c.id, input.pluginId, input.enabled, actorOf(ctx));
  }),
  uninstall: authedProcedure.input(target).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'plugins.manage');
    return uninstallPlugin(hostOf(ctx), c.id, input.pluginId, actorOf(ctx));
  }),
  settings: authedProcedure
    .input(target.extend({ settings: z.record(z.string(), z.unknown()) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'plugins.manage');
      return updatePluginSettings(hostOf(ctx), c.id, input.pluginId, input.settings, actorOf(ctx));
    }),
  upgrade: authedProcedure
    .input(
      target.extend({
        version,
        dryRun: z.boolean().optional(),
        grants: grants.optional(),
        grantNew: z.array(z.string().min(1).max(300)).max(100).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'plugins.manage');
      return upgradePlugin(hostOf(ctx), c.id, input.pluginId, input.version, actorOf(ctx), input);
    }),
  /** The enabled apps of a community for the caller's side (resident portal or console), grouped by scenario. */
  apps: authedProcedure
    .input(community.extend({ audience: z.enum(['resident', 'operator']) }))
    .query(async ({ ctx, input }) => {
      const c = await useCommunity(ctx, input.community, input.audience);
      const installs = await listInstalls(hostOf(ctx), c.id);
      const out = [];
      for (const i of installs.filter((x) => x.state === 'enabled')) {
        const pkg = await hostOf(ctx).package(i.pluginId, i.version);
        const pages = pagesFor(pkg?.manifest.pages, input.audience);
        const home = Object.entries(pages).find(([, p]) => p.menu)?.[0] ?? Object.keys(pages)[0];
        if (home)
          out.push({
            pluginId: i.pluginId,
            version: i.version,
            name: i.name,
            description: i.description,
            scenario: i.scenario,
            icon: i.icon,
            home,
          });
      }
      return out;
    }),
  /** One app's pages for the caller's side: what the host renders. */
  app: authedProcedure
    .input(target.extend({ audience: z.enum(['resident', 'operator']) }))
    .query(async ({ ctx, input }) => {
      const c = await useCommunity(ctx, input.community, input.audience);
      const host = hostOf(ctx);
      const install = await host.install(c.id, input.pluginId);
      if (!install || install.state !== 'enabled') {
        throw new AppError('NOT_FOUND', {
          zh: '本社区没有启用该应用',
          en: `The app ${input.pluginId} is not enabled in this community`,
        });
      }
      const pkg = await host.package(install.pluginId, install.version);
      if (!pkg) throw new AppError('NOT_FOUND', { zh: '应用安装包缺失', en: 'The installed package is missing' });
      const m = pkg.manifest;
      return {
        pluginId: m.id,
        version: m.version,
        name: m.name,
        description: m.description,
        scenario: m.scenario,
        icon: m.icon ?? null,
        pages: pagesFor(m.pages, input.audience),
        i18n: m.i18n ?? {},
      };
    }),
  /** Calls one handler of an enabled app on behalf of the signed-in user. */
  invoke: authedProcedure
    .input(target.extend({ handler: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,63}$/), input: z.unknown() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'apps.use');
      const role = audienceOf(ctx, c.path);
      if (!role)
        throw new AppError('FORBIDDEN', {
          zh: '您不能使用本社区的应用',
          en: 'You may not use the apps of this community',
        });
      return hostOf(ctx).invoke({
        community: { id: c.id, code: c.code },
        pluginId: input.pluginId,
        handler: input.handler,
        input: input.input ?? {},
        user: { id: ctx.principal.userId, role },
        via: 'page',
        locale: ctx.principal.locale,
      });
    }),
});
