import { enqueue } from '@shequ/bus';
import { deliveries, type Executor, inbox, queryRows, withScope } from '@shequ/db';
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import type { FieldCrypto } from '../crypto/field-crypto.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { type ChannelAdapter, type ChannelKind, outsideChannels } from './channel.ts';
import type { BilingualText } from './templates.ts';

type Outside = Exclude<ChannelKind, 'in_app'>;

/** Quiet hours (Asia/Shanghai) and hourly limits per person and channel. */
export interface MessagePolicy {
  /** Minutes after local midnight: 22:00 → 1320, 07:00 → 420. */
  quietFrom: number;
  quietUntil: number;
  perHour: Record<Outside, number>;
  /** In-app messages one app may send one person per hour. */
  appPerHour: number;
}

export const defaultMessagePolicy: MessagePolicy = {
  quietFrom: 22 * 60,
  quietUntil: 7 * 60,
  perHour: { sms: 5, app_push: 30, provincial_push: 30 },
  appPerHour: 20,
};

export interface MessageDeps {
  db: Executor;
  adapters: Record<Outside, ChannelAdapter>;
  crypto?: FieldCrypto;
  policy?: MessagePolicy;
  /** Injectable clock for quiet-hour tests. */
  now?: () => Date;
}

export interface SendRequest {
  communityId: string;
  userIds: string[];
  content: BilingualText;
  channels: ChannelKind[];
  sender: string;
  templateCode?: string | null;
  broadcastId?: string | null;
  urgent?: boolean;
}

const SHANGHAI_OFFSET = 8 * 3_600_000;
const DAY = 86_400_000;

/** When a non-urgent outside delivery may go out: now, or the end of quiet hours (Asia/Shanghai, no DST). */
export function quietHoursEnd(at: Date, p: Pick<MessagePolicy, 'quietFrom' | 'quietUntil'>): Date | null {
  const local = at.getTime() + SHANGHAI_OFFSET;
  const minute = Math.floor((local % DAY) / 60_000);
  const quiet =
    p.quietFrom > p.quietUntil
      ? minute >= p.quietFrom || minute < p.quietUntil
      : minute >= p.quietFrom && minute < p.quietUntil;
  if (!quiet) return null;
  const midnight = local - (local % DAY);
  let end = midnight + p.quietUntil * 60_000;
  if (end <= local) end += DAY;
  return new Date(end - SHANGHAI_OFFSET);
}

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

/**
 * Puts a message in each user's inbox and queues one delivery per outside channel, in one transaction: quiet hours
 * defer non-urgent deliveries to their end, and a person past the hourly limit of a channel gets `rate_limited`
 * there (the inbox still has the message). The dispatcher then hands queued deliveries to the channel adapters.
 */
export async function sendMessages(d: MessageDeps, req: SendRequest, actor?: Actor) {
  const policy = d.policy ?? defaultMessagePolicy;
  const now = d.now?.() ?? new Date();
  const userIds = [...new Set(req.userIds)];
  if (userIds.length === 0)
    return { messages: 0, deliveries: {} as Record<string, number>, messageIds: [] as string[] };
  if (userIds.length > 50_000) {
    throw new AppError('INVALID_INPUT', { zh: '一次最多发送给 5 万人', en: 'At most 50,000 recipients at once' });
  }
  const outside = [...new Set(req.channels)].filter((c): c is Outside =>
    (outsideChannels as readonly string[]).includes(c),
  );
  const result = await withScope(d.db, scopeOf(req.communityId), async (tx) => {
    const rows = await tx
      .insert(inbox)
      .values(
        userIds.map((userId) => ({
          communityId: req.communityId,
          userId,
          ...req.content,
          templateCode: req.templateCode ?? null,
          broadcastId: req.broadcastId ?? null,
          sender: req.sender,
          createdAt: now,
        })),
      )
      .returning({ id: inbox.id, userId: inbox.userId });
    // Sent in the last hour, per person and channel (what the limits count).
    const recent = outside.length
      ? await tx
          .select({ userId: deliveries.userId, channel: deliveries.channel, n: sql<number>`count(*)::int` })
          .from(deliveries)
          .where(
            and(
              inArray(deliveries.userId, userIds),
              inArray(deliveries.channel, outside),
              inArray(deliveries.status, ['queued', 'deferred', 'sent', 'delivered']),
              gt(deliveries.createdAt, new Date(now.getTime() - 3_600_000)),
            ),
          )
          .groupBy(deliveries.userId, deliveries.channel)
      : [];
    const used = new Map(recent.map((r) => [`${r.userId}|${r.channel}`, Number(r.n)]));
    const quietEnd = req.urgent ? null : quietHoursEnd(now, policy);
    const counts: Record<string, number> = {};
    const values = rows.flatMap((m) => [
      {
        communityId: req.communityId,
        messageId: m.id,
        userId: m.userId,
        channel: 'in_app' as const,
        status: 'delivered' as const,
        dueAt: now,
        createdAt: now,
      },
      ...outside.map((channel) => {
        const over = (used.get(`${m.userId}|${channel}`) ?? 0) >= policy.perHour[channel];
        const status = over ? ('rate_limited' as const) : quietEnd ? ('deferred' as const) : ('queued' as const);
        return {
          communityId: req.communityId,
          messageId: m.id,
          userId: m.userId,
          channel,
          status,
          dueAt: quietEnd ?? now,
          createdAt: now,
        };
      }),
    ]);
    for (const v of values) counts[`${v.channel}:${v.status}`] = (counts[`${v.channel}:${v.status}`] ?? 0) + 1;
    for (let i = 0; i < values.length; i += 2000) await tx.insert(deliveries).values(values.slice(i, i + 2000));
    if (actor) {
      await appendAudit(tx, {
        subject: actor.subject,
        subjectRole: actor.role,
        action: 'message.send',
        objectType: req.broadcastId ? 'broadcast' : 'message',
        objectId: req.broadcastId ?? rows[0]?.id ?? null,
        communityId: req.communityId,
        result: 'success',
        sourceIp: actor.ip,
        requestId: actor.requestId,
        detail: { recipients: rows.length, channels: req.channels, template: req.templateCode ?? null, counts },
      });
    }
    await enqueue(tx, {
      subject: 'shequ.message.sent',
      communityId: req.communityId,
      data: {
        recipients: rows.length,
        template: req.templateCode ?? null,
        broadcastId: req.broadcastId ?? null,
        sender: req.sender,
      },
    });
    return { messages: rows.length, deliveries: counts, messageIds: rows.map((r) => r.id) };
  });
  if (outside.length > 0 && !result.deliveries[`${outside[0]}:deferred`]) {
    // Hand what is due now to the adapters at once; the polled job retries and sends deferred ones later.
    await dispatchDue(d, 500).catch(() => {});
  }
  return result;
}

/** How many in-app messages an app sent this person in the last hour (the plugin bridge's limit). */
export async function appMessagesLastHour(db: Executor, communityId: string, sender: string, userId: string) {
  const [r] = await withScope(db, scopeOf(communityId), (tx) =>
    queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from message.inbox
          where user_id = ${userId} and sender = ${sender} and created_at > now() - interval '1 hour'`,
    ),
  );
  return Number(r?.n ?? 0);
}

type Claimed = {
  id: string;
  community_id: string;
  user_id: string;
  channel: Outside;
  attempts: number;
  title_zh: string;
  body_zh: string;
  body_en: string;
  template_code: string | null;
  phone_cipher: string | null;
};

/**
 * Sends due deliveries through their adapters, across communities. Each batch is claimed with
 * `FOR UPDATE SKIP LOCKED` and leased for five minutes before any outside call, so workers never send one twice
 * and a crash mid-batch only delays it; failures retry with backoff, and the fifth failure is final.
 */
export async function dispatchDue(d: MessageDeps, limit = 200): Promise<{ sent: number; failed: number }> {
  const now = d.now?.() ?? new Date();
  const claimed = await withScope(d.db, { kind: 'all' }, (tx) =>
    queryRows<Claimed>(
      tx,
      sql`with due as (
            select id from message.deliveries
            where status in ('queued','deferred') and due_at <= ${now.toISOString()}::timestamptz
            order by due_at limit ${limit}
            for update skip locked
          )
          update message.deliveries d
             set status = 'queued', attempts = d.attempts + 1, due_at = ${now.toISOString()}::timestamptz + interval '5 minutes', updated_at = now()
            from due, message.inbox i, identity.users u
           where d.id = due.id and i.id = d.message_id and u.id = d.user_id
          returning d.id, d.community_id, d.user_id, d.channel, d.attempts, i.title_zh, i.body_zh, i.body_en,
                    i.template_code, u.phone_cipher`,
    ),
  );
  let sent = 0;
  let failed = 0;
  for (const c of claimed) {
    try {
      const adapter = d.adapters[c.channel];
      if (!adapter) throw new Error(`no adapter for channel ${c.channel}`);
      const address =
        c.channel === 'sms' && c.phone_cipher && d.crypto ? d.crypto.decrypt(c.phone_cipher, 'users.phone') : undefined;
      const receipt = await adapter.deliver({
        deliveryId: c.id,
        userId: c.user_id,
        address,
        template: c.template_code ?? 'free-text',
        vars: {},
        text: `${c.title_zh}\n${c.body_zh}\n${c.body_en}`,
      });
      await d.db
        .update(deliveries)
        .set({ status: 'sent', providerRef: receipt.providerRef, lastError: null, updatedAt: new Date() })
        .where(eq(deliveries.id, c.id));
      sent++;
    } catch (err) {
      failed++;
      const final = c.attempts >= 5;
      await d.db
        .update(deliveries)
        .set({
          status: final ? 'failed' : 'queued',
          lastError: String((err as Error)?.message ?? err).slice(0, 500),
          dueAt: new Date(now.getTime() + c.attempts * c.attempts * 60_000),
          updatedAt: new Date(),
        })
        .where(eq(deliveries.id, c.id));
    }
  }
  return { sent, failed };
}

/** Polls for due deliveries (deferred by quiet hours, retries) until stopped. */
export function startDeliveryDispatcher(
  d: MessageDeps,
  opts: { intervalMs?: number; onError?: (e: unknown) => void } = {},
) {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => dispatchDue(d).catch((err) => opts.onError?.(err)));
  }, opts.intervalMs ?? 10_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** A user's inbox, newest first, in the community. */
export async function inboxOf(db: Executor, communityId: string, userId: string, opts: { limit?: number } = {}) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(inbox)
      .where(and(eq(inbox.communityId, communityId), eq(inbox.userId, userId)))
      .orderBy(sql`${inbox.createdAt} desc`)
      .limit(Math.min(opts.limit ?? 50, 200));
    const [{ n }] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from message.inbox where user_id = ${userId} and community_id = ${communityId} and read_at is null`,
    );
    return {
      unread: Number(n),
      items: rows.map((r) => ({
        id: r.id,
        titleZh: r.titleZh,
        titleEn: r.titleEn,
        bodyZh: r.bodyZh,
        bodyEn: r.bodyEn,
        sender: r.sender,
        createdAt: r.createdAt.toISOString(),
        readAt: r.readAt?.toISOString() ?? null,
      })),
    };
  });
}

/** Marks the user's own messages read (others' ids change nothing). */
export async function markRead(db: Executor, communityId: string, userId: string, ids: string[]) {
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rows = await tx
      .update(inbox)
      .set({ readAt: new Date() })
      .where(and(eq(inbox.userId, userId), inArray(inbox.id, ids), sql`${inbox.readAt} is null`))
      .returning({ id: inbox.id });
    return { marked: rows.length };
  });
}

/** Delivery status of one message per channel (for the console and tests). */
export async function deliveriesOf(db: Executor, communityId: string, messageIds: string[]) {
  return withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select({
        messageId: deliveries.messageId,
        userId: deliveries.userId,
        channel: deliveries.channel,
        status: deliveries.status,
        dueAt: deliveries.dueAt,
        attempts: deliveries.attempts,
        providerRef: deliveries.providerRef,
      })
      .from(deliveries)
      .where(inArray(deliveries.messageId, messageIds)),
  );
}
