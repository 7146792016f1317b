// Federation (DB33 8.1.1), serving: this catalog's signed index and the archives it names.
import { queryRows } from '@shequ/db';
import type { CatalogIndex, SignedCatalogIndex } from '@shequ/schemas';
import { sql } from 'drizzle-orm';
import { type CatalogSettings, type Market, notFound } from './context.ts';
import { canonicalJson, loadPlatformKey, signBody } from './platform-key.ts';

type Text = { zh: string; en: string };

const defaultTtlMs = 60 * 60 * 1000;

export const settingsOf = (m: Market): CatalogSettings => m.catalog ?? { id: 'local', upstreamHosts: [] };
export const nowOf = (m: Market) => settingsOf(m).now?.() ?? new Date();

interface IndexRow {
  plugin_id: string;
  name: Text;
  description: Text;
  scenario: string;
  slug: string;
  publisher_name: Text;
  version: string;
  sha: string;
  bytes: number;
  key_id: string;
  publisher_key: string | null;
  on_shelf: boolean;
  kill_reason: string | null;
}

/**
 * Issues this catalog's signed index: every reviewed or killed version of every app with its archive's sha256, the
 * package signer's key, the local shelf state and kill flag; a new serial each time (persisted, only ever up), an
 * expiry, and an ed25519 signature by the platform key over the canonical JSON.
 */
export async function issueIndex(m: Market): Promise<SignedCatalogIndex> {
  const db = m.database.db;
  const settings = settingsOf(m);
  const key = await loadPlatformKey(db, m.crypto);
  const rows = await queryRows<IndexRow>(
    db,
    sql`
      select l.plugin_id, l.name, l.description, l.scenario, p.slug, p.name as publisher_name,
             v.version, v.archive_sha256 as sha, v.archive_bytes as bytes, v.key_id,
             coalesce(fv.publisher_key, pk.public_key) as publisher_key,
             exists (select 1 from market.submissions s where s.version_id = v.id and s.state = 'on_shelf') as on_shelf,
             k.reason as kill_reason
      from market.versions v
      join market.listings l on l.plugin_id = v.plugin_id
      join market.publishers p on p.id = l.publisher_id
      left join market.publisher_keys pk on pk.key_id = v.key_id
      left join market.federated_versions fv on fv.version_id = v.id
      left join market.kills k on k.version_id = v.id
      where k.version_id is not null
         or exists (select 1 from market.submissions s where s.version_id = v.id
                    and s.state in ('approved', 'on_shelf', 'off_shelf'))
      order by l.plugin_id, v.major, v.minor, v.patch, (v.prerelease is null), v.prerelease`,
  );
  const apps = new Map<string, CatalogIndex['apps'][number]>();
  for (const r of rows) {
    if (!r.publisher_key) continue;
    let app = apps.get(r.plugin_id);
    if (!app) {
      app = {
        appId: r.plugin_id,
        name: r.name,
        description: r.description,
        scenario: r.scenario,
        publisher: { slug: r.slug, name: r.publisher_name },
        versions: [],
      };
      apps.set(r.plugin_id, app);
    }
    const killed = r.kill_reason !== null;
    app.versions.push({
      version: r.version,
      sha256: r.sha,
      bytes: Number(r.bytes),
      signedBy: r.key_id,
      publisherKey: r.publisher_key,
      state: r.on_shelf && !killed ? 'on_shelf' : 'off_shelf',
      killed,
      ...(killed ? { killReason: (r.kill_reason ?? '').slice(0, 500) } : {}),
    });
  }
  const [{ serial }] = await queryRows<{ serial: number | string }>(
    db,
    sql`insert into market.catalog_state (id, serial) values ('self', 1)
        on conflict (id) do update set serial = market.catalog_state.serial + 1, updated_at = now()
        returning serial`,
  );
  const issuedAt = nowOf(m);
  const index: CatalogIndex = {
    format: 'shequ-catalog-index/1',
    catalogId: settings.id,
    keyId: key.keyId,
    publicKey: key.publicKey,
    serial: Number(serial),
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + (settings.indexTtlMs ?? defaultTtlMs)).toISOString(),
    apps: [...apps.values()],
  };
  return { index, signature: signBody(key, canonicalJson(index)) };
}

/** The signed `.shequ` archive of a version the index names (reviewed or killed), for followers to fetch. */
export async function catalogPackage(m: Market, pluginId: string, version: string) {
  const rows = await queryRows<{ archive: string; sha: string }>(
    m.database.db,
    sql`select v.archive, v.archive_sha256 as sha from market.versions v
        where v.plugin_id = ${pluginId} and v.version = ${version}
          and (exists (select 1 from market.kills k where k.version_id = v.id)
               or exists (select 1 from market.submissions s where s.version_id = v.id
                          and s.state in ('approved', 'on_shelf', 'off_shelf')))`,
  );
  if (!rows[0]) throw notFound('目录中没有该应用版本', `No reviewed version ${pluginId}@${version} in this catalog`);
  return { archive: Buffer.from(rows[0].archive, 'base64'), sha256: rows[0].sha };
}
