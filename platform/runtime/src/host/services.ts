import {
  AppError,
  appendAudit,
  appMessagesLastHour,
  availability,
  type BaseDeps,
  communityStats,
  createOrder,
  defaultMessagePolicy,
  devSinks,
  getOrder,
  holdSlot,
  listBookableSpaces,
  type MessageChannel,
  type MessageDeps,
  type MessagePolicy,
  mapOf,
  type PaymentDeps,
  type PlatformCa,
  pointsOf,
  searchPeople,
  sendMessages,
  transferPoints,
} from '@shequ/core';

import { roleAssignments } from '@shequ/db';
import { capabilityCatalog } from '@shequ/schemas';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { accessCapabilities } from './access-bridge.ts';
import { deviceCapabilities } from './device-bridge.ts';
import { esignCapabilities } from './esign-bridge.ts';
import { eventCapabilities } from './events-bridge.ts';

/** Who is calling through the bridge: one plugin version, in one community, maybe on behalf of a signed-in user. */
export interface BridgeCall {
  communityId: string;
  communityCode: string;
  plugin: { id: string; version: string };
  user: { id: string; role: 'resident' | 'operator' } | null;
}

/** One action of a shared service or one data scope; args arrive as untrusted JSON and are validated here. */
export type CapabilityAction = (call: BridgeCall, args: unknown) => Promise<unknown>;

export interface Capabilities {
  /** `service.action` → implementation. */
  services: Map<string, CapabilityAction>;
  /** data scope → list implementation. */
  data: Map<string, CapabilityAction>;
}

export interface CapabilityDeps extends BaseDeps {
  /** Kept for callers that pass one; messages go through the message service and its adapters. */
  channel?: MessageChannel;
  /** The outside channels' adapters (default: development sinks that record and call nobody). */
  adapters?: MessageDeps['adapters'];
  messagePolicy?: MessagePolicy;
  /** The payment service (sandbox and provider adapters); without it payment.* answers UNAVAILABLE. */
  payment?: PaymentDeps;
  /** The platform's e-signature CA (default: loaded, or created, from the database on first use). */
  esignCa?: () => Promise<PlatformCa>;
}

function parse<T>(schema: z.ZodType<T>, args: unknown, what: string): T {
  const r = schema.safeParse(args);
  if (!r.success) {
    const fields: Record<string, string[]> = {};
    for (const i of r.error.issues) {
      const key = i.path.join('.') || '_';
      fields[key] = [...(fields[key] ?? []), i.message];
    }
    throw new AppError('INVALID_INPUT', {
      zh: `${what}的参数有误`,
      en: `Invalid arguments for ${what}`,
      fieldErrors: fields,
    });
  }
  return r.data;
}

const text = z.object({ zh: z.string().min(1).max(2000), en: z.string().min(1).max(2000) }).strict();
const sendArgs = z.object({ userId: z.uuid(), text, template: z.string().max(64).optional() }).strict();
const auditArgs = z
  .object({
    action: z.string().regex(/^[a-z][a-z0-9.-]{1,63}$/),
    objectId: z.string().max(128).optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const peopleArgs = z
  .object({
    namePrefix: z.string().min(1).max(32).optional(),
    tag: z.string().max(32).optional(),
    after: z.string().max(512).optional(),
    limit: z.number().int().min(1).max(200).optional(),
  })
  .strict();
const balanceArgs = z.object({ userId: z.uuid() }).strict();
const moveArgs = z
  .object({
    userId: z.uuid(),
    amount: z.number().int().min(1).max(1_000_000),
    reason: z.string().trim().min(1).max(200),
    key: z.string().regex(/^[\w:.-]{1,100}$/),
  })
  .strict();
const availabilityArgs = z.object({ spaceId: z.uuid(), day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).strict();
const holdArgs = z
  .object({ spaceId: z.uuid(), start: z.iso.datetime({ offset: true }), note: z.string().max(200).optional() })
  .strict();
const mapArgs = z.object({ kind: z.enum(['building', 'space', 'facility', 'road', 'boundary']).optional() }).strict();

/**
 * The capabilities the host implements today. Each entry of the catalog in schemas/plugin/services.json must have
 * one here (a test checks it); later services register more entries and the bridge does not change.
 */
export function coreCapabilities(deps: CapabilityDeps): Capabilities {
  const messageAdapters = deps.adapters ?? devSinks();
  const scope = (call: BridgeCall) => ({ kind: 'communities' as const, ids: [call.communityId] });
  const services = new Map<string, CapabilityAction>([
    [
      'message.send',
      async (call, args) => {
        const a = parse(sendArgs, args, 'message.send');
        const [member] = await deps.db
          .select({ id: roleAssignments.id })
          .from(roleAssignments)
          .where(and(eq(roleAssignments.userId, a.userId), eq(roleAssignments.regionId, call.communityId)))
          .limit(1);
        if (!member) {
          throw new AppError('NOT_FOUND', {
            zh: '收件人不是本社区的用户',
            en: 'The recipient is not a user of this community',
          });
        }
        // Through the message service: the resident's inbox and an app push, with its quiet hours and limits.
        const policy = deps.messagePolicy ?? defaultMessagePolicy;
        const sender = `plugin:${call.plugin.id}`;
        if ((await appMessagesLastHour(deps.db, call.communityId, sender, a.userId)) >= policy.appPerHour) {
          throw new AppError('RATE_LIMITED', {
            zh: `应用每小时最多给同一人发送 ${policy.appPerHour} 条消息`,
            en: `An app sends one person at most ${policy.appPerHour} messages an hour`,
          });
        }
        await sendMessages(
          { db: deps.db, adapters: messageAdapters, crypto: deps.crypto, policy },
          {
            communityId: call.communityId,
            userIds: [a.userId],
            content: {
              titleZh: a.text.zh.slice(0, 60),
              titleEn: a.text.en.slice(0, 120),
              bodyZh: a.text.zh,
              bodyEn: a.text.en,
            },
            channels: ['in_app', 'app_push'],
            sender,
            templateCode: a.template ?? `plugin:${call.plugin.id}`,
          },
        );
        return { sent: true };
      },
    ],
    [
      'audit.record',
      async (call, args) => {
        const a = parse(auditArgs, args, 'audit.record');
        await appendAudit(deps.db, {
          subject: call.user?.id ?? `plugin:${call.plugin.id}`,
          action: `plugin.${call.plugin.id}.${a.action}`,
          objectType: `plugin:${call.plugin.id}`,
          objectId: a.objectId ?? null,
          communityId: call.communityId,
          result: 'success',
          detail: { ...a.detail, plugin: call.plugin.id, version: call.plugin.version },
        });
        return { recorded: true };
      },
    ],
    [
      'points.balance',
      async (call, args) => {
        const a = parse(balanceArgs, args, 'points.balance');
        return {
          balance: (await pointsOf(deps.db, call.communityId, 'points', { type: 'user', id: a.userId })).balance,
        };
      },
    ],
    [
      'points.award',
      async (call, args) => {
        const a = parse(moveArgs, args, 'points.award');
        const r = await transferPoints(
          deps.db,
          {
            communityId: call.communityId,
            kind: 'points',
            from: { type: 'pool', id: 'community' },
            to: { type: 'user', id: a.userId },
            amount: a.amount,
            reason: a.reason,
            // Keys are the app's own: namespaced so two apps cannot collide or replay each other's transfers.
            idempotencyKey: `app:${call.plugin.id}:${a.key}`,
          },
          `plugin:${call.plugin.id}`,
        );
        return { transferId: r.id, balance: r.toBalance, replayed: r.replayed };
      },
    ],
    [
      'points.spend',
      async (call, args) => {
        const a = parse(moveArgs, args, 'points.spend');
        // An app may spend a resident's points only in a call that resident made.
        if (call.user?.id !== a.userId) {
          throw new AppError('FORBIDDEN', {
            zh: '只能在居民本人操作时扣减其积分',
            en: "An app spends a resident's points only on that resident's own call",
          });
        }
        const r = await transferPoints(
          deps.db,
          {
            communityId: call.communityId,
            kind: 'points',
            from: { type: 'user', id: a.userId },
            to: { type: 'shop', id: call.plugin.id },
            amount: a.amount,
            reason: a.reason,
            idempotencyKey: `app:${call.plugin.id}:${a.key}`,
          },
          a.userId,
        );
        return { transferId: r.id, balance: r.fromBalance, replayed: r.replayed };
      },
    ],
    ...eventCapabilities(deps, parse),
    ...accessCapabilities(deps, parse),
    ...deviceCapabilities(deps, parse),
    ...paymentCapabilities(deps),
    ...esignCapabilities({ ...deps, adapters: messageAdapters }, parse),
    [
      'booking.spaces',
      async (call) =>
        (await listBookableSpaces(deps.db, call.communityId, true)).map((s) => ({
          spaceId: s.spaceId,
          name: s.name,
          useType: s.useType,
          location: s.location,
          slotMinutes: s.settings?.slotMinutes ?? null,
          capacity: s.settings?.capacity ?? null,
          feeFen: s.settings?.feeFen ?? 0,
          rules: s.settings?.rules ?? null,
        })),
    ],
    [
      'booking.availability',
      async (call, args) => {
        const a = parse(availabilityArgs, args, 'booking.availability');
        return availability(deps.db, call.communityId, a.spaceId, a.day);
      },
    ],
    [
      'booking.hold',
      async (call, args) => {
        const a = parse(holdArgs, args, 'booking.hold');
        // An app holds a slot only for the resident who is calling; the resident confirms in the booking page.
        if (!call.user) {
          throw new AppError('FORBIDDEN', {
            zh: '只能在居民本人操作时为其保留时段',
            en: 'An app holds a slot only on a signed-in resident’s own call',
          });
        }
        const roles = await deps.db
          .select({ role: roleAssignments.role })
          .from(roleAssignments)
          .where(and(eq(roleAssignments.userId, call.user.id), eq(roleAssignments.regionId, call.communityId)));
        const held = await holdSlot(
          deps.db,
          call.communityId,
          a.spaceId,
          new Date(a.start),
          {
            subject: call.user.id,
            role: roles[0]?.role ?? null,
            userId: call.user.id,
            roles: roles.map((r) => r.role),
          },
          a.note,
        );
        return {
          bookingId: held.id,
          start: held.start,
          end: held.end,
          holdExpiresAt: held.holdExpiresAt,
          feeFen: held.feeFen,
        };
      },
    ],
  ]);
  const data = new Map<string, CapabilityAction>([
    [
      'people:read-masked',
      async (call, args) =>
        searchPeople(deps, scope(call), { ...parse(peopleArgs, args, 'people'), communityId: call.communityId }),
    ],
    ['stats:read', async (call) => communityStats(deps, scope(call), [call.communityId])],
    ['map:read', async (call, args) => mapOf(deps, scope(call), call.communityId, parse(mapArgs, args, 'map').kind)],
  ]);
  return { services, data };
}

/** Catalog entries without an implementation: empty when the host and the catalog agree. */
export function missingCapabilities(c: Capabilities): string[] {
  const out: string[] = [];
  for (const [service, def] of Object.entries(capabilityCatalog.services))
    for (const action of Object.keys(def.actions))
      if (!c.services.has(`${service}.${action}`)) out.push(`${service}.${action}`);
  for (const scope of Object.keys(capabilityCatalog.dataScopes)) if (!c.data.has(scope)) out.push(scope);
  return out;
}

const orderArgs = z
  .object({
    subject: z.string().trim().min(1).max(128),
    amountFen: z.number().int().positive().max(10_000_000_000),
    /** The app's own id of what is paid for: one live order per reference (a retry answers the same order). */
    reference: z.string().trim().min(1).max(128),
  })
  .strict();
const orderStatusArgs = z.object({ orderId: z.uuid() }).strict();

/**
 * payment.createOrder / payment.status: an app raises an order for the resident who is calling (they pay it in
 * 我的订单) and reads the state of orders it raised; orders of other apps or services are NOT_FOUND to it.
 */
function paymentCapabilities(deps: CapabilityDeps): [string, CapabilityAction][] {
  const payment = () => {
    if (!deps.payment)
      throw new AppError('UNAVAILABLE', { zh: '支付服务未启用', en: 'The payment service is not enabled' });
    return deps.payment;
  };
  const sourceOf = (call: BridgeCall) => `app:${call.plugin.id}`;
  const summary = (o: {
    id: string;
    subject: string;
    amountFen: number;
    paidFen: number;
    refundedFen: number;
    status: string;
  }) => ({
    orderId: o.id,
    subject: o.subject,
    amountFen: o.amountFen,
    paidFen: o.paidFen,
    refundedFen: o.refundedFen,
    status: o.status,
  });
  return [
    [
      'payment.createOrder',
      async (call, args) => {
        const a = parse(orderArgs, args, 'payment.createOrder');
        if (!call.user) {
          throw new AppError('FORBIDDEN', {
            zh: '只能在居民本人操作时为其创建订单',
            en: 'An app creates an order only on a signed-in resident’s own call',
          });
        }
        const o = await createOrder(
          payment(),
          call.communityId,
          {
            userId: call.user.id,
            subject: a.subject,
            amountFen: a.amountFen,
            sourceType: sourceOf(call),
            sourceId: a.reference,
          },
          { subject: call.user.id, role: call.user.role, userId: call.user.id },
        );
        return summary(o);
      },
    ],
    [
      'payment.status',
      async (call, args) => {
        const a = parse(orderStatusArgs, args, 'payment.status');
        const o = await getOrder(payment(), call.communityId, a.orderId, {
          subject: `app:${call.plugin.id}`,
          userId: call.user?.id ?? '',
          staff: true,
        }).catch(() => null);
        if (!o || o.sourceType !== sourceOf(call)) {
          throw new AppError('NOT_FOUND', { zh: '订单不存在', en: 'Order not found' });
        }
        return summary(o);
      },
    ],
  ];
}
