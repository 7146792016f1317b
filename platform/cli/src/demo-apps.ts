import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Platform } from '@shequ/core';
import { pluginInstalls, regions, users } from '@shequ/db';
import { buildPlugin } from '@shequ/plugin-sdk/build';
import { installPlugin, type PluginHost, registerPackage, requestedGrants } from '@shequ/runtime';
import { and, eq } from 'drizzle-orm';

/** Example apps the demo community runs, built from their folders at start. */
const examples = ['noticeboard'];

const demoPosts = [
  {
    title: '本周六上午社区健康义诊',
    body: '社区卫生服务中心的医生将在党群服务中心一楼为居民免费测量血压、血糖，提供用药咨询。请携带医保卡。',
    category: 'event',
    pinned: true,
  },
  {
    title: '3 号楼电梯例行维保通知',
    body: '周三 9:00–11:00 对 3 号楼 1 单元电梯进行例行维护保养，期间请走楼梯，给您带来不便敬请谅解。',
    category: 'notice',
  },
];

/**
 * Builds the example apps, stores their packages (a version already stored is left alone) and, in a demo community
 * that never had them, installs them with every permission they ask for and a few posts — so a fresh `npm start`
 * shows a living app. An example that fails to build is reported and skipped; it never stops the platform.
 */
export async function installDemoApps(platform: Platform, host: PluginHost): Promise<void> {
  const [demo] = await platform.database.db.select().from(regions).where(eq(regions.code, 'demo'));
  if (!demo) return;
  for (const name of examples) {
    const dir = fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));
    if (!existsSync(dir)) continue;
    try {
      const built = await buildPlugin(dir);
      const pkg = await registerPackage(host, built.manifest, built.bundle, 'example').catch(async (err) => {
        // The same version with other bytes: keep what is stored (versions are immutable) and use that.
        const stored = await host.package(built.manifest.id, built.manifest.version);
        if (!stored) throw err;
        platform.log.warn(
          { plugin: built.manifest.id },
          `example ${name} changed without a new version; using the stored one`,
        );
        return stored;
      });
      const [row] = await platform.database.db
        .select({ id: pluginInstalls.id })
        .from(pluginInstalls)
        .where(and(eq(pluginInstalls.communityId, demo.id), eq(pluginInstalls.pluginId, pkg.pluginId)));
      if (row) continue;
      await installPlugin(
        host,
        demo.id,
        pkg.pluginId,
        pkg.version,
        { subject: 'system:demo' },
        { grants: requestedGrants(pkg.manifest) },
      );
      if (pkg.pluginId === 'org.shequ.noticeboard') await seedPosts(platform, host, demo.id);
    } catch (err) {
      platform.log.warn({ err, example: name }, `the example app ${name} was not installed`);
      console.warn(`warning: the example app ${name} was not installed: ${(err as Error).message}`);
    }
  }
}

async function seedPosts(platform: Platform, host: PluginHost, communityId: string) {
  const [operator] = await platform.database.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.username, 'operator'));
  if (!operator) return;
  for (const post of demoPosts) {
    await host.invoke({
      community: { id: communityId, code: 'demo' },
      pluginId: 'org.shequ.noticeboard',
      handler: 'savePost',
      input: post,
      user: { id: operator.id, role: 'operator' },
      via: 'system',
    });
  }
}
