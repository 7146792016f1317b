import { marketListings, marketPublishers, marketReviewReports, marketVersions, queryRows } from '@shequ/db';
import type { PluginManifest } from '@shequ/schemas';
import { desc, eq, sql } from 'drizzle-orm';
import { type Market, notFound } from './context.ts';
import { reviewedVersions, shelfVersions } from './installs.ts';
import { permissionList } from './permissions.ts';
import { ratingSummary } from './ratings.ts';
import { screenshotList } from './screenshots.ts';

export interface BrowseQuery {
  q?: string;
  scenario?: string;
  /** `name` (default) or `rating`: best average first, then most reviews; unrated apps last. */
  sort?: 'name' | 'rating';
  limit?: number;
  offset?: number;
}

interface Row {
  plugin_id: string;
  name: { zh: string; en: string };
  description: { zh: string; en: string };
  scenario: string;
  source: string;
  publisher: string;
  publisher_name: { zh: string; en: string };
  version: string;
  icon: string | null;
  rating: number | string | null;
  ratings: number | string | null;
  total: number | string;
}

/**
 * The shelf as operators browse it: one row per app with its newest on-shelf version (killed versions excluded),
 * filtered by scenario and a search over names, descriptions and ids, in one query.
 */
export async function browse(m: Market, query: BrowseQuery = {}) {
  const limit = Math.min(Math.max(query.limit ?? 24, 1), 100);
  const offset = Math.max(query.offset ?? 0, 0);
  const q = query.q?.trim() ? `%${query.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await queryRows<Row>(
    m.database.db,
    sql`
      with shelf as (
        select distinct on (v.plugin_id) v.plugin_id, v.version, v.manifest->>'icon' as icon
        from market.submissions s
        join market.versions v on v.id = s.version_id
        where s.state = 'on_shelf' and not exists (select 1 from market.kills k where k.version_id = v.id)
        order by v.plugin_id, v.major desc, v.minor desc, v.patch desc, (v.prerelease is null) desc, v.prerelease desc
      )
      select l.plugin_id, l.name, l.description, l.scenario, l.source, p.slug as publisher, p.name as publisher_name,
             shelf.version, shelf.icon, round(ra.rating_sum::numeric / nullif(ra.ratings, 0), 1) as rating,
             ra.ratings, count(*) over () as total
      from shelf
      join market.listings l on l.plugin_id = shelf.plugin_id
      join market.publishers p on p.id = l.publisher_id
      left join market.app_ratings ra on ra.plugin_id = shelf.plugin_id and ra.ratings > 0
      where (${query.scenario ?? null}::text is null or l.scenario = ${query.scenario ?? null})
        and (${q}::text is null or l.plugin_id ilike ${q} or l.name->>'zh' ilike ${q} or l.name->>'en' ilike ${q}
             or l.description->>'zh' ilike ${q} or l.description->>'en' ilike ${q})
      order by ${
        query.sort === 'rating'
          ? sql`ra.rating_sum::numeric / nullif(ra.ratings, 0) desc nulls last, ra.ratings desc nulls last, l.name->>'zh', l.plugin_id`
          : sql`l.name->>'zh', l.plugin_id`
      }
      limit ${limit} offset ${offset}`,
  );
  return {
    total: rows.length ? Number(rows[0].total) : 0,
    apps: rows.map((r) => ({
      pluginId: r.plugin_id,
      name: r.name,
      description: r.description,
      scenario: r.scenario,
      source: r.source,
      publisher: { slug: r.publisher, name: r.publisher_name },
      version: r.version,
      icon: r.icon,
      rating: { average: r.rating === null ? null : Number(r.rating), count: Number(r.ratings ?? 0) },
    })),
  };
}

/** One app: listing, publisher, versions on the shelf, the newest one's permissions in plain language and its review. */
export async function appDetail(m: Market, pluginId: string) {
  const db = m.database.db;
  const [l] = await db
    .select({ listing: marketListings, publisher: marketPublishers })
    .from(marketListings)
    .innerJoin(marketPublishers, eq(marketPublishers.id, marketListings.publisherId))
    .where(eq(marketListings.pluginId, pluginId));
  if (!l) throw notFound('应用不存在', `No app ${pluginId} in the catalog`);
  const shelf = await shelfVersions(m, pluginId);
  const reviewed = await reviewedVersions(m, pluginId);
  const current = shelf[0] ?? null;
  let manifest: PluginManifest | null = null;
  let review = null;
  if (current) {
    const [v] = await db
      .select({ id: marketVersions.id, manifest: marketVersions.manifest, createdAt: marketVersions.createdAt })
      .from(marketVersions)
      .where(sql`${marketVersions.pluginId} = ${pluginId} and ${marketVersions.version} = ${current}`);
    manifest = v.manifest as PluginManifest;
    const [r] = await db
      .select()
      .from(marketReviewReports)
      .where(eq(marketReviewReports.versionId, v.id))
      .orderBy(desc(marketReviewReports.createdAt))
      .limit(1);
    review = r ? { passed: r.passed, items: r.items, escalation: r.escalation, keyId: r.keyId } : null;
  }
  return {
    pluginId,
    name: l.listing.name,
    description: l.listing.description,
    scenario: l.listing.scenario,
    source: l.listing.source,
    publisher: { slug: l.publisher.slug, name: l.publisher.name },
    version: current,
    shelfVersions: shelf,
    reviewedVersions: reviewed,
    permissions: manifest ? permissionList(manifest) : [],
    screenshots: manifest ? screenshotList(manifest) : [],
    rating: await ratingSummary(m, pluginId),
    pages: manifest
      ? Object.entries(manifest.pages ?? {}).map(([id, p]) => ({
          id,
          title: p.title,
          audience: p.audience,
          type: p.type,
        }))
      : [],
    review,
  };
}
