import {
  apiScopes,
  createApiClient,
  defaultRotationGraceMinutes,
  disableApiClient,
  listApiClients,
  maxRotationGraceMinutes,
  rotateApiClient,
} from '@shequ/core';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { authedProcedure, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const permission = 'openapi.clients.manage';

/** Clients of the signed open API (`/open/v1`, DB33 9.3.1.5): community administrators create, rotate, disable. */
export const openapiRouter = router({
  clients: router({
    list: authedProcedure.input(community).query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, permission);
      return listApiClients({ db: ctx.platform.database.db, crypto: ctx.platform.crypto }, ctx.principal.scope, c.id);
    }),
    /** The answer carries the secret: the only time it is shown. */
    create: authedProcedure
      .input(
        community.extend({
          name: z.string().trim().min(1).max(64),
          scopes: z.array(z.enum(apiScopes)).min(1).max(apiScopes.length),
          rateLimit: z.number().int().min(1).max(6000).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, permission);
        const { community: _, ...rest } = input;
        return createApiClient(
          { db: ctx.platform.database.db, crypto: ctx.platform.crypto },
          ctx.principal.scope,
          c.id,
          rest,
          { ...actorOf(ctx), userId: ctx.principal.userId },
        );
      }),
    /** A new secret (shown once); the old one stays valid for `graceMinutes` (default a day). */
    rotate: authedProcedure
      .input(
        community.extend({
          id: z.uuid(),
          graceMinutes: z.number().int().min(0).max(maxRotationGraceMinutes).optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const c = await communityFor(ctx, input.community, permission);
        return rotateApiClient(
          { db: ctx.platform.database.db, crypto: ctx.platform.crypto },
          ctx.principal.scope,
          c.id,
          input.id,
          input.graceMinutes ?? defaultRotationGraceMinutes,
          { ...actorOf(ctx), userId: ctx.principal.userId },
        );
      }),
    disable: authedProcedure.input(community.extend({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, permission);
      return disableApiClient(
        { db: ctx.platform.database.db, crypto: ctx.platform.crypto },
        ctx.principal.scope,
        c.id,
        input.id,
        { ...actorOf(ctx), userId: ctx.principal.userId },
      );
    }),
  }),
});
