import { hasPermission, healthMinGroup } from '@shequ/core';
import {
  communityScope,
  garbageStats,
  getVitals,
  healthProfile,
  healthStats,
  libraryStats,
  listFacts,
  listLoans,
  listParcels,
  listServiceFacts,
  listVitalMonitors,
  mealStats,
  parcelStats,
  readerHistory,
  type Subject,
  workoutKinds,
} from '@shequ/iot';
import { z } from 'zod';
import { communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const iso = z.iso.datetime({ offset: true });
const page = { cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(200).optional() };
const DAY = 86_400_000;

/** A statistics range: at most 92 days; by default the last 7 days to now. */
const range = community
  .extend({ from: iso.optional(), to: iso.optional() })
  .refine((r) => !r.from || !r.to || new Date(r.from) < new Date(r.to), { message: 'from must be before to' })
  .refine((r) => !r.from || !r.to || new Date(r.to).getTime() - new Date(r.from).getTime() <= 92 * DAY, {
    message: 'at most 92 days',
  });
const rangeOf = (r: { from?: string; to?: string }) => {
  const to = r.to ? new Date(r.to) : new Date(Date.now() + 60_000);
  return { from: r.from ? new Date(r.from) : new Date(to.getTime() - 7 * DAY), to };
};
/** Whom a per-resident query is about: a resident of the base warehouse, or one device ref as given. */
const subject = z.union([
  z.object({ personId: z.uuid() }).strict(),
  z.object({ ref: z.string().trim().min(1).max(64) }).strict(),
]);
const subjectOf = (s: z.infer<typeof subject>): Subject =>
  'personId' in s ? { personId: s.personId } : { ref: s.ref };
/** The window of a resident's time summaries (exercise, reading, training): the last 1–92 Shanghai days. */
const days = { days: z.number().int().min(1).max(92).optional() };
const dates = (r: { from?: string; to?: string }) => ({
  from: r.from ? new Date(r.from) : undefined,
  to: r.to ? new Date(r.to) : undefined,
});
const db = (ctx: { platform: { database: { db: Parameters<typeof listParcels>[0] } } }) => ctx.platform.database.db;

/** The filters every service-fact list takes (device, resident or ref, time range) and its page. */
const factList = {
  deviceId: z.uuid().optional(),
  subject: subject.optional(),
  from: iso.optional(),
  to: iso.optional(),
  ...page,
};
type FactListInput = { community: string; deviceId?: string; subject?: z.infer<typeof subject> } & {
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
};
/** One page of a domain's facts in the caller's community, once the caller holds `permission`. */
async function factPage(
  ctx: Parameters<typeof communityFor>[0] & Parameters<typeof db>[0],
  input: FactListInput,
  permission: Parameters<typeof communityFor>[2],
  domain: Parameters<typeof listServiceFacts>[3],
  extra: { event?: string; category?: string } = {},
) {
  const c = await communityFor(ctx, input.community, permission);
  return listServiceFacts(
    db(ctx),
    communityScope(c.id),
    c.id,
    domain,
    { ...extra, deviceId: input.deviceId, subject: input.subject && subjectOf(input.subject), ...dates(input) },
    { cursor: input.cursor, limit: input.limit },
  );
}

/**
 * The IoT warehouse's records (DB33 7.2.2): 货物 (parcels of the lockers), 垃圾回收 (drops and collections) and
 * 生命体征 (vital-signs monitors), 健康画像 (health kiosks, fitness equipment), 订送餐 (canteen tills) and 教育学习画像
 * (library terminals, e-reading devices, training check-in terminals).
 * Government roles read the statistics only; vital signs are personal health data for the community's own staff,
 * and a resident's checkups (L3/L4 health data) need `iot.warehouse.health` (community admin): others read the
 * health aggregates only.
 */
export const iotWarehouseRouter = router({
  parcels: router({
    list: authedProcedure
      .input(
        community.extend({
          deviceId: z.uuid().optional(),
          status: z.enum(['waiting', 'picked', 'overdue']).optional(),
          trackingNo: z.string().trim().min(1).max(64).optional(),
          from: iso.optional(),
          to: iso.optional(),
          ...page,
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.warehouse.read');
        const { cursor, limit, from, to, community: _, ...f } = input;
        return listParcels(
          db(ctx),
          communityScope(c.id),
          c.id,
          { ...f, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
          { cursor, limit },
        );
      }),
    stats: authedProcedure.input(range).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.stats');
      return parcelStats(db(ctx), communityScope(c.id), c.id, rangeOf(input));
    }),
  }),
  garbage: router({
    stats: authedProcedure.input(range).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.stats');
      return garbageStats(db(ctx), communityScope(c.id), c.id, rangeOf(input));
    }),
    /** Drops (投放) and collections (清运), newest first. */
    list: authedProcedure
      .input(
        community.extend({
          event: z.enum(['drop', 'collected', 'full']).optional(),
          deviceId: z.uuid().optional(),
          category: z
            .string()
            .regex(/^\d{1,2}$/)
            .optional(),
          from: iso.optional(),
          to: iso.optional(),
          ...page,
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.warehouse.read');
        const { cursor, limit, from, to, community: _, ...f } = input;
        return listFacts(
          db(ctx),
          communityScope(c.id),
          c.id,
          'garbage',
          { ...f, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined },
          { cursor, limit },
        );
      }),
  }),
  vitals: router({
    /** The monitors with their latest vitals and alerts of the last 24 hours. */
    list: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.vitals');
      return listVitalMonitors(db(ctx), communityScope(c.id), c.id);
    }),
    get: authedProcedure
      .input(community.extend({ deviceId: z.uuid(), days: z.number().int().min(1).max(90).optional() }))
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.warehouse.vitals');
        return getVitals(db(ctx), communityScope(c.id), c.id, input.deviceId, { days: input.days });
      }),
    /** Abnormal / SOS / fall events of the community (or one monitor), newest first. */
    events: authedProcedure
      .input(
        community.extend({
          event: z.enum(['abnormal', 'sos', 'fall']).optional(),
          deviceId: z.uuid().optional(),
          ...page,
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'iot.warehouse.vitals');
        const { cursor, limit, community: _, ...f } = input;
        return listFacts(db(ctx), communityScope(c.id), c.id, 'vitals', f, { cursor, limit });
      }),
  }),
  health: router({
    /** Aggregates only (checkups per day, share flagged per tag): no person. */
    stats: authedProcedure.input(range).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.stats');
      // Readers who may not see residents' checkups get no figure of a group small enough to point at someone.
      const exact = hasPermission(ctx.principal.grants, 'iot.warehouse.health', c.path);
      return healthStats(db(ctx), communityScope(c.id), c.id, rangeOf(input), {
        minGroup: exact ? undefined : healthMinGroup,
      });
    }),
    /** The checkups of the community (or of one resident / ref), newest first, each with its tags. */
    checkups: authedProcedure
      .input(community.extend(factList))
      .query(({ ctx, input }) => factPage(ctx, input, 'iot.warehouse.health', 'health', { event: 'checkup' })),
    /** The workouts (日常健身锻炼) of the community (or of one resident / ref), newest first. */
    workouts: authedProcedure
      .input(community.extend({ kind: z.enum(workoutKinds).optional(), ...factList }))
      .query(({ ctx, input }) =>
        factPage(ctx, input, 'iot.warehouse.health', 'health', { event: 'workout', category: input.kind }),
      ),
    /** 居民健康画像: latest values, BMI, key-health tags, checkup history and exercise of one resident or ref. */
    profile: authedProcedure.input(community.extend({ subject, ...page, ...days })).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.health');
      return healthProfile(
        db(ctx),
        communityScope(c.id),
        c.id,
        subjectOf(input.subject),
        { cursor: input.cursor, limit: input.limit },
        { days: input.days },
      );
    }),
  }),
  meals: router({
    stats: authedProcedure.input(range).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.stats');
      return mealStats(db(ctx), communityScope(c.id), c.id, rangeOf(input));
    }),
    /** Meals (订餐) and deliveries (送餐), newest first; of one resident / ref when given. */
    list: authedProcedure
      .input(
        community.extend({
          event: z.enum(['meal', 'delivered']).optional(),
          mealType: z.enum(['0', '1', '2']).optional(),
          ...factList,
        }),
      )
      .query(({ ctx, input }) =>
        factPage(ctx, input, 'iot.warehouse.read', 'meals', { event: input.event, category: input.mealType }),
      ),
  }),
  library: router({
    stats: authedProcedure.input(range).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.stats');
      return libraryStats(db(ctx), communityScope(c.id), c.id, rangeOf(input));
    }),
    /** Borrows, returns, reading sessions and training check-ins / check-outs, newest first. */
    list: authedProcedure
      .input(
        community.extend({
          event: z.enum(['borrow', 'return', 'reading', 'checkIn', 'checkOut']).optional(),
          ...factList,
        }),
      )
      .query(({ ctx, input }) => factPage(ctx, input, 'iot.warehouse.read', 'learning', { event: input.event })),
    /** The books out now (of one resident / ref when given). */
    loans: authedProcedure.input(community.extend({ subject: subject.optional() })).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.read');
      return listLoans(db(ctx), communityScope(c.id), c.id, input.subject && subjectOf(input.subject));
    }),
    /** 居民教育学习画像: one resident's or ref's learning events, the books they have out, reading and training time. */
    reader: authedProcedure.input(community.extend({ subject, ...page, ...days })).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.warehouse.read');
      return readerHistory(
        db(ctx),
        communityScope(c.id),
        c.id,
        subjectOf(input.subject),
        { cursor: input.cursor, limit: input.limit },
        { days: input.days },
      );
    }),
  }),
});
