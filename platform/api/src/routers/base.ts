import {
  acknowledgeConfidentiality,
  communityStats,
  confidentialityText,
  consentCategories,
  consentChannels,
  consentPurposes,
  countPeople,
  createHouse,
  createMapFeature,
  createNamed,
  createPerson,
  createVehicle,
  decideProposal,
  deleteMapFeature,
  entryStatus,
  getHouse,
  getNamed,
  getPerson,
  getVehicle,
  grantConsent,
  importMapFeatures,
  listConsents,
  listHouses,
  listNamed,
  listProposals,
  listVehicles,
  mapFeatureKinds,
  mapOf,
  myHousehold,
  type NamedKind,
  revealableFields,
  revealPerson,
  searchPeople,
  updateHouse,
  updateMapFeature,
  updateNamed,
  updatePerson,
  updateVehicle,
  withdrawConsent,
  withdrawMyConsent,
} from '@shequ/core';
import { z } from 'zod';
import { actorOf, baseDeps, communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const record = z.record(z.string(), z.unknown());

/**
 * Public spaces and facilities (7.2.3.5, 7.2.3.6): the same four procedures for both, guarded by
 * `base.<spaces|facilities>.read|write`. The records themselves are checked against their exchange schema in core.
 */
function namedRecordsRouter(kind: NamedKind, perm: 'base.spaces' | 'base.facilities') {
  return router({
    list: authedProcedure
      .input(
        community.extend({
          name: z.string().trim().max(64).optional(),
          type: z.string().trim().max(64).optional(),
          status: z.string().trim().max(32).optional(),
          after: z.string().max(400).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, `${perm}.read`);
        const { community: _, ...q } = input;
        return listNamed(baseDeps(ctx), ctx.principal.scope, kind, { ...q, communityId: c.id });
      }),
    get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, `${perm}.read`);
      return getNamed(baseDeps(ctx), ctx.principal.scope, kind, input.id);
    }),
    create: authedProcedure.input(community.extend({ record })).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, `${perm}.write`);
      return createNamed(baseDeps(ctx), ctx.principal.scope, kind, c.id, input.record, actorOf(ctx));
    }),
    update: authedProcedure
      .input(community.extend({ id: z.uuid(), version: z.number().int().min(1), patch: record }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, `${perm}.write`);
        return updateNamed(
          baseDeps(ctx),
          ctx.principal.scope,
          kind,
          input.id,
          input.version,
          input.patch,
          actorOf(ctx),
        );
      }),
  });
}

/** Base warehouse (DB33 7.2.3): validation lives in the services; routes resolve the community and map. */
export const baseRouter = router({
  people: router({
    list: authedProcedure
      .input(
        community.extend({
          namePrefix: z.string().trim().max(32).optional(),
          idNumber: z.string().trim().max(32).optional(),
          phone: z.string().trim().max(20).optional(),
          tag: z.string().trim().max(32).optional(),
          after: z.string().max(400).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.people.read');
        const { community: _, ...q } = input;
        return searchPeople(baseDeps(ctx), ctx.principal.scope, {
          ...q,
          communityId: c.id,
        });
      }),
    count: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'base.people.read');
      return {
        count: await countPeople(baseDeps(ctx), ctx.principal.scope, c.id),
      };
    }),
    get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, 'base.people.read');
      return getPerson(baseDeps(ctx), ctx.principal.scope, input.id);
    }),
    create: authedProcedure.input(community.extend({ person: record })).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'base.people.write');
      return createPerson(baseDeps(ctx), ctx.principal.scope, c.id, input.person, actorOf(ctx));
    }),
    update: authedProcedure
      .input(community.extend({ id: z.uuid(), version: z.number().int().min(1), patch: record }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.people.write');
        return updatePerson(baseDeps(ctx), ctx.principal.scope, input.id, input.version, input.patch, actorOf(ctx));
      }),
    reveal: authedProcedure
      .input(
        community.extend({
          id: z.uuid(),
          fields: z.array(z.enum(revealableFields)).min(1),
          reason: z.string().max(200),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.people.reveal');
        return revealPerson(baseDeps(ctx), ctx.principal.scope, input.id, input.fields, input.reason, actorOf(ctx));
      }),
  }),
  /** Merge proposals (DB33 7.2.1): imports that named stored records with other data, for an operator to decide. */
  merges: router({
    list: authedProcedure
      .input(
        community.extend({
          status: z.enum(['pending', 'accepted', 'rejected', 'superseded']).optional(),
          before: z.iso.datetime().optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.people.write');
        const { community: _, ...q } = input;
        return listProposals(baseDeps(ctx), ctx.principal.scope, c.id, q);
      }),
    decide: authedProcedure
      .input(
        community.extend({
          id: z.uuid(),
          decision: z.enum(['accept', 'reject']),
          note: z.string().trim().max(500).nullable().optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.people.write');
        return decideProposal(
          baseDeps(ctx),
          ctx.principal.scope,
          c.id,
          input.id,
          input.decision,
          input.note || null,
          actorOf(ctx),
        );
      }),
  }),
  houses: router({
    list: authedProcedure
      .input(
        community.extend({
          compound: z.string().trim().max(64).optional(),
          building: z.string().trim().max(16).optional(),
          unit: z.string().trim().max(16).optional(),
          after: z.string().max(600).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.read');
        const { community: _, ...q } = input;
        return listHouses(baseDeps(ctx), ctx.principal.scope, { ...q, communityId: c.id });
      }),
    get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, 'base.houses.read');
      return getHouse(baseDeps(ctx), ctx.principal.scope, input.id);
    }),
    update: authedProcedure
      .input(community.extend({ id: z.uuid(), version: z.number().int().min(1), patch: record }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.houses.write');
        return updateHouse(baseDeps(ctx), ctx.principal.scope, input.id, input.version, input.patch, actorOf(ctx));
      }),
    create: authedProcedure.input(community.extend({ house: record })).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'base.houses.write');
      return createHouse(baseDeps(ctx), ctx.principal.scope, c.id, input.house, actorOf(ctx));
    }),
  }),
  vehicles: router({
    list: authedProcedure
      .input(
        community.extend({
          plate: z.string().trim().max(12).optional(),
          kind: z.enum(['resident', 'temporary']).optional(),
          after: z.string().max(300).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.vehicles.read');
        const { community: _, ...q } = input;
        return listVehicles(baseDeps(ctx), ctx.principal.scope, { ...q, communityId: c.id });
      }),
    get: authedProcedure.input(community.extend({ id: z.uuid() })).query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, 'base.vehicles.read');
      return getVehicle(baseDeps(ctx), ctx.principal.scope, input.id);
    }),
    create: authedProcedure.input(community.extend({ vehicle: record })).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'base.vehicles.write');
      return createVehicle(baseDeps(ctx), ctx.principal.scope, c.id, input.vehicle, actorOf(ctx));
    }),
    update: authedProcedure
      .input(community.extend({ id: z.uuid(), version: z.number().int().min(1), patch: record }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.vehicles.write');
        return updateVehicle(baseDeps(ctx), ctx.principal.scope, input.id, input.version, input.patch, actorOf(ctx));
      }),
  }),
  spaces: namedRecordsRouter('space', 'base.spaces'),
  facilities: namedRecordsRouter('facility', 'base.facilities'),
  /** Data-entry governance: the confidentiality undertaking before a person's first entry. */
  entry: router({
    status: authedProcedure.query(async ({ ctx }) => ({
      ...(await entryStatus(ctx.platform.database.db, ctx.principal.userId)),
      text: confidentialityText,
    })),
    acknowledge: authedProcedure.mutation(async ({ ctx }) => {
      await acknowledgeConfidentiality(ctx.platform.database.db, actorOf(ctx));
      return { ok: true as const };
    }),
  }),
  consents: router({
    options: authedProcedure.query(() => ({
      purposes: consentPurposes,
      categories: consentCategories,
      channels: consentChannels,
    })),
    list: authedProcedure.input(community.extend({ personId: z.uuid() })).query(async ({ ctx, input }) => {
      await communityFor(ctx, input.community, 'base.people.read');
      return listConsents(baseDeps(ctx), ctx.principal.scope, input.personId);
    }),
    grant: authedProcedure
      .input(
        community.extend({
          personId: z.uuid(),
          purpose: z.enum(Object.keys(consentPurposes) as [keyof typeof consentPurposes]),
          categories: z.array(z.enum(Object.keys(consentCategories) as [keyof typeof consentCategories])).min(1),
          channel: z.enum(consentChannels),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.people.write');
        const { community: _, ...g } = input;
        return grantConsent(baseDeps(ctx), ctx.principal.scope, g, actorOf(ctx));
      }),
    withdraw: authedProcedure
      .input(community.extend({ id: z.uuid(), channel: z.enum(consentChannels) }))
      .mutation(async ({ ctx, input }) => {
        await communityFor(ctx, input.community, 'base.people.write');
        return withdrawConsent(baseDeps(ctx), ctx.principal.scope, input.id, input.channel, actorOf(ctx));
      }),
  }),
  map: router({
    features: authedProcedure
      .input(community.extend({ kind: z.enum(mapFeatureKinds).optional() }))
      .query(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.read');
        return mapOf(baseDeps(ctx), ctx.principal.scope, c.id, input.kind);
      }),
    create: authedProcedure
      .input(
        community.extend({
          kind: z.enum(mapFeatureKinds),
          name: z.string().trim().min(1).max(64),
          refId: z.uuid().optional(),
          geometry: z.record(z.string(), z.unknown()),
          properties: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.write');
        const { community: _, ...f } = input;
        return createMapFeature(
          baseDeps(ctx),
          ctx.principal.scope,
          c.id,
          f as Parameters<typeof createMapFeature>[3],
          actorOf(ctx),
        );
      }),
    update: authedProcedure
      .input(
        community.extend({
          id: z.uuid(),
          version: z.number().int().positive(),
          kind: z.enum(mapFeatureKinds).optional(),
          name: z.string().trim().min(1).max(64).optional(),
          refId: z.uuid().nullable().optional(),
          geometry: z.record(z.string(), z.unknown()).optional(),
          properties: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.write');
        const { community: _, id, version, ...patch } = input;
        return updateMapFeature(
          baseDeps(ctx),
          ctx.principal.scope,
          c.id,
          id,
          version,
          patch as Parameters<typeof updateMapFeature>[5],
          actorOf(ctx),
        );
      }),
    delete: authedProcedure
      .input(community.extend({ id: z.uuid(), version: z.number().int().positive() }))
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.write');
        return deleteMapFeature(baseDeps(ctx), ctx.principal.scope, c.id, input.id, input.version, actorOf(ctx));
      }),
    /** GeoJSON FeatureCollection import (6.3.6.1): dryRun reports per feature; otherwise all-or-nothing. */
    import: authedProcedure
      .input(community.extend({ collection: z.unknown(), dryRun: z.boolean() }))
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, 'base.houses.write');
        return importMapFeatures(
          baseDeps(ctx),
          ctx.principal.scope,
          c.id,
          { collection: input.collection, dryRun: input.dryRun },
          actorOf(ctx),
        );
      }),
  }),
  /** 我的家庭: the signed-in resident's houses, household members, vehicles and own consent records. */
  household: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    return myHousehold(baseDeps(ctx), c.id, ctx.principal.userId);
  }),
  withdrawMyConsent: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'profile.read');
    return withdrawMyConsent(baseDeps(ctx), c.id, ctx.principal.userId, input.id, actorOf(ctx));
  }),
  /** Counts for the cockpit: government roles read these, never the people behind them. */
  stats: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'base.houses.read');
    return communityStats(baseDeps(ctx), ctx.principal.scope, [c.id]);
  }),
});
