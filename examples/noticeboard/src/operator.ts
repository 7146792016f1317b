import {
  type ById,
  type Category,
  type Ctx,
  findComment,
  findPost,
  type ListInput,
  type Post,
  page,
  type Status,
} from './model.ts';

/** Input of the post form: no id creates a post, an id edits it. */
export interface PostInput {
  id?: string;
  title: string;
  body: string;
  category: Category;
  pinned?: boolean;
  authorName?: string;
}

/** Creates or edits a post. A new post is announced on the bus as `post.published`. */
export async function savePost(input: PostInput, ctx: Ctx) {
  const fields = {
    title: input.title.trim(),
    body: input.body.trim(),
    category: input.category,
    ...(input.pinned === undefined ? {} : { pinned: input.pinned }),
    ...(input.authorName?.trim() ? { authorName: input.authorName.trim() } : {}),
  };
  if (input.id) {
    await findPost(ctx, input.id, true);
    return ctx.collections.posts.update(input.id, fields);
  }
  const post = await ctx.collections.posts.insert({
    pinned: false,
    status: 'visible',
    authorName: '社区居委会',
    ...fields,
  });
  await ctx.emit('post.published', { postId: post.id, title: post.title, category: post.category });
  return post;
}

/** Every post, hidden ones too, for the staff's list. */
export async function listAllPosts(input: ListInput<{ status?: Status; category?: Category }>, ctx: Ctx) {
  const { status, category } = input.where ?? {};
  return ctx.collections.posts.find({
    where: { ...(status ? { status } : {}), ...(category ? { category } : {}) },
    orderBy: [{ field: 'createdAt', dir: 'desc' }],
    ...page(input),
  });
}

const setPost = async (ctx: Ctx, id: string, patch: Partial<{ [K in keyof Post]: Post[K] | null }>) => {
  await findPost(ctx, id, true);
  return ctx.collections.posts.update(id, patch);
};

export const pinPost = (input: ById, ctx: Ctx) => setPost(ctx, input.id, { pinned: true });
export const unpinPost = (input: ById, ctx: Ctx) => setPost(ctx, input.id, { pinned: false });

/** Hides a post from residents and records the decision in the audit log. */
export async function hidePost(input: ById & { reason?: string }, ctx: Ctx) {
  const post = await setPost(ctx, input.id, { status: 'hidden', hiddenReason: input.reason?.trim() || null });
  await ctx.services.audit.record({
    action: 'post.hidden',
    objectId: input.id,
    detail: { reason: input.reason ?? '' },
  });
  return post;
}

export async function restorePost(input: ById, ctx: Ctx) {
  const post = await setPost(ctx, input.id, { status: 'visible', hiddenReason: null });
  await ctx.services.audit.record({ action: 'post.restored', objectId: input.id });
  return post;
}

/** Comments for moderation, newest first, with the title of their post. */
export async function moderationQueue(input: ListInput<{ status?: Status }>, ctx: Ctx) {
  const status = input.where?.status;
  const found = await ctx.collections.comments.find({
    where: status ? { status } : {},
    orderBy: [{ field: 'createdAt', dir: 'desc' }],
    ...page(input),
  });
  const postIds = [...new Set(found.items.map((c) => c.postId))];
  const posts = postIds.length
    ? await ctx.collections.posts.find({ where: { id: { in: postIds } }, limit: 100 })
    : null;
  const titles = new Map((posts?.items ?? []).map((p) => [p.id, p.title]));
  return {
    total: found.total,
    items: found.items.map((c) => ({ ...c, postTitle: titles.get(c.postId) ?? '（已删除）' })),
  };
}

/**
 * Hides a comment and tells its author why, through the message service (the app asks for `message.send`; if the
 * community did not grant it, the call fails and nothing is hidden, so the author is never left uninformed).
 */
export async function hideComment(input: ById & { reason?: string }, ctx: Ctx) {
  const comment = await findComment(ctx, input.id);
  if (comment.status === 'hidden') return comment;
  const reason = input.reason?.trim() || '内容不符合社区公约';
  if (comment.authorId) {
    await ctx.services.message.send({
      userId: comment.authorId,
      template: 'noticeboard.comment-hidden',
      text: {
        zh: `您在邻里公告板的评论已被隐藏，原因：${reason}。如有疑问请联系社区居委会。`,
        en: `Your comment on the noticeboard was hidden. Reason: ${reason}. Ask the community office if in doubt.`,
      },
    });
  }
  const hidden = await ctx.collections.comments.update(input.id, { status: 'hidden', hiddenReason: reason });
  await ctx.services.audit.record({ action: 'comment.hidden', objectId: input.id, detail: { reason } });
  return hidden;
}

export async function restoreComment(input: ById, ctx: Ctx) {
  await findComment(ctx, input.id);
  const restored = await ctx.collections.comments.update(input.id, { status: 'visible', hiddenReason: null });
  await ctx.services.audit.record({ action: 'comment.restored', objectId: input.id });
  return restored;
}
