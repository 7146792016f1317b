import { enqueue } from '@shequ/bus';
import { appendAudit } from '@shequ/core';
import {
  type Executor,
  marketKills,
  marketListings,
  marketPublisherKeys,
  marketPublishers,
  marketReviewReports,
  marketSubmissions,
  marketVersions,
  type SubmissionState,
} from '@shequ/db';
import { registerPackage, unpackPlugin, verifyPackage } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import semver from 'semver';
import { conflict, hostOf, invalid, type Market, type MarketActor, notFound, pgCode } from './context.ts';
import { federatedShelfCheck } from './federation-upstreams.ts';
import { loadPlatformKey } from './platform-key.ts';
import { assertMember } from './publishers.ts';
import { automatedReview, signReport } from './review.ts';

type Text = { zh: string; en: string };

const stateNames: Record<SubmissionState, Text> = {
  submitted: { zh: '待审核', en: 'submitted' },
  in_review: { zh: '审核中', en: 'in review' },
  approved: { zh: '已通过', en: 'approved' },
  rejected: { zh: '已驳回', en: 'rejected' },
  on_shelf: { zh: '已上架', en: 'on shelf' },
  off_shelf: { zh: '已下架', en: 'off shelf' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

/** The moves of the review and shelf workflow: which states each starts from, and where it goes. */
export const transitions = {
  claim: { from: ['submitted'], to: 'in_review' },
  approve: { from: ['in_review'], to: 'approved' },
  reject: { from: ['submitted', 'in_review'], to: 'rejected' },
  shelve: { from: ['approved', 'off_shelf'], to: 'on_shelf' },
  unshelve: { from: ['on_shelf'], to: 'off_shelf' },
  withdraw: { from: ['submitted', 'in_review', 'approved'], to: 'withdrawn' },
} as const satisfies Record<string, { from: readonly SubmissionState[]; to: SubmissionState }>;

export type Move = keyof typeof transitions;

async function submissionFor(ex: Executor, id: string) {
  const [row] = await ex.select().from(marketSubmissions).where(eq(marketSubmissions.id, id));
  if (!row) throw notFound('提交记录不存在', `No submission ${id}`);
  return row;
}

async function publisherOfPlugin(ex: Executor, pluginId: string) {
  const [row] = await ex
    .select({ slug: marketPublishers.slug, members: marketPublishers.members })
    .from(marketListings)
    .innerJoin(marketPublishers, eq(marketPublishers.id, marketListings.publisherId))
    .where(eq(marketListings.pluginId, pluginId));
  return row;
}

/**
 * Moves a submission along the workflow, checking its current state in the same UPDATE (two reviewers acting at
 * once: one wins, the other gets a conflict naming the state). Reviewers claim, approve, reject (with reasons) and
 * shelve; publishers withdraw their own submissions and take their apps off the shelf. Audited and announced.
 */
export async function moveSubmission(
  m: Market,
  actor: MarketActor,
  id: string,
  move: Move,
  opts: { reasons?: Text[]; note?: string } = {},
) {
  const t = transitions[move];
  const db = m.database.db;
  const sub = await submissionFor(db, id);
  if (move === 'withdraw') assertMember(await publisherOfPlugin(db, sub.pluginId), actor);
  if (move === 'reject' && !opts.reasons?.some((r) => r.zh.trim() && r.en.trim()))
    throw invalid('驳回时请用中英文写明原因', 'Give the reasons for a rejection in Chinese and English');
  if (move === 'shelve') await registerForInstall(m, sub.versionId);
  const updated = await db
    .transaction(async (tx) => {
      await federatedShelfCheck(tx, sub.versionId, move);
      const [row] = await tx
        .update(marketSubmissions)
        .set({
          state: t.to,
          updatedAt: new Date(),
          revision: sql`${marketSubmissions.revision} + 1`,
          ...(move === 'claim' || move === 'approve' || move === 'reject' ? { reviewer: actor.subject } : {}),
          ...(move === 'reject' ? { reasons: opts.reasons } : {}),
          ...(opts.note ? { note: opts.note.slice(0, 2000) } : {}),
        })
        .where(and(eq(marketSubmissions.id, id), inArray(marketSubmissions.state, [...t.from])))
        .returning();
      if (!row) {
        const now = await submissionFor(tx, id);
        throw conflict(
          `该提交当前为“${stateNames[now.state].zh}”，不能${move === 'reject' ? '驳回' : '执行此操作'}`,
          `The submission is ${stateNames[now.state].en}; it cannot be moved by "${move}" (needs ${t.from.join(' or ')})`,
        );
      }
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role ?? null,
        action: `market.${move}`,
        objectType: 'plugin',
        objectId: row.pluginId,
        result: 'success',
        sourceIp: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        detail: { version: row.version, submission: id, from: sub.state, to: t.to, reasons: opts.reasons ?? null },
      });
      await enqueue(tx, {
        subject: `shequ.market.${move}`,
        data: { pluginId: row.pluginId, version: row.version, submission: id, state: t.to },
      });
      return row;
    })
    .catch((err) => {
      if (pgCode(err) === '23514')
        throw conflict(
          '该版本已被紧急停用，不能再上架或审核',
          'This version was killed; it cannot go back on the shelf or into review',
        );
      throw err;
    });
  return { id: updated.id, pluginId: updated.pluginId, version: updated.version, state: updated.state };
}

/** Copies an approved version into the runtime's package store (checked again there) so communities can install it. */
async function registerForInstall(m: Market, versionId: string) {
  const [v] = await m.database.db.select().from(marketVersions).where(eq(marketVersions.id, versionId));
  const pkg = unpackPlugin(Buffer.from(v.archive, 'base64'), { maxBytes: 16 * 1024 * 1024 });
  await registerPackage(hostOf(m), pkg.manifest, pkg.bundle, `market:${v.keyId}`);
}

/**
 * Resubmits a withdrawn or rejected version (the same immutable archive): the automated review runs again (keys may
 * have been revoked since) and a new submission starts.
 */
export async function resubmit(m: Market, actor: MarketActor, id: string) {
  const db = m.database.db;
  const sub = await submissionFor(db, id);
  const pub = await publisherOfPlugin(db, sub.pluginId);
  assertMember(pub, actor);
  if (sub.state !== 'withdrawn' && sub.state !== 'rejected')
    throw conflict(
      `只有已撤回或已驳回的提交可以重新提交（当前：${stateNames[sub.state].zh}）`,
      `Only a withdrawn or rejected submission can be resubmitted (it is ${stateNames[sub.state].en})`,
    );
  const [v] = await db.select().from(marketVersions).where(eq(marketVersions.id, sub.versionId));
  const [kill] = await db.select().from(marketKills).where(eq(marketKills.versionId, v.id));
  if (kill) throw conflict('该版本已被紧急停用，请提交新版本', 'This version was killed; submit a new version');
  const archive = Buffer.from(v.archive, 'base64');
  const pkg = unpackPlugin(archive, { maxBytes: 16 * 1024 * 1024 });
  const [key] = await db.select().from(marketPublisherKeys).where(eq(marketPublisherKeys.keyId, v.keyId));
  if (!key || key.revokedAt)
    throw invalid(
      `签名密钥 ${v.keyId} 已被吊销，请用新密钥签名并提交新版本`,
      `The signing key ${v.keyId} was revoked; sign with a new key and submit a new version`,
    );
  verifyPackage(pkg, { [key.keyId]: key.publicKey });
  const older = await db
    .select({ version: marketVersions.version, manifest: marketVersions.manifest })
    .from(marketVersions)
    .where(eq(marketVersions.pluginId, v.pluginId));
  const prevVersion = older
    .map((o) => o.version)
    .filter((x) => semver.lt(x, v.version))
    .sort(semver.rcompare)[0];
  const previous = older.find((o) => o.version === prevVersion)?.manifest as PluginManifest | undefined;
  const body = await automatedReview({
    pkg,
    archiveBytes: archive.length,
    archiveSha256: v.archiveSha256,
    keyId: v.keyId,
    previous,
    host: m.host,
    budgets: m.budgets,
  });
  const report = signReport(await loadPlatformKey(db, m.crypto), body);
  const state: SubmissionState = body.passed ? 'submitted' : 'rejected';
  return db
    .transaction(async (tx) => {
      await tx.insert(marketReviewReports).values({
        versionId: v.id,
        passed: body.passed,
        items: body.items,
        escalation: body.escalation,
        body: report.text,
        keyId: report.keyId,
        signature: report.signature,
      });
      const [row] = await tx
        .insert(marketSubmissions)
        .values({
          versionId: v.id,
          pluginId: v.pluginId,
          version: v.version,
          state,
          submittedBy: actor.subject,
          reviewer: body.passed ? null : 'system:automated-review',
          reasons: body.items.filter((i) => i.level === 'fail').map((i) => ({ zh: i.zh, en: i.en })),
        })
        .returning();
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role ?? null,
        action: 'market.resubmitted',
        objectType: 'plugin',
        objectId: v.pluginId,
        result: 'success',
        sourceIp: actor.ip ?? null,
        requestId: actor.requestId ?? null,
        detail: { version: v.version, submission: row.id, previousSubmission: id, passed: body.passed },
      });
      return {
        submissionId: row.id,
        pluginId: v.pluginId,
        version: v.version,
        state,
        passed: body.passed,
        items: body.items,
      };
    })
    .catch((err) => {
      if (pgCode(err) === '23505')
        throw conflict('该版本已有进行中的提交', 'This version already has a live submission');
      throw err;
    });
}

/** Submissions, newest first: a reviewer's queue (by state) or a publisher's own (by plugin ids). */
export async function listSubmissions(
  m: Market,
  filter: { states?: SubmissionState[]; pluginIds?: string[]; limit?: number },
) {
  const where = [];
  if (filter.states?.length) where.push(inArray(marketSubmissions.state, filter.states));
  if (filter.pluginIds) {
    if (filter.pluginIds.length === 0) return [];
    where.push(inArray(marketSubmissions.pluginId, filter.pluginIds));
  }
  const rows = await m.database.db
    .select()
    .from(marketSubmissions)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(marketSubmissions.createdAt))
    .limit(Math.min(filter.limit ?? 200, 500));
  return rows.map((r) => ({
    id: r.id,
    pluginId: r.pluginId,
    version: r.version,
    state: r.state,
    stateName: stateNames[r.state],
    submittedBy: r.submittedBy,
    reviewer: r.reviewer,
    reasons: r.reasons,
    note: r.note,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** The latest review report of a submission's version, with its signature and the platform key id. */
export async function reportFor(m: Market, submissionId: string) {
  const sub = await submissionFor(m.database.db, submissionId);
  const [r] = await m.database.db
    .select()
    .from(marketReviewReports)
    .where(eq(marketReviewReports.versionId, sub.versionId))
    .orderBy(desc(marketReviewReports.createdAt))
    .limit(1);
  if (!r) throw notFound('审核报告不存在', 'No review report for this submission');
  const key = await loadPlatformKey(m.database.db, m.crypto);
  return {
    id: r.id,
    pluginId: sub.pluginId,
    version: sub.version,
    passed: r.passed,
    items: r.items,
    escalation: r.escalation,
    body: r.body,
    keyId: r.keyId,
    signature: r.signature,
    platformPublicKey: key.keyId === r.keyId ? key.publicKey : null,
    createdAt: r.createdAt.toISOString(),
  };
}
