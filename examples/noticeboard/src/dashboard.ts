import { type Ctx, categories, label, statuses } from './model.ts';

/** Figures for the staff dashboard: totals for the cards, `[{ label, value }]` series for the charts. */
export async function stats(_input: unknown, ctx: Ctx) {
  const posts = ctx.collections.posts;
  const comments = ctx.collections.comments;
  const [totalPosts, hiddenPosts, pinnedPosts, totalComments, hiddenComments] = await Promise.all([
    posts.count(),
    posts.count({ where: { status: 'hidden' } }),
    posts.count({ where: { pinned: true, status: 'visible' } }),
    comments.count(),
    comments.count({ where: { status: 'hidden' } }),
  ]);
  const byCategory = await Promise.all(
    Object.entries(categories).map(async ([key, title]) => ({
      label: label(ctx, title),
      value: await posts.count({ where: { category: key } }),
    })),
  );
  return {
    totalPosts,
    visiblePosts: totalPosts - hiddenPosts,
    hiddenPosts,
    pinnedPosts,
    totalComments,
    hiddenComments,
    byCategory,
    byStatus: [
      { label: label(ctx, statuses.visible), value: totalPosts - hiddenPosts },
      { label: label(ctx, statuses.hidden), value: hiddenPosts },
    ],
    commentsByStatus: [
      { label: label(ctx, statuses.visible), value: totalComments - hiddenComments },
      { label: label(ctx, statuses.hidden), value: hiddenComments },
    ],
  };
}
