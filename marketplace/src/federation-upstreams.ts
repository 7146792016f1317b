// Federation (DB33 8.1.1), following: upstream catalogs with operator-pinned keys, and the local shelf layer.
import { createPublicKey } from 'node:crypto';
import { type AuditEntry, appendAudit } from '@shequ/core';
import { type Executor, marketFederatedVersions, marketUpstreams, withScope } from '@shequ/db';
import { keyFingerprint, publicKeyText } from '@shequ/runtime';
import { and, asc, eq } from 'drizzle-orm';
import { conflict, invalid, type Market, type MarketActor, notFound } from './context.ts';
import { settingsOf } from './federation-index.ts';

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Checks an upstream URL against the allow-list: HTTPS (plain HTTP only to loopback), a listed host, no secrets. */
export function checkUpstreamUrl(raw: string, hosts: string[]): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid(`上游目录地址 ${raw} 无效`, `The upstream URL ${raw} is not a valid URL`);
  }
  const host = u.hostname.toLowerCase();
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback.has(host)))
    throw invalid('上游目录必须使用 HTTPS', `The upstream catalog must be reached over HTTPS (got ${u.protocol})`);
  if (u.username || u.password || u.search || u.hash)
    throw invalid(
      '上游目录地址不能包含账号、查询参数或片段',
      'The upstream URL must not carry credentials, a query or a fragment',
    );
  const allowed =
    hosts.includes(host) || hosts.includes(u.host.toLowerCase()) || (hosts.includes('*') && u.protocol === 'https:');
  if (!allowed)
    throw invalid(
      `上游主机 ${host} 不在允许列表中（SHEQU_UPSTREAM_HOSTS）`,
      `The upstream host ${host} is not in the allow-list (SHEQU_UPSTREAM_HOSTS)`,
    );
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** The pinned key as given by the operator: a fingerprint (16 hex digits, optionally `platform-…`) or the key itself. */
export function parsePinnedKey(given: string): { fingerprint: string; publicKey: string | null } {
  const t = given.trim();
  const fp = /^(?:platform-)?([0-9a-f]{16})$/i.exec(t);
  if (fp) return { fingerprint: fp[1].toLowerCase(), publicKey: null };
  try {
    const key = t.includes('-----BEGIN')
      ? createPublicKey(t)
      : createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return { fingerprint: keyFingerprint(key), publicKey: publicKeyText(key) };
  } catch {
    throw invalid(
      '目录公钥无效：请给出上游目录的 ed25519 公钥（PEM 或 base64）或其 16 位指纹',
      "The catalog key is not valid: give the upstream's ed25519 public key (PEM or base64) or its 16-hex fingerprint",
    );
  }
}

export const upstreamAudit = (
  actor: MarketActor,
  action: string,
  objectId: string,
  detail: Record<string, unknown>,
): AuditEntry => ({
  subject: actor.subject,
  subjectRole: actor.role ?? null,
  sourceIp: actor.ip ?? null,
  requestId: actor.requestId ?? null,
  result: 'success',
  action,
  objectType: 'market_upstream',
  objectId,
  detail,
});

/** Follows an upstream catalog: the URL must be allowed, the key pinned now (fingerprint or full key). */
export async function addUpstream(m: Market, actor: MarketActor, input: { url: string; key: string }) {
  const url = checkUpstreamUrl(input.url, settingsOf(m).upstreamHosts);
  const pinned = parsePinnedKey(input.key);
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [existing] = await tx.select().from(marketUpstreams).where(eq(marketUpstreams.url, url));
    if (existing?.active) throw conflict(`已在跟随 ${url}`, `${url} is already followed`);
    if (existing && existing.keyFingerprint !== pinned.fingerprint)
      throw conflict(
        `${url} 曾以另一把目录密钥跟随；请确认密钥`,
        `${url} was followed before with another catalog key; check the key`,
      );
    const [row] = existing
      ? await tx
          .update(marketUpstreams)
          .set({ active: true, publicKey: pinned.publicKey ?? existing.publicKey, lastError: null })
          .where(eq(marketUpstreams.id, existing.id))
          .returning()
      : await tx
          .insert(marketUpstreams)
          .values({
            url,
            keyFingerprint: pinned.fingerprint,
            publicKey: pinned.publicKey,
            addedBy: actor.subject,
          })
          .returning();
    await appendAudit(
      tx,
      upstreamAudit(actor, 'market.upstream.added', row.id, { url, fingerprint: pinned.fingerprint }),
    );
    return upstreamView(row);
  });
}

/** Stops following an upstream. Its versions stay (immutable) with their current shelf state; no more syncs. */
export async function removeUpstream(m: Market, actor: MarketActor, id: string) {
  return withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [row] = await tx
      .update(marketUpstreams)
      .set({ active: false })
      .where(and(eq(marketUpstreams.id, id), eq(marketUpstreams.active, true)))
      .returning();
    if (!row) throw notFound('没有这个上游目录', `No followed upstream ${id}`);
    await appendAudit(tx, upstreamAudit(actor, 'market.upstream.removed', row.id, { url: row.url }));
    return upstreamView(row);
  });
}

export function upstreamView(r: typeof marketUpstreams.$inferSelect) {
  return {
    id: r.id,
    url: r.url,
    catalogId: r.catalogId,
    keyFingerprint: r.keyFingerprint,
    active: r.active,
    lastSerial: r.lastSerial,
    lastSyncAt: r.lastSyncAt?.toISOString() ?? null,
    lastAttemptAt: r.lastAttemptAt?.toISOString() ?? null,
    lastError: r.lastError ?? null,
  };
}

export async function listUpstreams(m: Market) {
  const rows = await m.database.db.select().from(marketUpstreams).orderBy(asc(marketUpstreams.createdAt));
  return rows.map(upstreamView);
}

/**
 * The layer of local decisions over an upstream's: a federated version goes (back) on this shelf only while the
 * upstream lists it and has not killed it; taking it off here holds it off whatever the upstream does later.
 */
export async function federatedShelfCheck(ex: Executor, versionId: string, move: string) {
  if (move !== 'shelve' && move !== 'unshelve') return;
  const [fv] = await ex.select().from(marketFederatedVersions).where(eq(marketFederatedVersions.versionId, versionId));
  if (!fv) return;
  if (move === 'shelve' && (fv.upstreamKilled || fv.upstreamState !== 'on_shelf'))
    throw conflict(
      fv.upstreamKilled ? '上游目录已紧急停用该版本，本目录不能上架' : '上游目录已下架该版本，本目录不能上架',
      fv.upstreamKilled
        ? 'The upstream catalog killed this version; it cannot be listed here'
        : 'The upstream catalog took this version off its shelf; it cannot be listed here',
    );
  await ex
    .update(marketFederatedVersions)
    .set({ localHold: move === 'unshelve', updatedAt: new Date() })
    .where(eq(marketFederatedVersions.versionId, versionId));
}
