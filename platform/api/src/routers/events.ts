import {
  AppError,
  displayNames,
  eventFeed,
  eventHistoryOf,
  eventWorkers,
  getEvent,
  handlerRoles,
  hasPermission,
  listEvents,
  reportEvent,
  slaBoard,
  transitionEvent,
} from '@shequ/core';
import { z } from 'zod';
import { communityFor } from '../community.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const severity = z.enum(['low', 'normal', 'high', 'critical']);
const location = z
  .object({
    houseId: z.uuid().optional(),
    spaceId: z.uuid().optional(),
    facilityId: z.uuid().optional(),
    lon: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    text: z.string().trim().max(200).optional(),
  })
  .strict();

type Authed = Context & { principal: NonNullable<Context['principal']> };

/** The role names the caller holds over the community (grants on it or on a region containing it). */
const rolesIn = (ctx: Authed, path: string) =>
  ctx.principal.grants.filter((g) => g.regionPath === null || path.startsWith(g.regionPath)).map((g) => g.role);

const isHandler = (roles: string[]) => roles.some((r) => (handlerRoles as readonly string[]).includes(r));

/** Events with the names of reporter and assignee, for lists. */
async function withNames<T extends { reporterId: string; assigneeId: string | null }>(ctx: Authed, items: T[]) {
  const names = await displayNames(
    ctx.platform.database.db,
    items.flatMap((i) => [i.reporterId, i.assigneeId ?? '']),
  );
  return items.map((i) => ({
    ...i,
    reporterName: names[i.reporterId] ?? null,
    assigneeName: i.assigneeId ? (names[i.assigneeId] ?? null) : null,
  }));
}

export const eventsRouter = router({
  /** A resident (or a grid worker on patrol) reports an event with photos and a location. */
  report: authedProcedure
    .input(
      community.extend({
        type: z.string().regex(/^[a-z][a-z0-9._-]{0,39}$/),
        title: z.string().trim().min(1).max(100),
        description: z.string().max(2000).optional(),
        location: location.optional(),
        severity: severity.optional(),
        photos: z.array(z.string().max(3_000_000)).max(3).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'events.report');
      const roles = rolesIn(ctx, c.path);
      const e = await reportEvent(
        ctx.platform.database.db,
        {
          communityId: c.id,
          type: input.type,
          title: input.title,
          description: input.description,
          location: input.location,
          severity: input.severity,
          photos: input.photos,
          source: isHandler(roles) ? 'grid' : 'resident',
        },
        { id: ctx.principal.userId, roles },
      );
      // The cockpit feed and workers' clients follow the bus: publish now rather than at the relay's next poll.
      ctx.platform.relay.kick();
      return e;
    }),
  /** The caller's own reports, newest first. */
  mine: authedProcedure
    .input(community.extend({ before: z.iso.datetime().optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'events.report');
      const r = await listEvents(ctx.platform.database.db, c.id, {
        reporterId: ctx.principal.userId,
        before: input.before,
      });
      return { ...r, items: await withNames(ctx, r.items) };
    }),
  /** One event with photos, history and the transitions the caller may take; residents see their own only. */
  get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'events.report');
    const roles = rolesIn(ctx, c.path);
    const r = await getEvent(ctx.platform.database.db, c.id, input.id, { id: ctx.principal.userId, roles });
    const mine = r.event.reporterId === ctx.principal.userId || r.event.assigneeId === ctx.principal.userId;
    if (!mine && !hasPermission(ctx.principal.grants, 'events.handle', c.path))
      throw new AppError('NOT_FOUND', { zh: '事件不存在', en: 'No such event' });
    const names = await displayNames(ctx.platform.database.db, [
      r.event.reporterId,
      r.event.assigneeId ?? '',
      ...r.history.map((h) => h.actor),
    ]);
    return { ...r, names };
  }),
  /** The cockpit's feed (government roles and the community office): counts and the newest events, no people. */
  feed: authedProcedure
    .input(community.extend({ limit: z.number().int().min(1).max(100).optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'events.feed');
      return eventFeed(ctx.platform.database.db, c.id, input.limit);
    }),
  /** The event desk: a community's events filtered by state, severity, overdue or the caller's own queue. */
  list: authedProcedure
    .input(
      community.extend({
        states: z.array(z.string().max(40)).max(30).optional(),
        severities: z.array(severity).max(4).optional(),
        overdue: z.boolean().optional(),
        assignedToMe: z.boolean().optional(),
        before: z.iso.datetime().optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'events.handle');
      const r = await listEvents(ctx.platform.database.db, c.id, {
        states: input.states,
        severities: input.severities,
        overdue: input.overdue,
        assigneeId: input.assignedToMe ? ctx.principal.userId : undefined,
        before: input.before,
        limit: input.limit,
      });
      return { ...r, items: await withNames(ctx, r.items) };
    }),
  /** A workflow transition (accept, assign, start, resolve, rate, close, reopen …) at the version the caller saw. */
  transition: authedProcedure
    .input(
      community.extend({
        id: z.uuid(),
        event: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
        version: z.number().int().min(0),
        assigneeId: z.uuid().optional(),
        rating: z.number().int().optional(),
        comment: z.string().max(500).optional(),
        note: z.string().max(1000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'events.report');
      const e = await transitionEvent(
        ctx.platform.database.db,
        {
          communityId: c.id,
          eventId: input.id,
          event: input.event,
          expectedVersion: input.version,
          assigneeId: input.assigneeId,
          rating: input.rating,
          comment: input.comment,
          note: input.note,
        },
        { id: ctx.principal.userId, roles: rolesIn(ctx, c.path) },
      );
      ctx.platform.relay.kick();
      return e;
    }),
  history: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'events.handle');
    return eventHistoryOf(ctx.platform.database.db, c.id, input.id);
  }),
  /** Open events by how much of their state's SLA is used: ok, warning (≥ 80%), overdue. */
  sla: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'events.handle');
    const board = await slaBoard(ctx.platform.database.db, c.id);
    const names = await displayNames(
      ctx.platform.database.db,
      board.items.map((i) => i.assigneeId ?? ''),
    );
    return { ...board, items: board.items.map((i) => ({ ...i, assigneeName: names[i.assigneeId ?? ''] ?? null })) };
  }),
  /** Who can be assigned: staff with a handling role over the community. */
  workers: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'events.handle');
    return eventWorkers(ctx.platform.database.db, c.id);
  }),
});
