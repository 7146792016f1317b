import {
  closeSituation,
  emergencyClasses,
  getSituation,
  listSituations,
  situationKinds,
  situationStats,
} from '@shequ/iot';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** 公共区域态势库 (DB33 7.2.2.3.1–7.2.2.3.3): situations filled from the devices' alert events. */
export const iotSituationsRouter = router({
  /** Situations newest first, by keyset (`cursor` is the previous page's `nextCursor`). */
  list: authedProcedure
    .input(
      community.extend({
        kind: z.enum(situationKinds).optional(),
        category: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/)
          .optional(),
        emergencyClass: z.enum(emergencyClasses).optional(),
        status: z.enum(['open', 'closed']).optional(),
        deviceId: z.uuid().optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        cursor: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.situations.read');
      const { cursor, limit, from, to, community: _, ...f } = input;
      return listSituations(
        ctx.platform.database.db,
        ctx.principal.scope,
        c.id,
        { ...f, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
        { cursor, limit },
      );
    }),
  get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'iot.situations.read');
    return getSituation(ctx.platform.database.db, ctx.principal.scope, c.id, input.id);
  }),
  /** Per kind and category (count, open, median and mean duration) and per community day, for days [from, to]. */
  stats: authedProcedure
    .input(community.extend({ from: day.optional(), to: day.optional() }))
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.situations.stats');
      return situationStats(ctx.platform.database.db, ctx.principal.scope, c.id, { from: input.from, to: input.to });
    }),
  /** Closes a situation with its handling result and, optionally, its parties (people of the base warehouse). */
  close: authedProcedure
    .input(
      community.extend({
        id: z.uuid(),
        result: z.string().trim().min(1).max(1000),
        personIds: z.array(z.uuid()).max(20).optional(),
        expectedVersion: z.number().int().min(1).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.situations.close');
      const { community: _, ...rest } = input;
      return closeSituation(ctx.platform.database.db, ctx.principal.scope, c.id, rest, actorOf(ctx));
    }),
});
