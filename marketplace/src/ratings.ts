import { AppError, appendAudit } from '@shequ/core';
import {
  appReviewMaxChars,
  marketAppReviews,
  marketListings,
  marketPublishers,
  pluginInstalls,
  withScope,
} from '@shequ/db';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { invalid, type Market, type MarketActor, notFound } from './context.ts';
import { assertMember } from './publishers.ts';

export { appReviewMaxChars };

/** Review text: trimmed, at most `appReviewMaxChars` characters (code points, as PostgreSQL counts them). */
function cleanText(text: string | undefined, what: { zh: string; en: string }, required: boolean) {
  const t = (text ?? '').trim();
  if (required && t.length === 0) throw invalid(`${what.zh}不能为空`, `The ${what.en} must not be empty`);
  if ([...t].length > appReviewMaxChars)
    throw invalid(
      `${what.zh}最多 ${appReviewMaxChars} 个字（现在 ${[...t].length} 个）`,
      `The ${what.en} is at most ${appReviewMaxChars} characters (it has ${[...t].length})`,
    );
  return t;
}

const audit = (
  actor: MarketActor,
  action: string,
  pluginId: string,
  communityId: string | null,
  detail: Record<string, unknown>,
) => ({
  subject: actor.subject,
  subjectRole: actor.role ?? null,
  action,
  objectType: 'plugin',
  objectId: pluginId,
  communityId,
  result: 'success' as const,
  sourceIp: actor.ip ?? null,
  requestId: actor.requestId ?? null,
  detail,
});

/**
 * An operator rates (1–5) and reviews an app for one community: one review per community and app, written again
 * (edited) on later calls. The app must be installed there (enabled or disabled, not uninstalled). Runs in the
 * community's scope, so row-level security holds the write to that community.
 */
export async function rateApp(
  m: Market,
  actor: MarketActor,
  input: { communityId: string; pluginId: string; rating: number; body?: string },
) {
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5)
    throw invalid('评分须为 1 到 5 的整数', 'A rating is a whole number from 1 to 5');
  const body = cleanText(input.body, { zh: '评价内容', en: 'review text' }, false);
  return withScope(m.database.db, { kind: 'communities', ids: [input.communityId] }, async (tx) => {
    const [install] = await tx
      .select({ version: pluginInstalls.version, state: pluginInstalls.state })
      .from(pluginInstalls)
      .where(and(eq(pluginInstalls.communityId, input.communityId), eq(pluginInstalls.pluginId, input.pluginId)));
    if (!install || install.state === 'uninstalled')
      throw new AppError('FORBIDDEN', {
        zh: '本社区没有安装该应用，安装后才能评分和评价',
        en: `${input.pluginId} is not installed in this community; install it before rating or reviewing it`,
      });
    const [listing] = await tx
      .select({ id: marketListings.pluginId })
      .from(marketListings)
      .where(eq(marketListings.pluginId, input.pluginId));
    if (!listing)
      throw notFound(
        '该应用不是应用市场的应用，不能评价',
        `${input.pluginId} is not a marketplace app; it has no reviews`,
      );
    const [before] = await tx
      .select({ id: marketAppReviews.id, rating: marketAppReviews.rating })
      .from(marketAppReviews)
      .where(and(eq(marketAppReviews.pluginId, input.pluginId), eq(marketAppReviews.communityId, input.communityId)));
    const values = { rating: input.rating, body, version: install.version, author: actor.subject };
    const [row] = before
      ? await tx
          .update(marketAppReviews)
          .set({ ...values, updatedAt: new Date() })
          .where(eq(marketAppReviews.id, before.id))
          .returning()
      : await tx
          .insert(marketAppReviews)
          .values({ ...values, pluginId: input.pluginId, communityId: input.communityId })
          .returning();
    await appendAudit(
      tx,
      audit(actor, before ? 'market.review.edited' : 'market.review.written', input.pluginId, input.communityId, {
        review: row.id,
        rating: input.rating,
        previousRating: before?.rating ?? null,
        chars: [...body].length,
      }),
    );
    return { id: row.id, pluginId: row.pluginId, rating: row.rating, body: row.body, edited: Boolean(before) };
  });
}

/** Average rating (one decimal) and count of an app's visible reviews, with how many gave each star. */
export async function ratingSummary(m: Market, pluginId: string) {
  const rows = await m.database.db
    .select({ rating: marketAppReviews.rating, n: sql<number>`count(*)::int` })
    .from(marketAppReviews)
    .where(and(eq(marketAppReviews.pluginId, pluginId), isNull(marketAppReviews.hiddenAt)))
    .groupBy(marketAppReviews.rating);
  const stars = [1, 2, 3, 4, 5].map((s) => Number(rows.find((r) => r.rating === s)?.n ?? 0));
  const count = stars.reduce((a, b) => a + b, 0);
  const sum = stars.reduce((a, n, i) => a + n * (i + 1), 0);
  return { average: count ? Math.round((sum / count) * 10) / 10 : null, count, stars };
}

/**
 * An app's reviews, newest first. Hidden ones are left out, except for `includeHidden` (reviewers), and the
 * community's own review, which its operators still see with the reason it was hidden.
 */
export async function listReviews(
  m: Market,
  pluginId: string,
  opts: { includeHidden?: boolean; ownCommunityIds?: string[]; limit?: number; offset?: number } = {},
) {
  const own = opts.ownCommunityIds ?? [];
  const rows = await m.database.db
    .select()
    .from(marketAppReviews)
    .where(
      and(
        eq(marketAppReviews.pluginId, pluginId),
        opts.includeHidden
          ? undefined
          : own.length
            ? sql`(${marketAppReviews.hiddenAt} is null or ${marketAppReviews.communityId} in (${sql.join(
                own.map((c) => sql`${c}::uuid`),
                sql`, `,
              )}))`
            : isNull(marketAppReviews.hiddenAt),
      ),
    )
    .orderBy(desc(marketAppReviews.updatedAt), desc(marketAppReviews.id))
    .limit(Math.min(Math.max(opts.limit ?? 50, 1), 200))
    .offset(Math.max(opts.offset ?? 0, 0));
  return rows.map((r) => ({
    id: r.id,
    communityId: r.communityId,
    own: own.includes(r.communityId),
    rating: r.rating,
    body: r.body,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    reply: r.reply,
    repliedAt: r.repliedAt,
    hidden: r.hiddenAt ? { at: r.hiddenAt, reason: r.hiddenReason ?? '' } : null,
  }));
}

async function reviewById(m: Market, id: string) {
  const [row] = await m.database.db
    .select({ review: marketAppReviews, publisher: marketPublishers })
    .from(marketAppReviews)
    .innerJoin(marketListings, eq(marketListings.pluginId, marketAppReviews.pluginId))
    .innerJoin(marketPublishers, eq(marketPublishers.id, marketListings.publisherId))
    .where(eq(marketAppReviews.id, id));
  if (!row) throw notFound('评价不存在', `No review ${id}`);
  return row;
}

/** The app's publisher replies to a review, once (a database trigger refuses a second reply too). */
export async function replyToReview(m: Market, actor: MarketActor, input: { reviewId: string; reply: string }) {
  const reply = cleanText(input.reply, { zh: '回复内容', en: 'reply' }, true);
  const { review, publisher } = await reviewById(m, input.reviewId);
  assertMember(publisher, actor);
  return m.database.db.transaction(async (tx) => {
    const [row] = await tx
      .update(marketAppReviews)
      .set({ reply, repliedBy: actor.subject, repliedAt: new Date() })
      .where(and(eq(marketAppReviews.id, review.id), isNull(marketAppReviews.reply)))
      .returning({ id: marketAppReviews.id });
    if (!row)
      throw new AppError('CONFLICT', {
        zh: '发布者已经回复过这条评价，每条评价只能回复一次',
        en: 'The publisher already replied to this review; a review gets one reply',
      });
    await appendAudit(
      tx,
      audit(actor, 'market.review.replied', review.pluginId, null, {
        review: review.id,
        community: review.communityId,
        publisher: publisher.slug,
        chars: [...reply].length,
      }),
    );
    return { id: review.id, reply };
  });
}

/** A reviewer or administrator hides a review (it leaves the average and the public list), with a reason; audited. */
export async function hideReview(m: Market, actor: MarketActor, input: { reviewId: string; reason: string }) {
  const reason = cleanText(input.reason, { zh: '隐藏原因', en: 'reason' }, true);
  const { review } = await reviewById(m, input.reviewId);
  return m.database.db.transaction(async (tx) => {
    const [row] = await tx
      .update(marketAppReviews)
      .set({ hiddenAt: new Date(), hiddenBy: actor.subject, hiddenReason: reason })
      .where(and(eq(marketAppReviews.id, review.id), isNull(marketAppReviews.hiddenAt)))
      .returning({ id: marketAppReviews.id });
    if (!row) throw new AppError('CONFLICT', { zh: '这条评价已被隐藏', en: 'This review is already hidden' });
    await appendAudit(
      tx,
      audit(actor, 'market.review.hidden', review.pluginId, null, {
        review: review.id,
        community: review.communityId,
        rating: review.rating,
        reason,
      }),
    );
    return { id: review.id, hidden: true, reason };
  });
}
