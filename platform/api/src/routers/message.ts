import {
  inboxOf,
  listBroadcasts,
  listTemplates,
  markRead,
  previewAudience,
  renderTemplate,
  saveTemplate,
  sendBroadcast,
  sendMessages,
  templateByCode,
} from '@shequ/core';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const channel = z.enum(['in_app', 'sms', 'app_push', 'provincial_push']);
const audience = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('community') }),
  z.object({ kind: z.literal('compound'), compound: z.string().trim().min(1).max(64) }),
  z.object({
    kind: z.literal('building'),
    compound: z.string().trim().min(1).max(64),
    buildings: z.array(z.string().trim().min(1).max(16)).min(1).max(200),
  }),
  z.object({ kind: z.literal('tag'), tag: z.string().trim().min(1).max(32) }),
]);
const text = z.object({
  titleZh: z.string().trim().min(1).max(100),
  titleEn: z.string().trim().min(1).max(200),
  bodyZh: z.string().trim().min(1).max(2000),
  bodyEn: z.string().trim().min(1).max(4000),
});
const templateUse = z.object({
  code: z.string().max(64),
  vars: z.record(z.string().max(32), z.string().max(500)),
});

const messageDeps = (ctx: Pick<Context, 'platform'>) => ({
  db: ctx.platform.database.db,
  adapters: ctx.platform.messageAdapters,
  crypto: ctx.platform.crypto,
});

export const messageRouter = router({
  /** The signed-in user's inbox (站内信) in a community, with the unread count. */
  inbox: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'message.inbox');
    return inboxOf(ctx.platform.database.db, c.id, ctx.principal.userId);
  }),
  markRead: authedProcedure
    .input(community.extend({ ids: z.array(z.uuid()).min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'message.inbox');
      return markRead(ctx.platform.database.db, c.id, ctx.principal.userId, input.ids);
    }),
  templates: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'message.manage');
    return listTemplates(ctx.platform.database.db, c.id);
  }),
  saveTemplate: authedProcedure
    .input(
      community.extend({
        template: text.extend({
          code: z.string().trim().max(64),
          name: z.string().trim().min(1).max(100),
          variables: z.array(z.string().max(32)).max(20),
          channels: z.array(channel).max(4),
        }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'message.manage');
      return saveTemplate(ctx.platform.database.db, c.id, input.template, actorOf(ctx));
    }),
  /** Renders a template with variables without sending (the console's preview). */
  render: authedProcedure.input(community.extend({ template: templateUse })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'message.manage');
    const t = await templateByCode(ctx.platform.database.db, c.id, input.template.code);
    return renderTemplate(t, input.template.vars);
  }),
  /** Who a broadcast would reach: the count and a few names, before anything is sent. */
  preview: authedProcedure.input(community.extend({ audience })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'message.manage');
    const p = await previewAudience(ctx.platform.database.db, c.id, input.audience);
    return { count: p.count, households: p.households, sample: p.sample };
  }),
  /** Sends a broadcast; `expectedCount` is the preview's count (a changed audience is refused). */
  broadcast: authedProcedure
    .input(
      community.extend({
        audience,
        template: templateUse.optional(),
        text: text.optional(),
        channels: z.array(channel).min(1).max(4),
        urgent: z.boolean().default(false),
        expectedCount: z.number().int().min(0),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'message.manage');
      return sendBroadcast(
        messageDeps(ctx),
        {
          communityId: c.id,
          audience: input.audience,
          template: input.template,
          text: input.text,
          channels: input.channels,
          urgent: input.urgent,
          expectedCount: input.expectedCount,
        },
        actorOf(ctx),
      );
    }),
  broadcasts: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'message.manage');
    return listBroadcasts(ctx.platform.database.db, c.id);
  }),
  /** Staff send a template message to named users of the community. */
  send: authedProcedure
    .input(
      community.extend({
        userIds: z.array(z.uuid()).min(1).max(500),
        template: templateUse,
        channels: z.array(channel).min(1).max(4),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'message.manage');
      const t = await templateByCode(ctx.platform.database.db, c.id, input.template.code);
      const r = await sendMessages(
        messageDeps(ctx),
        {
          communityId: c.id,
          userIds: input.userIds,
          content: renderTemplate(t, input.template.vars),
          channels: input.channels,
          sender: ctx.principal.userId,
          templateCode: t.code,
        },
        actorOf(ctx),
      );
      return { messages: r.messages, deliveries: r.deliveries };
    }),
});
