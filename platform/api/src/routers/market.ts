import { AppError, hasPermission } from '@shequ/core';
import { marketListings, marketPublishers } from '@shequ/db';
import {
  abortRollout,
  addDownstream,
  addPublisherKey,
  addUpstream,
  appDetail,
  appMetrics,
  appReviewMaxChars,
  browse,
  communityInstalls,
  completeRollout,
  createPublisher,
  deliverReport,
  downstreamReports,
  hideReview,
  installFromShelf,
  killVersion,
  listDeliveries,
  listDownstreams,
  listPublishers,
  listReviews,
  listSubmissions,
  listUpstreams,
  loadPlatformKey,
  type Market,
  moveSubmission,
  operationsMetrics,
  pin,
  promoteRollout,
  rateApp,
  removeDownstream,
  removeUpstream,
  replyToReview,
  reportFor,
  resubmit,
  revokePublisherKey,
  rollback,
  rolloutApps,
  rolloutOverview,
  startRollout,
  syncUpstream,
  upgradeFromShelf,
  type Within,
} from '@shequ/marketplace';
import { keyFingerprint, setPluginEnabled, uninstallPlugin } from '@shequ/runtime';
import { scenarios } from '@shequ/schemas';
import { eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, type Context, permitted, router } from '../trpc.ts';

const pluginId = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/)
  .max(64);
const version = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/)
  .max(64);
const text = z.object({ zh: z.string().trim().min(1).max(500), en: z.string().trim().min(1).max(500) });
const grants = z
  .object({
    services: z.record(z.string(), z.array(z.string().max(64)).max(32)),
    data: z.array(z.string().max(64)).max(32),
    hosts: z.array(z.string().max(255)).max(16),
  })
  .strict();
const code = z.string().trim().min(1).max(64);
const submission = z.object({ id: z.uuid() });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const states = z.enum(['submitted', 'in_review', 'approved', 'rejected', 'on_shelf', 'off_shelf', 'withdrawn']);

type Authed = Context & { principal: NonNullable<Context['principal']> };

const marketOf = (ctx: Context): Market => ({
  database: ctx.platform.database,
  crypto: ctx.platform.crypto,
  host: ctx.plugins,
  catalog: { id: ctx.platform.config.catalogId, upstreamHosts: ctx.platform.config.upstreamHosts },
});

/** Platform administrators (and the CLI token) act for any publisher. */
const actor = (ctx: Authed) => ({
  ...actorOf(ctx),
  admin: ctx.principal.userId === 'cli' || ctx.principal.grants.some((g) => g.role === 'platform_admin'),
});

/** Communities (by region path) where the caller may operate apps: their jurisdiction for market.operate. */
const within =
  (ctx: Authed): Within =>
  (path) =>
    hasPermission(ctx.principal.grants, 'market.operate', path);

const operating = permitted('market.operate');
const rolloutId = z.object({ id: z.uuid() });

const move = (name: 'claim' | 'approve' | 'shelve' | 'unshelve') =>
  permitted('market.review')
    .input(submission.extend({ note: z.string().max(2000).optional() }))
    .mutation(({ ctx, input }) => moveSubmission(marketOf(ctx), actor(ctx), input.id, name, { note: input.note }));

/** Plugin ids of the publishers the caller belongs to. */
async function ownPluginIds(ctx: Authed) {
  const pubs = await listPublishers(marketOf(ctx), actor(ctx));
  const slugs = pubs.map((p) => p.slug);
  if (slugs.length === 0) return [];
  const rows = await ctx.platform.database.db
    .select({ id: marketListings.pluginId })
    .from(marketListings)
    .innerJoin(marketPublishers, eq(marketPublishers.id, marketListings.publisherId))
    .where(inArray(marketPublishers.slug, slugs));
  return rows.map((r) => r.id);
}

export const marketRouter = router({
  // Catalog (operators and everyone in the market shell).
  browse: permitted('market.browse')
    .input(
      z
        .object({
          q: z.string().max(100).optional(),
          scenario: z.enum(scenarios as [string, ...string[]]).optional(),
          sort: z.enum(['name', 'rating']).optional(),
          limit: z.number().int().min(1).max(100).optional(),
          offset: z.number().int().min(0).max(100_000).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => browse(marketOf(ctx), input ?? {})),
  app: permitted('market.browse')
    .input(z.object({ pluginId }))
    .query(({ ctx, input }) => appDetail(marketOf(ctx), input.pluginId)),

  // Ratings and reviews: operators of a community with the app installed write one per community (editable); the
  // publisher replies once; reviewers hide one with a reason. Everyone browsing reads the visible ones.
  reviews: permitted('market.browse')
    .input(
      z.object({
        pluginId,
        community: code.optional(),
        limit: z.number().int().min(1).max(200).optional(),
        offset: z.number().int().min(0).max(100_000).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const own = input.community ? [(await communityFor(ctx, input.community, 'market.operate')).id] : [];
      return listReviews(marketOf(ctx), input.pluginId, {
        ownCommunityIds: own,
        includeHidden: hasPermission(ctx.principal.grants, 'market.review'),
        limit: input.limit,
        offset: input.offset,
      });
    }),
  rate: authedProcedure
    .input(
      z.object({
        community: code,
        pluginId,
        rating: z.number().int().min(1).max(5),
        body: z
          .string()
          .max(appReviewMaxChars * 2)
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'market.operate');
      return rateApp(marketOf(ctx), actor(ctx), { ...input, communityId: c.id });
    }),
  replyReview: permitted('market.publish')
    .input(z.object({ id: z.uuid(), reply: z.string().max(appReviewMaxChars * 2) }))
    .mutation(({ ctx, input }) => replyToReview(marketOf(ctx), actor(ctx), { reviewId: input.id, reply: input.reply })),
  hideReview: permitted('market.review')
    .input(z.object({ id: z.uuid(), reason: z.string().trim().min(1).max(500) }))
    .mutation(({ ctx, input }) => hideReview(marketOf(ctx), actor(ctx), { reviewId: input.id, reason: input.reason })),

  // Publishers.
  publishers: permitted('market.publish').query(({ ctx }) => listPublishers(marketOf(ctx), actor(ctx))),
  createPublisher: permitted('market.publish')
    .input(z.object({ slug: z.string().max(48), name: text }))
    .mutation(async ({ ctx, input }) => {
      const p = await createPublisher(marketOf(ctx), actor(ctx), input);
      return { id: p.id, slug: p.slug };
    }),
  addKey: permitted('market.publish')
    .input(
      z.object({
        publisher: z.string().max(48),
        publicKey: z.string().max(4000),
        keyId: z.string().max(64).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      addPublisherKey(marketOf(ctx), actor(ctx), input.publisher, input.publicKey, input.keyId),
    ),
  revokeKey: permitted('market.publish')
    .input(z.object({ publisher: z.string().max(48), keyId: z.string().max(64), reason: z.string().max(200) }))
    .mutation(({ ctx, input }) =>
      revokePublisherKey(marketOf(ctx), actor(ctx), input.publisher, input.keyId, input.reason),
    ),
  mySubmissions: permitted('market.publish').query(async ({ ctx }) =>
    listSubmissions(marketOf(ctx), { pluginIds: await ownPluginIds(ctx) }),
  ),
  withdraw: permitted('market.publish')
    .input(submission)
    .mutation(({ ctx, input }) => moveSubmission(marketOf(ctx), actor(ctx), input.id, 'withdraw')),
  resubmit: permitted('market.publish')
    .input(submission)
    .mutation(({ ctx, input }) => resubmit(marketOf(ctx), actor(ctx), input.id)),

  // Review (reviewers: distinct from publishers).
  queue: permitted('market.review')
    .input(z.object({ states: z.array(states).max(7).optional() }).optional())
    .query(({ ctx, input }) =>
      listSubmissions(marketOf(ctx), { states: input?.states ?? ['submitted', 'in_review', 'approved', 'on_shelf'] }),
    ),
  report: authedProcedure.input(submission).query(async ({ ctx, input }) => {
    const report = await reportFor(marketOf(ctx), input.id);
    const reviewer = hasPermission(ctx.principal.grants, 'market.review');
    if (!reviewer && !(await ownPluginIds(ctx)).includes(report.pluginId))
      throw new AppError('FORBIDDEN', {
        zh: '您只能查看自己应用的审核报告',
        en: 'You may only read the reports of your own apps',
      });
    return report;
  }),
  claim: move('claim'),
  approve: move('approve'),
  shelve: move('shelve'),
  unshelve: move('unshelve'),
  reject: permitted('market.review')
    .input(submission.extend({ reasons: z.array(text).min(1).max(20) }))
    .mutation(({ ctx, input }) =>
      moveSubmission(marketOf(ctx), actor(ctx), input.id, 'reject', { reasons: input.reasons }),
    ),
  // Federation (DB33 8.1.1): upstream catalogs this catalog follows (platform administrators).
  upstreams: router({
    list: permitted('market.federate').query(({ ctx }) => listUpstreams(marketOf(ctx))),
    /** This catalog's id and signing key: what the operators of following catalogs pin. */
    catalogKey: permitted('market.federate').query(async ({ ctx }) => {
      const key = await loadPlatformKey(ctx.platform.database.db, ctx.platform.crypto);
      return {
        catalogId: ctx.platform.config.catalogId,
        keyId: key.keyId,
        fingerprint: keyFingerprint(key.publicKey),
        publicKey: key.publicKey,
      };
    }),
    add: permitted('market.federate')
      .input(z.object({ url: z.url().max(500), key: z.string().trim().min(16).max(2000) }))
      .mutation(({ ctx, input }) => addUpstream(marketOf(ctx), actor(ctx), input)),
    remove: permitted('market.federate')
      .input(z.object({ id: z.uuid() }))
      .mutation(({ ctx, input }) => removeUpstream(marketOf(ctx), actor(ctx), input.id)),
    syncNow: permitted('market.federate')
      .input(z.object({ id: z.uuid() }))
      .mutation(({ ctx, input }) => syncUpstream(marketOf(ctx), actor(ctx), input.id)),
    /** Pushes the signed operations report (DB33 8.1.2) of a day (default: yesterday) to the upstream now. */
    sendReport: permitted('market.federate')
      .input(z.object({ id: z.uuid(), day: day.optional() }))
      .mutation(async ({ ctx, input }) => {
        // This process's calls not yet flushed belong in the report (a report, once issued, stands for its day).
        await ctx.plugins?.flushMetrics();
        return deliverReport(marketOf(ctx), input.id, input.day);
      }),
    /** The latest report deliveries to upstreams, for operators and government roles. */
    deliveries: permitted('market.metrics.read').query(({ ctx }) => listDeliveries(marketOf(ctx))),
  }),

  // Downstream catalogs whose operations reports this catalog accepts (DB33 8.1.2), each with its pinned catalog key.
  downstreams: router({
    list: permitted('market.federate').query(({ ctx }) => listDownstreams(marketOf(ctx))),
    add: permitted('market.federate')
      .input(
        z.object({
          catalogId: z.string().trim().min(1).max(64),
          name: z.string().trim().min(1).max(100),
          key: z.string().trim().min(16).max(2000),
          region: code.nullable().optional(),
        }),
      )
      .mutation(({ ctx, input }) => addDownstream(marketOf(ctx), actor(ctx), input)),
    remove: permitted('market.federate')
      .input(z.object({ id: z.uuid() }))
      .mutation(({ ctx, input }) => removeDownstream(marketOf(ctx), actor(ctx), input.id)),
  }),

  kill: permitted('market.review')
    .input(z.object({ pluginId, version, reason: z.string().trim().min(1).max(500) }))
    .mutation(async ({ ctx, input }) => {
      const done = await killVersion(marketOf(ctx), actor(ctx), input.pluginId, input.version, input.reason);
      // The kill is in the outbox: send it now rather than at the relay's next poll, so every process hears it sooner.
      ctx.platform.relay.kick();
      return done;
    }),

  // Installs (operators, per community in their jurisdiction).
  install: authedProcedure
    .input(
      z.object({
        pluginId,
        version: version.optional(),
        communities: z.array(code).min(1).max(5000),
        grants: grants.optional(),
        enable: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const ids = [];
      for (const c of input.communities) ids.push((await communityFor(ctx, c, 'market.operate')).id);
      return installFromShelf(marketOf(ctx), actor(ctx), { ...input, communityIds: ids });
    }),
  installs: authedProcedure.input(z.object({ community: code })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'market.operate');
    return communityInstalls(marketOf(ctx), c.id);
  }),
  setEnabled: authedProcedure
    .input(z.object({ community: code, pluginId, enabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'market.operate');
      const m = marketOf(ctx);
      if (!m.host)
        throw new AppError('UNAVAILABLE', { zh: '应用运行环境未启动', en: 'The app runtime is not running here' });
      return setPluginEnabled(m.host, c.id, input.pluginId, input.enabled, actorOf(ctx));
    }),
  uninstall: authedProcedure.input(z.object({ community: code, pluginId })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'market.operate');
    const m = marketOf(ctx);
    if (!m.host)
      throw new AppError('UNAVAILABLE', { zh: '应用运行环境未启动', en: 'The app runtime is not running here' });
    return uninstallPlugin(m.host, c.id, input.pluginId, actorOf(ctx));
  }),
  upgrade: authedProcedure
    .input(z.object({ community: code, pluginId, version, grants: grants.optional(), dryRun: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'market.operate');
      return upgradeFromShelf(marketOf(ctx), actor(ctx), { ...input, communityId: c.id });
    }),
  rollback: authedProcedure
    .input(z.object({ community: code, pluginId, version, dryRun: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'market.operate');
      return rollback(marketOf(ctx), actor(ctx), { ...input, communityId: c.id });
    }),
  pin: authedProcedure
    .input(z.object({ community: code, pluginId, version: version.nullable() }))
    .mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'market.operate');
      return pin(marketOf(ctx), actor(ctx), c.id, input.pluginId, input.version);
    }),

  /**
   * Handler metrics (DB33 8.1.2) of one app per community and version over the last hours: calls, errors, error rate
   * and latency (average, p95, p99, max). One community, or every community in the caller's jurisdiction.
   */
  metrics: operating
    .input(
      z.object({
        pluginId,
        community: code.optional(),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90)
          .optional(),
        byHandler: z.boolean().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const ids = input.community ? [(await communityFor(ctx, input.community, 'market.operate')).id] : undefined;
      return appMetrics(marketOf(ctx), { ...input, communityIds: ids }, within(ctx));
    }),

  /**
   * Operations metrics (DB33 8.1.2) for government roles: per app and community of the caller's jurisdiction, the
   * figures over community days `from`..`to` (at most 92). Aggregates only.
   */
  operations: permitted('market.metrics.read')
    .input(z.object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }))
    .query(async ({ ctx, input }) => {
      await ctx.plugins?.flushMetrics();
      return operationsMetrics(
        ctx.platform.database.db,
        (path) => hasPermission(ctx.principal.grants, 'market.metrics.read', path),
        input,
      );
    }),

  /** 下级上报: what downstream catalogs of the caller's jurisdiction reported for community days `from`..`to`. */
  downstreamReports: permitted('market.metrics.read')
    .input(z.object({ from: day, to: day }))
    .query(({ ctx, input }) =>
      downstreamReports(
        marketOf(ctx),
        (path) => hasPermission(ctx.principal.grants, 'market.metrics.read', path),
        input,
      ),
    ),

  // Staged upgrades (DB33 7.5.2.3): pilot communities first, then the rest; automatic rollback on errors.
  rollouts: router({
    apps: operating.query(({ ctx }) => rolloutApps(marketOf(ctx), within(ctx))),
    overview: operating
      .input(z.object({ pluginId }))
      .query(({ ctx, input }) => rolloutOverview(marketOf(ctx), input.pluginId, within(ctx))),
    start: operating
      .input(
        z.object({
          pluginId,
          toVersion: version,
          pilots: z.array(code).min(1).max(500),
          /** Error-rate threshold as a share (0.05 = 5%). */
          threshold: z.number().gt(0).max(1),
          minCalls: z.number().int().min(1).max(1_000_000),
          grantNew: z.array(z.string().max(255)).max(64).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const ids = [];
        for (const c of input.pilots) ids.push((await communityFor(ctx, c, 'market.operate')).id);
        return startRollout(marketOf(ctx), actor(ctx), { ...input, pilotCommunityIds: ids }, within(ctx));
      }),
    promote: operating
      .input(rolloutId)
      .mutation(({ ctx, input }) => promoteRollout(marketOf(ctx), actor(ctx), input.id, within(ctx))),
    complete: operating
      .input(rolloutId)
      .mutation(({ ctx, input }) => completeRollout(marketOf(ctx), actor(ctx), input.id, within(ctx))),
    abort: operating
      .input(rolloutId.extend({ reason: z.string().trim().min(1).max(500).optional() }))
      .mutation(({ ctx, input }) => abortRollout(marketOf(ctx), actor(ctx), input.id, within(ctx), input.reason)),
  }),
});
