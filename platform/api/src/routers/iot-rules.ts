import { AppError, hasPermission } from '@shequ/core';
import { regions, ruleDeadLetters, rules } from '@shequ/db';
import {
  createRule,
  deadLetters,
  deleteRule,
  deviceNameRe,
  getRule,
  listAlarms,
  listRecords,
  listRules,
  RuleEngine,
  ruleInputSchema,
  ruleMetricsOf,
  ruleTrace,
  setDeviceTags,
  setRuleEnabled,
  updateRule,
} from '@shequ/iot';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { actorOf, communityFor } from '../community.ts';
import { productFor } from '../iot-access.ts';
import { authedProcedure, type Context, router } from '../trpc.ts';

type Authed = Pick<Context, 'platform'> & { principal: NonNullable<Context['principal']> };
const deps = (ctx: Pick<Context, 'platform'>) => ({ db: ctx.platform.database.db, crypto: ctx.platform.crypto });
const community = z.object({ community: z.string().trim().min(1).max(64) });
const ruleId = z.object({ id: z.uuid() });
// The definition is checked again by the service (one source of truth); here it only has to be an object.
const definition = z.record(z.string(), z.unknown());

/** Resolves the community a rule (or one of its dead letters) belongs to and checks `permission` there. */
async function communityOfRow(ctx: Authed, table: 'rule' | 'deadLetter', id: string, permission: string) {
  const db = ctx.platform.database.db;
  const [row] =
    table === 'rule'
      ? await db
          .select({ communityId: rules.communityId, path: regions.path })
          .from(rules)
          .innerJoin(regions, eq(regions.id, rules.communityId))
          .where(eq(rules.id, id))
      : await db
          .select({ communityId: ruleDeadLetters.communityId, path: regions.path })
          .from(ruleDeadLetters)
          .innerJoin(regions, eq(regions.id, ruleDeadLetters.communityId))
          .where(eq(ruleDeadLetters.id, id));
  if (!row || !hasPermission(ctx.principal.grants, permission, row.path))
    throw new AppError('NOT_FOUND', {
      zh: '规则不存在或不在您的管辖范围内',
      en: `No ${table} ${id} in your jurisdiction`,
    });
  return row.communityId;
}

/** A rule engine for dry runs and retries in this process (the bus consumer runs beside the IoT gateway). */
const enginesOf = new WeakMap<object, RuleEngine>();
function rulesEngine(ctx: Pick<Context, 'platform' | 'iot' | 'plugins' | 'rules'>) {
  if (ctx.rules) return ctx.rules;
  let e = enginesOf.get(ctx.platform);
  if (!e) {
    e = new RuleEngine({
      database: ctx.platform.database,
      channel: ctx.platform.channel,
      iot: ctx.iot ?? null,
      onCommit: () => ctx.platform.relay.kick(),
      log: ctx.platform.log,
      distributed: ctx.platform.bus.kind === 'nats',
      invokePlugin: async ({ communityId, pluginId, handler, input }) => {
        if (!ctx.plugins) throw new Error('apps do not run in this process');
        const community = { id: communityId, code: await ctx.plugins.communityCode(communityId) };
        return ctx.plugins.invoke({ community, pluginId, handler, input, user: null, via: 'system' });
      },
    });
    enginesOf.set(ctx.platform, e);
  }
  return e;
}

/** A consumer in this process sees a rule change at once; consumers elsewhere within their cache time (2 s). */
function changed<T extends { communityId: string }>(ctx: Pick<Context, 'rules'>, r: T): T {
  ctx.rules?.invalidate(r.communityId);
  return r;
}

const sample = z.object({
  kind: z.enum(['property', 'event', 'state']),
  productKey: z.string().regex(/^[a-z0-9]{4,32}$/),
  deviceName: z.string().regex(deviceNameRe),
  params: z.record(z.string(), z.unknown()).optional(),
  event: z.string().max(50).optional(),
  state: z.enum(['online', 'offline']).optional(),
  tags: z.record(z.string(), z.string().max(64)).optional(),
});

/** Rules of the IoT engine (DB33 7.3.2.5): rules are data, evaluated by the consumer beside the gateway. */
export const iotRulesRouter = router({
  list: authedProcedure.input(community).query(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'iot.rules.read');
    return listRules(deps(ctx), ctx.principal.scope, c.id);
  }),
  get: authedProcedure.input(ruleId).query(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.read');
    return getRule(deps(ctx), ctx.principal.scope, input.id);
  }),
  create: authedProcedure.input(community.extend({ rule: ruleInputSchema })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'iot.rules.write');
    return changed(ctx, await createRule(deps(ctx), ctx.principal.scope, c.id, input.rule, actorOf(ctx)));
  }),
  update: authedProcedure.input(ruleId.extend({ rule: ruleInputSchema })).mutation(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.write');
    return changed(ctx, await updateRule(deps(ctx), ctx.principal.scope, input.id, input.rule, actorOf(ctx)));
  }),
  enable: authedProcedure.input(ruleId).mutation(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.write');
    return changed(ctx, await setRuleEnabled(deps(ctx), ctx.principal.scope, input.id, true, actorOf(ctx)));
  }),
  disable: authedProcedure.input(ruleId).mutation(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.write');
    return changed(ctx, await setRuleEnabled(deps(ctx), ctx.principal.scope, input.id, false, actorOf(ctx)));
  }),
  delete: authedProcedure.input(ruleId).mutation(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.write');
    return changed(ctx, await deleteRule(deps(ctx), ctx.principal.scope, input.id, actorOf(ctx)));
  }),
  dryRun: authedProcedure.input(community.extend({ rule: definition, sample })).mutation(async ({ ctx, input }) => {
    const c = await communityFor(ctx, input.community, 'iot.rules.read');
    return rulesEngine(ctx).dryRun(c.id, input.rule, input.sample);
  }),
  metrics: authedProcedure.input(ruleId).query(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'rule', input.id, 'iot.rules.read');
    return ruleMetricsOf(deps(ctx), ctx.principal.scope, input.id);
  }),
  trace: authedProcedure
    .input(ruleId.extend({ limit: z.number().int().min(1).max(50).optional() }))
    .query(async ({ ctx, input }) => {
      await communityOfRow(ctx, 'rule', input.id, 'iot.rules.read');
      return ruleTrace(deps(ctx), ctx.principal.scope, input.id, input.limit);
    }),
  deadLetters: authedProcedure
    .input(ruleId.extend({ status: z.enum(['pending', 'resolved']).optional() }))
    .query(async ({ ctx, input }) => {
      await communityOfRow(ctx, 'rule', input.id, 'iot.rules.read');
      return deadLetters(deps(ctx), ctx.principal.scope, input.id, input.status);
    }),
  retry: authedProcedure.input(ruleId).mutation(async ({ ctx, input }) => {
    await communityOfRow(ctx, 'deadLetter', input.id, 'iot.rules.write');
    return rulesEngine(ctx).retry(ctx.principal.scope, input.id);
  }),
  alarms: authedProcedure
    .input(
      community.extend({
        status: z.enum(['open', 'closed']).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.rules.read');
      return listAlarms(deps(ctx), ctx.principal.scope, c.id, input);
    }),
  records: authedProcedure
    .input(
      community.extend({
        table: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
        limit: z.number().int().min(1).max(500).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const c = await communityFor(ctx, input.community, 'iot.rules.read');
      return listRecords(deps(ctx), ctx.principal.scope, c.id, input.table, input.limit);
    }),
  setDeviceTags: authedProcedure
    .input(
      z.object({
        productKey: z.string().regex(/^[a-z0-9]{4,32}$/),
        deviceName: z.string().regex(deviceNameRe),
        tags: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), z.string().max(64)),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await productFor(ctx, input.productKey, 'iot.devices.write');
      return setDeviceTags(
        deps(ctx),
        ctx.principal.scope,
        input.productKey,
        input.deviceName,
        input.tags,
        actorOf(ctx),
      );
    }),
});
