import { createHash } from 'node:crypto';
import { enqueue } from '@shequ/bus';
import { AppError, appendAudit } from '@shequ/core';
import {
  type Executor,
  marketListings,
  marketPublisherKeys,
  marketPublishers,
  marketReviewReports,
  marketSubmissions,
  marketVersions,
} from '@shequ/db';
import { type UnpackedPackage, unpackPlugin, verifyPackage } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import semver from 'semver';
import { conflict, invalid, type Market, type MarketActor, pgCode } from './context.ts';
import { loadPlatformKey } from './platform-key.ts';
import { assertMember } from './publishers.ts';
import { automatedReview, signReport } from './review.ts';

/** Largest upload accepted, enforced while the body streams in (see the API route) and again here. */
export const maxUploadBytes = 8 * 1024 * 1024;

/** The signing key of a package, which must be a registered, unrevoked key of the publisher owning the app id. */
async function signerOf(m: Market, pkg: UnpackedPackage) {
  if (!pkg.signature)
    throw invalid(
      '安装包没有签名，请先用 shequ-plugin sign 签名',
      'The package is not signed; sign it with shequ-plugin sign',
    );
  const keyId = String(pkg.signature.keyId ?? '');
  const [key] = await m.database.db
    .select({ key: marketPublisherKeys, publisher: marketPublishers })
    .from(marketPublisherKeys)
    .innerJoin(marketPublishers, eq(marketPublishers.id, marketPublisherKeys.publisherId))
    .where(eq(marketPublisherKeys.keyId, keyId));
  if (!key)
    throw invalid(
      `签名密钥 ${keyId} 未登记；请先登记发布者公钥`,
      `The signing key ${keyId} is not registered to any publisher`,
    );
  if (key.key.revokedAt)
    throw invalid(
      `签名密钥 ${keyId} 已被吊销`,
      `The signing key ${keyId} was revoked (${key.key.revokedReason ?? ''})`,
    );
  // Tampering (a changed or added entry, a signature not from this key) is refused here, naming the entry.
  verifyPackage(pkg, { [keyId]: key.key.publicKey });
  return key;
}

async function versionsOf(ex: Executor, pluginId: string) {
  return ex
    .select({
      id: marketVersions.id,
      version: marketVersions.version,
      manifest: marketVersions.manifest,
      sha: marketVersions.archiveSha256,
    })
    .from(marketVersions)
    .where(eq(marketVersions.pluginId, pluginId));
}

/** Splits a checked semver into the columns the database orders by. */
function parts(v: string) {
  const p = semver.parse(v);
  if (!p) throw invalid(`版本号 ${v} 不是有效的语义化版本`, `${v} is not a semantic version`);
  return {
    major: p.major,
    minor: p.minor,
    patch: p.patch,
    prerelease: p.prerelease.length ? p.prerelease.join('.') : null,
  };
}

/**
 * Takes a signed `.shequ` upload: refuses bad archives, bad or unregistered signatures, foreign app ids, repeated
 * and lower versions (nothing stored); otherwise stores the immutable version with a signed automated review report
 * and opens a submission — waiting for a reviewer when the checks pass, rejected with the failing items' reasons
 * when they do not.
 */
export async function submitPackage(m: Market, actor: MarketActor, archive: Buffer) {
  if (archive.length > maxUploadBytes)
    throw invalid(`安装包超过 ${maxUploadBytes} 字节`, `The upload is over ${maxUploadBytes} bytes`);
  const pkg = unpackPlugin(archive, { maxBytes: maxUploadBytes });
  const signer = await signerOf(m, pkg);
  assertMember(signer.publisher, actor);
  const man = pkg.manifest;
  const slug = signer.publisher.slug;
  if (man.id !== slug && !man.id.startsWith(`${slug}.`))
    throw new AppError('FORBIDDEN', {
      zh: `应用标识 ${man.id} 不属于发布者 ${slug}（应以 ${slug}. 开头）`,
      en: `The app id ${man.id} does not belong to the publisher ${slug} (it must start with ${slug}.)`,
    });
  const [listing] = await m.database.db.select().from(marketListings).where(eq(marketListings.pluginId, man.id));
  if (listing && listing.publisherId !== signer.publisher.id)
    throw new AppError('FORBIDDEN', {
      zh: `应用 ${man.id} 属于其他发布者`,
      en: `The app ${man.id} belongs to another publisher`,
    });
  const sha = createHash('sha256').update(archive).digest('hex');
  const existing = await versionsOf(m.database.db, man.id);
  const same = existing.find((v) => v.version === man.version);
  if (same)
    throw conflict(
      same.sha === sha ? `版本 ${man.version} 已经提交过` : `版本 ${man.version} 已存在；版本不可覆盖，请提高版本号`,
      same.sha === sha
        ? `${man.id}@${man.version} was already submitted`
        : `${man.id}@${man.version} already exists with other content; versions are immutable, bump the version`,
    );
  const newest = existing.map((v) => v.version).sort(semver.rcompare)[0];
  if (newest && !semver.gt(man.version, newest))
    throw invalid(
      `版本 ${man.version} 低于已有的 ${newest}；版本号只能升高`,
      `${man.version} is not above the existing ${newest}; versions never go down`,
    );
  const previous = existing.find((v) => v.version === newest)?.manifest as PluginManifest | undefined;
  const body = await automatedReview({
    pkg,
    archiveBytes: archive.length,
    archiveSha256: sha,
    keyId: signer.key.keyId,
    previous,
    host: m.host,
    budgets: m.budgets,
  });
  const report = signReport(await loadPlatformKey(m.database.db, m.crypto), body);
  const fails = body.items.filter((i) => i.level === 'fail').map((i) => ({ zh: i.zh, en: i.en }));
  return store().catch((err) => {
    const code = pgCode(err);
    if (code === '23505' || code === '23514')
      throw conflict(
        `版本 ${man.version} 与同时提交的版本冲突，或不高于已有版本`,
        `${man.id}@${man.version} collides with a concurrent upload or is not above an existing version`,
      );
    throw err;
  });
  function store() {
    return m.database.db.transaction(async (tx) => {
      await tx
        .insert(marketListings)
        .values({
          pluginId: man.id,
          publisherId: signer.publisher.id,
          name: man.name,
          description: man.description,
          scenario: man.scenario,
        })
        .onConflictDoUpdate({
          target: marketListings.pluginId,
          set: { name: man.name, description: man.description, scenario: man.scenario, updatedAt: new Date() },
        });
      const [version] = await tx
        .insert(marketVersions)
        .values({
          pluginId: man.id,
          version: man.version,
          ...parts(man.version),
          manifest: man,
          archive: archive.toString('base64'),
          archiveSha256: sha,
          archiveBytes: archive.length,
          keyId: signer.key.keyId,
          uploadedBy: actor.subject,
        })
        .returning({ id: marketVersions.id });
      const [rep] = await tx
        .insert(marketReviewReports)
        .values({
          versionId: version.id,
          passed: body.passed,
          items: body.items,
          escalation: body.escalation,
          body: report.text,
          keyId: report.keyId,
          signature: report.signature,
        })
        .returning({ id: marketReviewReports.id });
      const state = body.passed ? 'submitted' : 'rejected';
      const [sub] = await tx
        .insert(marketSubmissions)
        .values({
          versionId: version.id,
          pluginId: man.id,
          version: man.version,
          state,
          submittedBy: actor.subject,
          reviewer: body.passed ? null : 'system:automated-review',
          reasons: fails,
        })
        .returning();
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role ?? null,
        action: 'market.submitted',
        objectType: 'plugin',
        objectId: man.id,
        result: 'success',
        sourceIp: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        detail: { version: man.version, submission: sub.id, passed: body.passed, sha256: sha },
      });
      await enqueue(tx, {
        subject: 'shequ.market.submitted',
        data: { pluginId: man.id, version: man.version, submission: sub.id, state },
      });
      return {
        submissionId: sub.id,
        pluginId: man.id,
        version: man.version,
        state,
        reportId: rep.id,
        passed: body.passed,
        escalation: body.escalation,
        items: body.items,
      };
    });
  }
}
