import { PluginError } from '@shequ/plugin-sdk';
import { type Category, type Ctx, findPost, isOperator, type ListInput, page } from './model.ts';

/** Visible posts, pinned first, then newest; residents filter by category. */
export async function listPosts(input: ListInput<{ category?: Category }>, ctx: Ctx) {
  const category = input.where?.category;
  return ctx.collections.posts.find({
    where: { status: 'visible', ...(category ? { category } : {}) },
    orderBy: [
      { field: 'pinned', dir: 'desc' },
      { field: 'createdAt', dir: 'desc' },
    ],
    ...page(input),
  });
}

/** One post with its comments, oldest first; operators also see hidden posts and comments. */
export async function getPost(input: { id: string }, ctx: Ctx) {
  const all = isOperator(ctx);
  const post = await findPost(ctx, input.id, all);
  const comments = await ctx.collections.comments.find({
    where: { postId: post.id, ...(all ? {} : { status: 'visible' }) },
    orderBy: [{ field: 'createdAt', dir: 'asc' }],
    limit: 200,
  });
  return { ...post, comments: comments.items, commentCount: comments.total };
}

/**
 * Adds a resident's comment to a visible post. The comment form, opened from a post, passes the post as `id` (the
 * page's record); `postId` works too. Length limits are left to the collection schema, which the platform checks on
 * every write.
 */
export async function addComment(input: { postId?: string; id?: string; body: string; authorName?: string }, ctx: Ctx) {
  const postId = input.postId ?? input.id;
  if (!postId) {
    throw new PluginError('INVALID_INPUT', {
      zh: '请先选择要评论的公告',
      en: 'Choose the post to comment on',
      fieldErrors: { postId: ['必填 / required'] },
    });
  }
  const post = await findPost(ctx, postId, false);
  const body = input.body.trim();
  if (!body) {
    throw new PluginError('INVALID_INPUT', {
      zh: '评论内容不能为空',
      en: 'The comment is empty',
      fieldErrors: { body: ['请填写评论内容 / Write something first'] },
    });
  }
  const comment = await ctx.collections.comments.insert({
    postId: post.id,
    body,
    status: 'visible',
    authorName: input.authorName?.trim() || '热心邻居',
    ...(ctx.user ? { authorId: ctx.user.id } : {}),
  });
  ctx.log.info('comment added', { post: post.id, comment: comment.id });
  return comment;
}

/**
 * A resident reports a post as improper: it goes to the community's event desk through the event closed loop
 * (`events.report`), once per resident and post — reporting again answers the same event.
 */
export async function reportPost(input: { postId?: string; id?: string; reason: string }, ctx: Ctx) {
  const postId = input.postId ?? input.id;
  if (!postId) {
    throw new PluginError('INVALID_INPUT', {
      zh: '请先选择要举报的公告',
      en: 'Choose the post to report',
      fieldErrors: { postId: ['必填 / required'] },
    });
  }
  if (!ctx.user) throw new PluginError('FORBIDDEN', { zh: '请先登录', en: 'Sign in first' });
  const post = await findPost(ctx, postId, false);
  const reason = input.reason?.trim() ?? '';
  if (reason.length < 2 || reason.length > 500) {
    throw new PluginError('INVALID_INPUT', {
      zh: '请用 2 到 500 字说明举报原因',
      en: 'Say why in 2 to 500 characters',
      fieldErrors: { reason: ['2–500 字 / 2–500 characters'] },
    });
  }
  const event = await ctx.services.events.report({
    key: `post-report.${post.id}.${ctx.user.id}`,
    type: 'neighbourhood.report',
    title: `公告板举报：${post.title}`.slice(0, 100),
    description: reason,
    severity: 'low',
  });
  ctx.log.info('post reported', { post: post.id, event: event.id });
  return { eventId: event.id, state: event.state };
}
