import { queryRows } from '@shequ/db';
import { unpackPlugin } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { sql } from 'drizzle-orm';
import { type Market, notFound } from './context.ts';
import { screenshotType } from './review-checks.ts';
import { maxUploadBytes } from './submit.ts';

/** The URL path the API serves a version's screenshot at (see the catalog routes). */
export const screenshotUrl = (pluginId: string, version: string, index: number) =>
  `/api/market/screenshots/${encodeURIComponent(pluginId)}/${encodeURIComponent(version)}/${index}`;

/** Screenshots of a manifest as the catalog lists them: caption and URL. */
export function screenshotList(m: PluginManifest) {
  return (m.screenshots ?? []).map((s, i) => ({
    index: i,
    caption: s.caption ?? null,
    url: screenshotUrl(m.id, m.version, i),
  }));
}

interface Shot {
  data: Buffer;
  type: string;
}

// Versions are immutable, so a decoded screenshot never goes stale: keep the most recently used ones in memory.
const cache = new Map<string, Shot>();
const cacheEntries = 64;

/**
 * One screenshot of a reviewed (approved, on or off the shelf) version, read from its signed archive: the bytes and
 * content type, checked again here (an unknown type is never served).
 */
export async function catalogScreenshot(m: Market, pluginId: string, version: string, index: number): Promise<Shot> {
  const key = `${pluginId}@${version}#${index}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const none = () => notFound('没有这张截图', `No screenshot ${index} of ${pluginId}@${version}`);
  const rows = await queryRows<{ archive: string }>(
    m.database.db,
    sql`select v.archive from market.versions v
        where v.plugin_id = ${pluginId} and v.version = ${version}
          and not exists (select 1 from market.kills k where k.version_id = v.id)
          and exists (select 1 from market.submissions s where s.version_id = v.id
                      and s.state in ('approved', 'on_shelf', 'off_shelf'))`,
  );
  if (!rows[0]) throw none();
  const pkg = unpackPlugin(Buffer.from(rows[0].archive, 'base64'), { maxBytes: maxUploadBytes });
  const path = pkg.manifest.screenshots?.[index]?.path;
  const data = path && Object.hasOwn(pkg.files, path) ? pkg.files[path] : undefined;
  const type = path && data ? screenshotType(path, data) : null;
  if (!data || !type) throw none();
  const shot = { data, type };
  cache.set(key, shot);
  if (cache.size > cacheEntries) cache.delete(cache.keys().next().value as string);
  return shot;
}
