import { AppError, hasPermission, listRegions } from '@shequ/core';
import { energyByCommunity, energyDaily, energySummary, householdMonth } from '@shequ/iot';
import { z } from 'zod';
import { communityFor } from '../community.ts';
import { authedProcedure, type Context, permitted, router } from '../trpc.ts';

const community = z.object({ community: z.string().trim().min(1).max(64) });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);
const deps = (ctx: Pick<Context, 'platform'>) => ({ db: ctx.platform.database.db, crypto: ctx.platform.crypto });
const deviceName = z.string().min(1).max(64);

/**
 * 低碳能耗库 (DB33 7.2.2.5): energy analysis over the IoT warehouse's daily roll-ups — public-facility use by use
 * (7.2.2.5.1), PV generation (7.2.2.5.2), heat and cool supplied (7.2.2.5.3), households' monthly water, power and
 * gas (7.2.2.5.5). Aggregates need `energy.read` (operators, property staff, government); per-meter household figures
 * need `energy.households.read` (not government roles: they read aggregates).
 */
export const iotEnergyRouter = router({
  /** A month against the one before: every measure's total, public total, PV over public consumption. */
  summary: authedProcedure.input(community.extend({ month })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'energy.read');
    return energySummary(deps(ctx), ctx.principal.scope, c.id, { month: input.month });
  }),
  /** Per Shanghai day in [from, to] (at most 92 days): public use by use, PV, heat and cool. */
  daily: authedProcedure.input(community.extend({ from: day, to: day })).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'energy.read');
    return energyDaily(deps(ctx), ctx.principal.scope, c.id, { from: input.from, to: input.to });
  }),
  /** Households' meters with the month's use and the month before, a page at a time (keyset cursor). */
  households: authedProcedure
    .input(
      community.extend({
        month,
        utility: z.enum(['water', 'power', 'gas']).optional(),
        after: z.object({ productKey: z.string().max(64), deviceName }).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'energy.households.read');
      const { community: _, ...q } = input;
      return householdMonth(deps(ctx), ctx.principal.scope, c.id, q);
    }),
  /** The month's totals of every community under the caller's jurisdiction, side by side (government view). */
  compare: permitted('energy.read')
    .input(z.object({ month }))
    .query(async ({ ctx, input }) => {
      const all = await listRegions(ctx.platform.database.db);
      const mine = all.filter(
        (r) => r.level === 'community' && hasPermission(ctx.principal.grants, 'energy.read', r.path),
      );
      if (mine.length > 200)
        throw new AppError('INVALID_INPUT', {
          zh: '管辖社区过多，请按街道查看',
          en: 'Too many communities under the jurisdiction; narrow to a street',
        });
      return energyByCommunity(
        deps(ctx),
        ctx.principal.scope,
        mine.map((r) => ({ id: r.id, name: r.name, nameEn: r.nameEn ?? null })),
        input,
      );
    }),
});
