import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import {
  bookableSpaces,
  type Database,
  type EarningTrigger,
  type Executor,
  earningAwards,
  earningRules,
  earningTriggers,
  type LedgerKind,
  withScope,
} from '@shequ/db';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import { communityDate } from '../time.ts';
import { transferPoints } from './ledger.ts';
import type { ShopActor } from './shop.ts';

/**
 * 积分规则 (DB33 7.4.2): operators say what earns points or time-bank minutes in their community — attending an
 * activity (a booking of a chosen space checked in by QR code), volunteering (the same, paid into the time bank), a
 * resident's report carried through to closed — how much, and how often a day. A bus consumer applies them.
 */
export interface EarningRuleInput {
  name: string;
  nameEn?: string | null;
  trigger: EarningTrigger;
  spaceIds?: string[];
  eventTypes?: string[];
  kind?: LedgerKind;
  amount: number;
  dailyCap?: number | null;
  enabled?: boolean;
}

/** What happened, as the consumer read it from the bus. */
export interface EarningSource {
  trigger: EarningTrigger;
  /** The check-in's booking id or the event id: one award per rule and source. */
  sourceId: string;
  userId: string;
  spaceId?: string;
  eventType?: string;
  /** When it happened; decides the day the daily cap counts against. */
  at?: Date;
}

const invalid = (zh: string, en: string) => new AppError('INVALID_INPUT', { zh, en });
const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

function checkRule(i: EarningRuleInput) {
  if (!i.name?.trim() || i.name.trim().length > 40)
    throw invalid('请填写 40 字以内的规则名称', 'Give a name of at most 40 characters');
  if (!earningTriggers.includes(i.trigger)) {
    throw invalid('触发条件只能是"活动签到"或"上报事件办结"', 'The trigger is an activity check-in or a closed report');
  }
  if (i.kind !== undefined && i.kind !== 'points' && i.kind !== 'time') {
    throw invalid('账户只能是积分或时间银行', 'The ledger is points or the time bank');
  }
  if (!Number.isSafeInteger(i.amount) || i.amount < 1 || i.amount > 10_000) {
    throw invalid('每次奖励必须是 1 到 10000 之间的整数', 'An award is a whole number from 1 to 10,000');
  }
  if (i.dailyCap != null && (!Number.isSafeInteger(i.dailyCap) || i.dailyCap < 1 || i.dailyCap > 100)) {
    throw invalid(
      '每日上限必须是 1 到 100 之间的整数，或不设上限',
      'The daily cap is a whole number from 1 to 100, or none',
    );
  }
  if (i.trigger === 'booking.checked_in' && i.eventTypes?.length) {
    throw invalid('活动签到规则按场地筛选，不按事件类型', 'A check-in rule narrows by space, not by event type');
  }
  if (i.trigger === 'events.closed' && i.spaceIds?.length) {
    throw invalid('事件办结规则按事件类型筛选，不按场地', 'A closed-report rule narrows by event type, not by space');
  }
  if ((i.spaceIds?.length ?? 0) > 50 || (i.eventTypes?.length ?? 0) > 50) {
    throw invalid('筛选条件最多 50 项', 'At most 50 spaces or event types');
  }
  for (const t of i.eventTypes ?? []) {
    if (!/^[\w.-]{1,64}$/.test(t)) throw invalid(`事件类型"${t}"格式不对`, `"${t}" is not an event type`);
  }
}

/** The community's earning rules, with how often each paid today and in all (for the console). */
export async function listEarningRules(db: Executor, communityId: string) {
  const today = communityDate();
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rules = await tx
      .select()
      .from(earningRules)
      .where(eq(earningRules.communityId, communityId))
      .orderBy(asc(earningRules.createdAt));
    const counts = await tx
      .select({
        ruleId: earningAwards.ruleId,
        paid: sql<number>`count(${earningAwards.transferId})::int`,
        today: sql<number>`(count(${earningAwards.transferId}) filter (where ${earningAwards.day} = ${today}))::int`,
        capped: sql<number>`(count(*) filter (where ${earningAwards.transferId} is null))::int`,
      })
      .from(earningAwards)
      .where(eq(earningAwards.communityId, communityId))
      .groupBy(earningAwards.ruleId);
    const by = new Map(counts.map((c) => [c.ruleId, c]));
    return rules.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      awards: { total: by.get(r.id)?.paid ?? 0, today: by.get(r.id)?.today ?? 0, capped: by.get(r.id)?.capped ?? 0 },
    }));
  });
}

/** Adds a rule, or changes one when `id` is given (optimistic: `version` must be the one the editor saw). */
export async function saveEarningRule(
  db: Executor,
  communityId: string,
  input: EarningRuleInput & { id?: string; version?: number },
  actor: ShopActor,
) {
  checkRule(input);
  const spaceIds = [...new Set(input.spaceIds ?? [])];
  const eventTypes = [...new Set(input.eventTypes ?? [])];
  return withScope(db, scopeOf(communityId), async (tx) => {
    if (spaceIds.length) {
      const found = await tx
        .select({ id: bookableSpaces.spaceId })
        .from(bookableSpaces)
        .where(and(eq(bookableSpaces.communityId, communityId), inArray(bookableSpaces.spaceId, spaceIds)));
      if (found.length !== spaceIds.length) {
        throw invalid('所选场地不是本社区的可预约场地', 'A chosen space is not a bookable space of this community');
      }
    }
    const values = {
      name: input.name.trim(),
      nameEn: input.nameEn?.trim() || null,
      trigger: input.trigger,
      filter:
        input.trigger === 'booking.checked_in'
          ? spaceIds.length
            ? { spaceIds }
            : {}
          : eventTypes.length
            ? { eventTypes }
            : {},
      kind: input.kind ?? ('points' as const),
      amount: input.amount,
      dailyCap: input.dailyCap ?? null,
      enabled: input.enabled ?? true,
    };
    let row: typeof earningRules.$inferSelect | undefined;
    if (input.id) {
      [row] = await tx
        .update(earningRules)
        .set({ ...values, version: sql`${earningRules.version} + 1`, updatedAt: new Date() })
        .where(
          and(
            eq(earningRules.id, input.id),
            eq(earningRules.communityId, communityId),
            input.version === undefined ? undefined : eq(earningRules.version, input.version),
          ),
        )
        .returning();
      if (!row) {
        throw new AppError('CONFLICT', {
          zh: '该规则不存在或已被他人修改，请刷新后再试',
          en: 'The rule does not exist or was changed by someone else; reload and try again',
        });
      }
    } else {
      [row] = await tx
        .insert(earningRules)
        .values({ communityId, ...values, createdBy: actor.userId })
        .returning();
    }
    await appendAudit(tx, {
      subject: actor.userId,
      subjectRole: actor.role,
      action: input.id ? 'points.rule_updated' : 'points.rule_created',
      objectType: 'points.earning_rule',
      objectId: row.id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { ...values },
    });
    return row;
  });
}

const matches = (rule: typeof earningRules.$inferSelect, s: EarningSource) => {
  if (rule.trigger !== s.trigger) return false;
  if (rule.filter.spaceIds?.length && !(s.spaceId && rule.filter.spaceIds.includes(s.spaceId))) return false;
  if (rule.filter.eventTypes?.length && !(s.eventType && rule.filter.eventTypes.includes(s.eventType))) return false;
  return true;
};

/**
 * Applies the community's enabled rules to one happening: each matching rule pays the resident from the community
 * pool once per source, unless the rule's daily cap for that resident is reached (then the source is remembered
 * unpaid). Answers what each rule did.
 */
export async function applyEarningRules(db: Executor, communityId: string, s: EarningSource) {
  const day = communityDate(s.at ?? new Date());
  return withScope(db, scopeOf(communityId), async (tx) => {
    const rules = (
      await tx
        .select()
        .from(earningRules)
        .where(
          and(
            eq(earningRules.communityId, communityId),
            eq(earningRules.trigger, s.trigger),
            eq(earningRules.enabled, true),
          ),
        )
        // One order for every caller, so two awards for one resident take the rules' locks the same way round.
        .orderBy(asc(earningRules.id))
    ).filter((r) => matches(r, s));
    const out: { ruleId: string; outcome: 'paid' | 'capped' | 'already'; transferId?: string }[] = [];
    for (const rule of rules) {
      // One resident's awards under one rule are counted and paid one at a time, so two sources at once cannot both
      // squeeze under the cap.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`earn:${rule.id}:${s.userId}`}, 0))`);
      const [seen] = await tx
        .select({ id: earningAwards.id })
        .from(earningAwards)
        .where(and(eq(earningAwards.ruleId, rule.id), eq(earningAwards.sourceId, s.sourceId)));
      if (seen) {
        out.push({ ruleId: rule.id, outcome: 'already' });
        continue;
      }
      const award = { communityId, ruleId: rule.id, userId: s.userId, sourceId: s.sourceId, day };
      if (rule.dailyCap != null) {
        const [{ n }] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(earningAwards)
          .where(
            and(
              eq(earningAwards.ruleId, rule.id),
              eq(earningAwards.userId, s.userId),
              eq(earningAwards.day, day),
              sql`${earningAwards.transferId} is not null`,
            ),
          );
        if (n >= rule.dailyCap) {
          await tx.insert(earningAwards).values(award);
          out.push({ ruleId: rule.id, outcome: 'capped' });
          continue;
        }
      }
      const t = await transferPoints(
        tx,
        {
          communityId,
          kind: rule.kind,
          from: { type: 'pool', id: 'community' },
          to: { type: 'user', id: s.userId },
          amount: rule.amount,
          reason: rule.name,
          idempotencyKey: `earn:${rule.id}:${s.sourceId}`,
        },
        `rule:${rule.id}`,
      );
      await tx.insert(earningAwards).values({ ...award, transferId: t.id });
      out.push({ ruleId: rule.id, outcome: 'paid', transferId: t.id });
    }
    return out;
  });
}

/** Reads an earning source from a bus event: a booking checked in, or an event whose transition closed it. */
export function earningSourceOf(e: EventEnvelope): EarningSource | null {
  const d = e.data as Record<string, unknown> | null;
  if (!d || !e.communityId) return null;
  const at = e.time ? new Date(e.time) : undefined;
  const when = at && !Number.isNaN(at.getTime()) ? at : undefined;
  if (e.subject === 'shequ.booking.checked_in') {
    if (typeof d.id !== 'string' || typeof d.userId !== 'string') return null;
    return {
      trigger: 'booking.checked_in',
      sourceId: d.id,
      userId: d.userId,
      spaceId: typeof d.spaceId === 'string' ? d.spaceId : undefined,
      at: when,
    };
  }
  if (e.subject === 'shequ.events.transitioned') {
    if (d.state !== 'closed' || typeof d.eventId !== 'string' || typeof d.reporterId !== 'string') return null;
    return {
      trigger: 'events.closed',
      sourceId: d.eventId,
      userId: d.reporterId,
      eventType: typeof d.type === 'string' ? d.type : undefined,
      at: when,
    };
  }
  return null;
}

/**
 * The bus consumers that pay earning rules (one durable each for check-ins and event transitions, shared by all
 * processes). A redelivered event pays nothing twice: the award is unique per rule and source.
 */
export async function followEarnings(
  bus: Bus,
  database: Database,
  opts: { durable?: string; onCommit?: () => void } = {},
) {
  const prefix = opts.durable ?? 'points-earnings';
  const handle = async (e: EventEnvelope) => {
    const s = earningSourceOf(e);
    if (!s || !e.communityId) return;
    try {
      await applyEarningRules(database.db, e.communityId, s);
    } catch (err) {
      // Two deliveries raced on the same award: the other one paid it.
      const c = err as { code?: string; cause?: { code?: string } };
      if (c?.code !== '23505' && c?.cause?.code !== '23505') throw err;
    }
    opts.onCommit?.();
  };
  const subs: Subscription[] = [
    await bus.subscribe(`${prefix}-checkins`, 'shequ.booking.checked_in', handle),
    await bus.subscribe(`${prefix}-events`, 'shequ.events.transitioned', handle),
  ];
  return {
    async stop() {
      await Promise.all(subs.map((x) => x.stop()));
    },
  };
}
