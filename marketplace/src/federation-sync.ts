// Federation (DB33 8.1.1), syncing: fetch, verify, and apply an upstream's index in one transaction; the job.
import { createHash } from 'node:crypto';
import { AppError, type AuditEntry, appendAudit } from '@shequ/core';
import {
  type Executor,
  marketFederatedVersions,
  marketListings,
  marketPublishers,
  marketSubmissions,
  marketUpstreams,
  marketVersions,
  queryRows,
  withScope,
} from '@shequ/db';
import { keyFingerprint, registerPackage, unpackPlugin, verifyPackage } from '@shequ/runtime';
import {
  type CatalogIndex,
  type CatalogIndexVersion,
  catalogIndexProblems,
  type SignedCatalogIndex,
} from '@shequ/schemas';
import { and, eq, sql } from 'drizzle-orm';
import semver from 'semver';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound, pgCode } from './context.ts';
import { nowOf, settingsOf } from './federation-index.ts';
import { checkUpstreamUrl, upstreamAudit } from './federation-upstreams.ts';
import { killInTx } from './kill.ts';
import { canonicalJson, verifyBody } from './platform-key.ts';

type Upstream = typeof marketUpstreams.$inferSelect;

type Text = { zh: string; en: string };

const unavailable = (zh: string, en: string) => new AppError('UNAVAILABLE', { zh, en });
const maxPackageBytes = 16 * 1024 * 1024;
const maxIndexBytes = 16 * 1024 * 1024;

async function fetchBytes(url: string, timeoutMs: number, limit: number): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string }; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError')
      throw unavailable(
        `上游目录 ${url} 在 ${timeoutMs / 1000} 秒内没有响应，稍后重试`,
        `The upstream ${url} did not answer within ${timeoutMs / 1000} s; will retry`,
      );
    const code = e.cause?.code ?? e.message ?? 'error';
    throw unavailable(
      `上游目录 ${url} 无法连接（${code}），稍后重试`,
      `The upstream ${url} cannot be reached (${code}); will retry`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw unavailable(
      `上游目录 ${url} 返回 HTTP ${res.status}，稍后重试`,
      `The upstream ${url} answered HTTP ${res.status}; will retry`,
    );
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await res.body?.cancel();
    throw invalid(`上游返回的内容超过 ${limit} 字节`, `The upstream answer is over ${limit} bytes`);
  }
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > limit)
    throw invalid(`上游返回的内容超过 ${limit} 字节`, `The upstream answer is over ${limit} bytes`);
  return buf;
}

/**
 * Checks a fetched index: the schema, the catalog key against the pinned one, the signature, the catalog id, the
 * expiry and the serial (a serial not above the last accepted one is a replay). Answers the index and its key.
 */
export function verifyIndex(up: Upstream, raw: unknown, now: Date, ownCatalogId: string) {
  const problems = catalogIndexProblems(raw);
  if (problems.length)
    throw invalid(
      `上游目录索引格式不正确：${problems.join('；')}`,
      `The upstream index is malformed: ${problems.join('; ')}`,
    );
  const { index, signature } = raw as SignedCatalogIndex;
  let fingerprint: string;
  try {
    fingerprint = keyFingerprint(index.publicKey);
  } catch {
    throw invalid('上游目录索引中的公钥无效', 'The public key in the upstream index is not a valid key');
  }
  if (fingerprint !== up.keyFingerprint || (up.publicKey && up.publicKey !== index.publicKey))
    throw invalid(
      `上游目录的签名密钥（指纹 ${fingerprint}）与登记的密钥（${up.keyFingerprint}）不一致，已拒绝`,
      `The upstream catalog key (fingerprint ${fingerprint}) is not the pinned key (${up.keyFingerprint}); refused`,
    );
  let good = false;
  try {
    good = verifyBody(index.publicKey, canonicalJson(index), signature);
  } catch {
    good = false;
  }
  if (!good)
    throw invalid(
      '上游目录索引的签名无效（内容被改动或不是该目录签发），已拒绝',
      'The upstream index signature is not valid (changed, or not issued by the pinned catalog key); refused',
    );
  if (up.catalogId && up.catalogId !== index.catalogId)
    throw invalid(
      `上游目录标识由 ${up.catalogId} 变成了 ${index.catalogId}，已拒绝`,
      `The upstream catalog id changed from ${up.catalogId} to ${index.catalogId}; refused`,
    );
  if (index.catalogId === ownCatalogId || index.catalogId === 'local')
    throw invalid(
      `上游目录标识 ${index.catalogId} 与本目录相同或保留，不能跟随`,
      `The upstream catalog id ${index.catalogId} is this catalog's own or reserved; it cannot be followed`,
    );
  if (Date.parse(index.expiresAt) <= now.getTime())
    throw invalid(
      `上游目录索引已于 ${index.expiresAt} 过期，已拒绝`,
      `The upstream index expired at ${index.expiresAt}; refused`,
    );
  if (Date.parse(index.issuedAt) > now.getTime() + 5 * 60 * 1000)
    throw invalid(
      `上游目录索引的签发时间 ${index.issuedAt} 在未来，请检查时钟`,
      `The upstream index was issued in the future (${index.issuedAt}); check the clocks`,
    );
  if (index.serial <= up.lastSerial)
    throw invalid(
      `上游目录索引序号 ${index.serial} 不大于已接受的 ${up.lastSerial}（重放的旧索引），已拒绝`,
      `The upstream index serial ${index.serial} is not above the last accepted ${up.lastSerial} (a replayed older index); refused`,
    );
  return index;
}

interface LocalVersion {
  versionId: string;
  pluginId: string;
  version: string;
  upstreamState: 'on_shelf' | 'off_shelf';
  upstreamKilled: boolean;
  localHold: boolean;
  killed: boolean;
  shelf: 'on_shelf' | 'off_shelf' | null;
  submissionId: string | null;
  keyId: string;
}

async function localVersionsOf(ex: Executor, upstreamId: string): Promise<LocalVersion[]> {
  const rows = await queryRows<{
    version_id: string;
    plugin_id: string;
    version: string;
    upstream_state: 'on_shelf' | 'off_shelf';
    upstream_killed: boolean;
    local_hold: boolean;
    killed: boolean;
    shelf: 'on_shelf' | 'off_shelf' | null;
    submission_id: string | null;
    key_id: string;
  }>(
    ex,
    sql`select fv.version_id, v.plugin_id, v.version, fv.upstream_state, fv.upstream_killed, fv.local_hold,
               exists (select 1 from market.kills k where k.version_id = v.id) as killed,
               s.state as shelf, s.id as submission_id, v.key_id
        from market.federated_versions fv
        join market.versions v on v.id = fv.version_id
        left join lateral (select id, state from market.submissions s
                           where s.version_id = v.id and s.state in ('on_shelf', 'off_shelf')
                           order by s.created_at desc limit 1) s on true
        where fv.upstream_id = ${upstreamId}`,
  );
  return rows.map((r) => ({
    versionId: r.version_id,
    pluginId: r.plugin_id,
    version: r.version,
    upstreamState: r.upstream_state,
    upstreamKilled: r.upstream_killed,
    localHold: r.local_hold,
    killed: r.killed,
    shelf: r.shelf,
    submissionId: r.submission_id,
    keyId: r.key_id,
  }));
}

export interface SyncResult {
  upstreamId: string;
  catalogId: string;
  serial: number;
  added: string[];
  killed: string[];
  offShelf: string[];
  onShelf: string[];
  skipped: { app: string; zh: string; en: string }[];
  ms: number;
}

const superseded = Symbol('superseded by a concurrent sync');

/** The actor of scheduled syncs. */
export const federationActor: MarketActor = { subject: 'system:federation', admin: true };

/**
 * Syncs one upstream: fetches its index (with a time limit), verifies it against the pinned key, refuses expired and
 * replayed indexes; fetches new on-shelf versions and checks each package's sha256 and publisher signature against
 * the signed index; then in ONE transaction stores them as listings with `source` = the upstream's catalog id
 * (immutable versions, never a downgrade), applies upstream kills through the kill switch and upstream off-shelf
 * moves, keeps local holds, and advances the serial. Any failure changes nothing on the shelf and is recorded (zh/en)
 * as the upstream's last error.
 */
export async function syncUpstream(m: Market, actor: MarketActor, upstreamId: string): Promise<SyncResult> {
  const started = Date.now();
  const db = m.database.db;
  const [up] = await db.select().from(marketUpstreams).where(eq(marketUpstreams.id, upstreamId));
  if (!up?.active) throw notFound('没有这个上游目录', `No followed upstream ${upstreamId}`);
  // One sync of an upstream at a time in this process (the job and a "sync now" share the sandbox); other processes
  // are ordered by the upstream's row lock in the transaction.
  const key = m.host ?? m.database;
  const running = inProcess.get(key) ?? new Map<string, Promise<unknown>>();
  inProcess.set(key, running);
  const previous = running.get(upstreamId) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => syncLogged(m, actor, up, started));
  running.set(upstreamId, mine);
  try {
    return await mine;
  } finally {
    if (running.get(upstreamId) === mine) running.delete(upstreamId);
  }
}

const inProcess = new WeakMap<object, Map<string, Promise<unknown>>>();

async function syncLogged(m: Market, actor: MarketActor, up: Upstream, started: number): Promise<SyncResult> {
  const db = m.database.db;
  const upstreamId = up.id;
  try {
    const result = await syncOnce(m, actor, up);
    return { ...result, ms: Date.now() - started };
  } catch (err) {
    const e = err as AppError;
    if (e instanceof AppError && e.cause === superseded) throw err;
    const lastError =
      e instanceof AppError
        ? { zh: e.messageZh, en: e.messageEn }
        : { zh: `同步失败：${(err as Error).message}`, en: `Sync failed: ${(err as Error).message}` };
    await db
      .update(marketUpstreams)
      .set({ lastError, lastAttemptAt: nowOf(m) })
      .where(eq(marketUpstreams.id, upstreamId));
    await appendAudit(db, {
      ...upstreamAudit(actor, 'market.upstream.sync', up.id, { error: lastError.en }),
      result: 'failure',
    });
    throw err;
  }
}

async function syncOnce(m: Market, actor: MarketActor, up: Upstream) {
  const settings = settingsOf(m);
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const fetchedAt = nowOf(m);
  const base = checkUpstreamUrl(up.url, settings.upstreamHosts);
  const body = await fetchBytes(`${base}/api/market/index`, timeoutMs, maxIndexBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('上游目录索引不是有效的 JSON', 'The upstream index is not valid JSON');
  }
  const index = verifyIndex(up, raw, nowOf(m), settings.id);
  const source = index.catalogId;
  const local = await localVersionsOf(m.database.db, up.id);
  const localByKey = new Map(local.map((l) => [`${l.pluginId}@${l.version}`, l]));
  const skipped: SyncResult['skipped'] = [];

  // New versions to take: on the upstream shelf, not killed, above every version this catalog holds of the app.
  const fetched: {
    app: CatalogIndex['apps'][number];
    entry: CatalogIndexVersion;
    archive: Buffer;
    sha: string;
  }[] = [];
  for (const app of index.apps) {
    const [listing] = await m.database.db
      .select({ source: marketListings.source })
      .from(marketListings)
      .where(eq(marketListings.pluginId, app.appId));
    if (listing && listing.source !== source) {
      skipped.push({
        app: app.appId,
        zh: `本目录已有来源为 ${listing.source} 的同名应用，未采用上游版本`,
        en: `This catalog already has ${app.appId} from ${listing.source}; the upstream's versions were not taken`,
      });
      continue;
    }
    const held = await m.database.db
      .select({ version: marketVersions.version })
      .from(marketVersions)
      .where(eq(marketVersions.pluginId, app.appId));
    let newest = held.map((h) => h.version).sort(semver.rcompare)[0];
    const fresh = app.versions
      .filter((v) => !localByKey.has(`${app.appId}@${v.version}`) && v.state === 'on_shelf' && !v.killed)
      .filter((v) => semver.valid(v.version))
      .sort((a, b) => semver.compare(a.version, b.version));
    for (const entry of fresh) {
      if (newest && !semver.gt(entry.version, newest)) {
        skipped.push({
          app: `${app.appId}@${entry.version}`,
          zh: `版本 ${entry.version} 不高于本目录已有的 ${newest}，未采用`,
          en: `${entry.version} is not above ${newest} held here; not taken`,
        });
        continue;
      }
      const archive = await fetchBytes(
        `${base}/api/market/packages/${encodeURIComponent(app.appId)}/${encodeURIComponent(entry.version)}`,
        timeoutMs,
        maxPackageBytes,
      );
      const sha = createHash('sha256').update(archive).digest('hex');
      if (sha !== entry.sha256 || archive.length !== entry.bytes)
        throw invalid(
          `${app.appId}@${entry.version} 安装包的 sha256 与签名索引不符，已拒绝整个同步`,
          `The package ${app.appId}@${entry.version} does not match the sha256 in the signed index; the sync was refused`,
        );
      const pkg = unpackPlugin(archive, { maxBytes: maxPackageBytes });
      if (pkg.signature?.keyId !== entry.signedBy)
        throw invalid(
          `${app.appId}@${entry.version} 的签名密钥与索引不符`,
          `The package ${app.appId}@${entry.version} is not signed by ${entry.signedBy} as the index says`,
        );
      verifyPackage(pkg, { [entry.signedBy]: entry.publisherKey });
      if (pkg.manifest.id !== app.appId || pkg.manifest.version !== entry.version)
        throw invalid(
          `安装包内容（${pkg.manifest.id}@${pkg.manifest.version}）与索引条目 ${app.appId}@${entry.version} 不符`,
          `The package holds ${pkg.manifest.id}@${pkg.manifest.version}, not ${app.appId}@${entry.version} as indexed`,
        );
      await register(m, pkg, `market:${source}:${entry.signedBy}`);
      fetched.push({ app, entry, archive, sha });
      newest = entry.version;
    }
  }

  // Versions held here that go back on the shelf must be in the runtime's package store (they are, unless purged).
  const entries = new Map<string, CatalogIndexVersion>();
  for (const app of index.apps) for (const v of app.versions) entries.set(`${app.appId}@${v.version}`, v);
  for (const l of local) {
    const e = entries.get(`${l.pluginId}@${l.version}`);
    if (e && e.state === 'on_shelf' && !e.killed && l.shelf === 'off_shelf' && !l.localHold && !l.killed) {
      const [v] = await m.database.db
        .select({ archive: marketVersions.archive })
        .from(marketVersions)
        .where(eq(marketVersions.id, l.versionId));
      const pkg = unpackPlugin(Buffer.from(v.archive, 'base64'), { maxBytes: maxPackageBytes });
      await register(m, pkg, `market:${source}:${l.keyId}`);
    }
  }

  const tag = `upstream:${source}`;
  const done = await withScope(m.database.db, { kind: 'all' }, async (tx) => {
    const [locked] = await tx.select().from(marketUpstreams).where(eq(marketUpstreams.id, up.id)).for('update');
    if (!locked.active) throw conflict('该上游目录已停止跟随', 'This upstream is no longer followed');
    // Another process's sync of this upstream committed a newer index after this one was fetched: not an error.
    if (index.serial <= locked.lastSerial && locked.lastSyncAt && locked.lastSyncAt >= fetchedAt)
      throw new AppError('CONFLICT', {
        zh: '另一个同步刚刚采用了更新的上游索引，本次同步无需再采用',
        en: 'A concurrent sync just applied a newer upstream index; this one was not needed',
        cause: superseded,
      });
    if (index.serial <= locked.lastSerial)
      throw invalid(
        `上游目录索引序号 ${index.serial} 不大于已接受的 ${locked.lastSerial}（并发同步或重放），已拒绝`,
        `The upstream index serial ${index.serial} is not above the last accepted ${locked.lastSerial} (a concurrent sync or a replay); refused`,
      );
    const now = nowOf(m);
    const added: string[] = [];
    const killed: string[] = [];
    const offShelf: string[] = [];
    const onShelf: string[] = [];
    const forget: { communityId: string; pluginId: string }[] = [];
    const audits: AuditEntry[] = [];

    for (const f of fetched) {
      const { app, entry } = f;
      // A concurrent sync (another process) may have stored it since it was fetched: the row lock orders us after it.
      const [held] = await tx
        .select({ id: marketVersions.id })
        .from(marketVersions)
        .where(and(eq(marketVersions.pluginId, app.appId), eq(marketVersions.version, entry.version)));
      if (held) continue;
      const [pub] = await tx.select().from(marketPublishers).where(eq(marketPublishers.slug, app.publisher.slug));
      let publisherId = pub?.id;
      if (pub && pub.source !== source)
        throw conflict(
          `发布者 ${app.publisher.slug} 在本目录已存在（来源 ${pub.source}），不能由上游 ${source} 覆盖`,
          `The publisher ${app.publisher.slug} exists here (from ${pub.source}); the upstream ${source} cannot take it over`,
        );
      if (!pub) {
        const [row] = await tx
          .insert(marketPublishers)
          .values({ slug: app.publisher.slug, name: app.publisher.name, members: [], source })
          .returning({ id: marketPublishers.id });
        publisherId = row.id;
      }
      if (!publisherId) throw new Error('unreachable: no publisher');
      await tx
        .insert(marketListings)
        .values({
          pluginId: app.appId,
          publisherId,
          name: app.name,
          description: app.description,
          scenario: app.scenario,
          source,
        })
        .onConflictDoUpdate({
          target: marketListings.pluginId,
          set: { name: app.name, description: app.description, scenario: app.scenario, updatedAt: now },
          setWhere: sql`${marketListings.source} = ${source}`,
        });
      const p = semver.parse(entry.version);
      if (!p) throw invalid(`版本号 ${entry.version} 无效`, `${entry.version} is not a semantic version`);
      const pkg = unpackPlugin(f.archive, { maxBytes: maxPackageBytes });
      const [v] = await tx
        .insert(marketVersions)
        .values({
          pluginId: app.appId,
          version: entry.version,
          major: p.major,
          minor: p.minor,
          patch: p.patch,
          prerelease: p.prerelease.length ? p.prerelease.join('.') : null,
          manifest: pkg.manifest,
          archive: f.archive.toString('base64'),
          archiveSha256: f.sha,
          archiveBytes: f.archive.length,
          keyId: entry.signedBy,
          uploadedBy: tag,
        })
        .returning({ id: marketVersions.id });
      await tx.insert(marketFederatedVersions).values({
        versionId: v.id,
        upstreamId: up.id,
        publisherKey: entry.publisherKey,
        upstreamState: 'on_shelf',
      });
      await tx.insert(marketSubmissions).values({
        versionId: v.id,
        pluginId: app.appId,
        version: entry.version,
        state: 'on_shelf',
        submittedBy: tag,
        reviewer: tag,
        note: `Reviewed and listed by the upstream catalog ${source}`,
      });
      added.push(`${app.appId}@${entry.version}`);
      audits.push({
        ...upstreamAudit(actor, 'market.upstream.listed', app.appId, { upstream: source, version: entry.version }),
        objectType: 'plugin',
      });
    }

    // States as they are now, under the lock (not as read before fetching): versions just added are on the shelf.
    const current = (await localVersionsOf(tx, up.id)).filter((l) => !added.includes(`${l.pluginId}@${l.version}`));
    for (const l of current) {
      const name = `${l.pluginId}@${l.version}`;
      const e = entries.get(name);
      const upstreamKilled = e?.killed ?? false;
      // A version the upstream no longer lists counts as taken off its shelf.
      const upstreamState = e?.state ?? 'off_shelf';
      if (upstreamKilled && !l.killed) {
        const r = await killInTx(
          tx,
          actor,
          l.pluginId,
          l.version,
          `上游目录 ${source} 紧急停用 / killed by upstream ${source}: ${e?.killReason ?? ''}`.slice(0, 500),
        );
        for (const c of r.communities) forget.push({ communityId: c, pluginId: l.pluginId });
        killed.push(name);
      } else if (!l.killed && l.submissionId) {
        if (upstreamState === 'off_shelf' && l.shelf === 'on_shelf') {
          await moveShelf(tx, l.submissionId, 'off_shelf', now);
          offShelf.push(name);
        } else if (upstreamState === 'on_shelf' && l.shelf === 'off_shelf' && !l.localHold) {
          await moveShelf(tx, l.submissionId, 'on_shelf', now);
          onShelf.push(name);
        }
      }
      if (upstreamKilled !== l.upstreamKilled || upstreamState !== l.upstreamState)
        await tx
          .update(marketFederatedVersions)
          .set({ upstreamKilled, upstreamState, updatedAt: now })
          .where(eq(marketFederatedVersions.versionId, l.versionId));
    }
    for (const n of offShelf)
      audits.push({
        ...upstreamAudit(actor, 'market.upstream.unshelved', n.split('@')[0], {
          upstream: source,
          version: n.split('@')[1],
        }),
        objectType: 'plugin',
      });
    for (const n of onShelf)
      audits.push({
        ...upstreamAudit(actor, 'market.upstream.shelved', n.split('@')[0], {
          upstream: source,
          version: n.split('@')[1],
        }),
        objectType: 'plugin',
      });
    await tx
      .update(marketUpstreams)
      .set({
        catalogId: source,
        publicKey: index.publicKey,
        lastSerial: index.serial,
        lastSyncAt: now,
        lastAttemptAt: now,
        lastError: null,
      })
      .where(eq(marketUpstreams.id, up.id));
    audits.push(
      upstreamAudit(actor, 'market.upstream.sync', up.id, {
        upstream: source,
        serial: index.serial,
        added,
        killed,
        offShelf,
        onShelf,
      }),
    );
    await appendAudit(tx, audits);
    return { added, killed, offShelf, onShelf, forget };
  });
  if (m.host) for (const f of done.forget) m.host.forget(f.communityId, f.pluginId);
  return {
    upstreamId: up.id,
    catalogId: source,
    serial: index.serial,
    added: done.added,
    killed: done.killed,
    offShelf: done.offShelf,
    onShelf: done.onShelf,
    skipped,
  };
}

/** Puts a checked package into the runtime's store; a concurrent sync registering the same package is not an error. */
async function register(m: Market, pkg: ReturnType<typeof unpackPlugin>, source: string) {
  try {
    await registerPackage(hostOf(m), pkg.manifest, pkg.bundle, source);
  } catch (err) {
    if (pgCode(err) !== '23505') throw err;
    await registerPackage(hostOf(m), pkg.manifest, pkg.bundle, source);
  }
}

async function moveShelf(tx: Executor, submissionId: string, state: 'on_shelf' | 'off_shelf', now: Date) {
  await tx
    .update(marketSubmissions)
    .set({ state, updatedAt: now, revision: sql`${marketSubmissions.revision} + 1` })
    .where(eq(marketSubmissions.id, submissionId));
}

/** Syncs every followed upstream; failures are recorded on each and do not stop the others. */
export async function syncAll(m: Market, actor: MarketActor = federationActor) {
  const ups = await m.database.db
    .select({ id: marketUpstreams.id })
    .from(marketUpstreams)
    .where(eq(marketUpstreams.active, true));
  const out: ({ ok: true; result: SyncResult } | { ok: false; upstreamId: string; error: Text })[] = [];
  for (const u of ups) {
    try {
      out.push({ ok: true, result: await syncUpstream(m, actor, u.id) });
    } catch (err) {
      const e = err as AppError;
      out.push({
        ok: false,
        upstreamId: u.id,
        error: { zh: e.messageZh ?? e.message, en: e.messageEn ?? e.message },
      });
    }
  }
  return out;
}

/**
 * The sync job: every `intervalMs`, syncs each followed upstream (one round at a time in this process). A second
 * process running it is harmless: the serial check under the upstream's row lock lets one sync of a serial win.
 */
export function startUpstreamSync(m: Market, opts: { intervalMs: number; onError?: (err: unknown) => void }) {
  let running: Promise<unknown> | null = null;
  const round = () => {
    if (running) return running;
    running = syncAll(m)
      .catch((err) => opts.onError?.(err))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(round, opts.intervalMs);
  timer.unref();
  return {
    kick: round,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
