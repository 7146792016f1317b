import type { PluginContext, Stored, Text } from '@shequ/plugin-sdk';
import { PluginError } from '@shequ/plugin-sdk';

/** Kinds of notice; the labels feed list filters, forms and the dashboard. */
export const categories = {
  notice: { zh: '通知公告', en: 'Notices' },
  event: { zh: '社区活动', en: 'Events' },
  'lost-found': { zh: '失物招领', en: 'Lost and found' },
  help: { zh: '邻里互助', en: 'Neighbours helping' },
  other: { zh: '其他', en: 'Other' },
} as const satisfies Record<string, Text>;

export type Category = keyof typeof categories;
export type Status = 'visible' | 'hidden';

export const statuses = {
  visible: { zh: '公开', en: 'Visible' },
  hidden: { zh: '已隐藏', en: 'Hidden' },
} as const satisfies Record<Status, Text>;

/** A record of `posts` (shequ.plugin.json is the source of truth for its constraints). */
export interface Post {
  title: string;
  body: string;
  category: Category;
  pinned: boolean;
  status: Status;
  authorName: string;
  hiddenReason?: string;
}

/** A record of `comments`; `authorId` is the resident who wrote it, so moderation can tell them. */
export interface Comment {
  postId: string;
  body: string;
  status: Status;
  authorName: string;
  authorId?: string;
  hiddenReason?: string;
}

/** The app's collections, for a typed `ctx.collections`. */
export interface Board {
  posts: Post;
  comments: Comment;
}

export type Ctx = PluginContext<Board>;

/** Input of handlers called with a record id (detail pages and row actions). */
export interface ById {
  id: string;
}

/** What list pages send: the filter values under `where`, and a page. */
export interface ListInput<F> {
  where?: F;
  limit?: number;
  offset?: number;
}

/** A label in the caller's language: charts show one string. */
export const label = (ctx: Ctx, t: Text) => (ctx.locale === 'en' ? t.en : t.zh);

export const page = (input: ListInput<unknown>) => ({
  limit: Math.min(Math.max(input.limit ?? 20, 1), 100),
  offset: Math.max(input.offset ?? 0, 0),
});

/** A post, or NOT_FOUND; residents never learn that a hidden post exists. */
export async function findPost(ctx: Ctx, id: string, includeHidden: boolean): Promise<Stored<Post>> {
  const post = await ctx.collections.posts.get(id);
  if (!post || (post.status === 'hidden' && !includeHidden)) {
    throw new PluginError('NOT_FOUND', {
      zh: '这条公告不存在或已被隐藏',
      en: 'This post does not exist or was hidden',
    });
  }
  return post;
}

export async function findComment(ctx: Ctx, id: string): Promise<Stored<Comment>> {
  const comment = await ctx.collections.comments.get(id);
  if (!comment) throw new PluginError('NOT_FOUND', { zh: '这条评论不存在', en: 'This comment does not exist' });
  return comment;
}

export const isOperator = (ctx: Ctx) => ctx.user?.role === 'operator';
