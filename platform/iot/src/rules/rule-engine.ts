import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import { AppError, type Logger } from '@shequ/core';
import {
  type DataScope,
  deviceProperties,
  devices,
  deviceTags,
  processed,
  ruleDeadLetters,
  rules,
  withScope,
} from '@shequ/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type ActionEnv, type ActionResult, resolveTargets, runAction } from './actions.ts';
import { type Facts, factsOf, judge, type Verdict } from './evaluate-rule.ts';
import { addTrace, bumpMetrics } from './observe.ts';
import { parseRule, type RuleAction } from './rule-schema.ts';
import { type Rule, toRule } from './rules-service.ts';
import { scheduleEventId, scheduleMatches } from './schedule.ts';

export interface RuleEngineOptions extends ActionEnv {
  log?: Logger;
  /** How long a community's rule list is cached; changes made in this process invalidate it at once. */
  cacheMs?: number;
  /**
   * Trigger mismatches are frequent (every post of a product whose rule wants one device) and change nothing: they
   * are counted and traced at most once per this many ms per rule, with the count since the last trace. Default 1000.
   */
  mismatchSampleMs?: number;
}

/** A sample message for a dry run: what a device of the trigger's product would send. */
export interface DrySample {
  kind: Facts['kind'];
  productKey: string;
  deviceName: string;
  params?: Record<string, unknown>;
  event?: string;
  state?: 'online' | 'offline';
  tags?: Record<string, string>;
}

/**
 * The rule consumer: every IoT fact on the bus is matched against the enabled rules of its community. Each rule
 * sees an event once (a claim per rule and event id); a rule fires at most once per debounce window per device;
 * every evaluation leaves a trace and counters, and a failed action leaves a dead letter that can be retried.
 */
export class RuleEngine {
  readonly #o: RuleEngineOptions;
  readonly #cache = new Map<string, { rules: Rule[]; until: number }>();
  readonly #mismatches = new Map<string, { n: number; last: number }>();

  constructor(o: RuleEngineOptions) {
    this.#o = o;
  }

  /** Subscribes to `shequ.iot.>` under one durable name shared by every process (each event is handled once). */
  async start(bus: Bus, durable = 'iot-rules'): Promise<Subscription> {
    return bus.subscribe(durable, 'shequ.iot.>', async (e) => {
      try {
        await this.handle(e);
      } catch (err) {
        this.#o.log?.warn({ err, subject: e.subject }, 'rule evaluation failed');
      }
    });
  }

  /** Forgets the cached rules of a community (call after a change). */
  invalidate(communityId?: string): void {
    if (communityId) this.#cache.delete(communityId);
    else this.#cache.clear();
  }

  async #rulesOf(communityId: string): Promise<Rule[]> {
    const hit = this.#cache.get(communityId);
    if (hit && hit.until > Date.now()) return hit.rules;
    const rows = await this.#o.database.db
      .select()
      .from(rules)
      .where(and(eq(rules.communityId, communityId), eq(rules.enabled, true)));
    const list = rows.map(toRule);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(communityId, { rules: list, until: Date.now() + (this.#o.cacheMs ?? 2000) });
    return list;
  }

  async #tagsOf(deviceId: string): Promise<Record<string, string>> {
    const rows = await this.#o.database.db
      .select({ key: deviceTags.key, value: deviceTags.value })
      .from(deviceTags)
      .where(eq(deviceTags.deviceId, deviceId));
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Evaluates one bus event against the rules of its community; answers how many rules fired. */
  async handle(e: EventEnvelope): Promise<number> {
    const bare = factsOf(e);
    if (!bare) return 0;
    const candidates = (await this.#rulesOf(bare.communityId)).filter(
      (r) => r.trigger.kind !== 'schedule' && r.trigger.productKey === bare.productKey,
    );
    if (candidates.length === 0) return 0;
    const f = { ...bare, tags: await this.#tagsOf(bare.deviceId) };
    let fired = 0;
    for (const rule of candidates) if (await this.#evaluate(rule, f)) fired++;
    return fired;
  }

  /**
   * Judges the schedule rules due in the minute holding `minute`, across communities: once per enabled device the
   * trigger selects, with the device's latest property values as `params`. Each rule, device and minute is claimed
   * first, so with several processes (or a late second tick) it is judged once. Answers how many rules fired.
   */
  async runSchedules(minute: Date): Promise<number> {
    const { db } = this.#o.database;
    const due = (await db.select().from(rules).where(eq(rules.enabled, true)))
      .map(toRule)
      .filter((r) => r.trigger.kind === 'schedule' && r.trigger.cron && scheduleMatches(r.trigger.cron, minute));
    let fired = 0;
    for (const rule of due) {
      const t = rule.trigger;
      const targets = await db
        .select({ id: devices.id, deviceName: devices.deviceName })
        .from(devices)
        .where(
          and(
            eq(devices.communityId, rule.communityId),
            eq(devices.productKey, t.productKey),
            eq(devices.enabled, true),
            t.deviceName ? eq(devices.deviceName, t.deviceName) : undefined,
          ),
        );
      if (targets.length === 0) continue;
      const latest = await db
        .select()
        .from(deviceProperties)
        .where(
          inArray(
            deviceProperties.deviceId,
            targets.map((d) => d.id),
          ),
        );
      for (const d of targets) {
        const params = Object.fromEntries(
          latest.filter((p) => p.deviceId === d.id).map((p) => [p.identifier, p.value as unknown]),
        );
        const f: Facts = {
          eventId: scheduleEventId(rule.id, d.id, minute),
          subject: `schedule:${t.cron}`,
          communityId: rule.communityId,
          productKey: t.productKey,
          deviceId: d.id,
          deviceName: d.deviceName,
          kind: 'schedule',
          params,
          time: Math.floor(minute.getTime() / 60_000) * 60_000,
          data: { cron: t.cron },
          tags: await this.#tagsOf(d.id),
        };
        if (await this.#evaluate(rule, f)) fired++;
      }
    }
    return fired;
  }

  /** Ticks at the start of every minute and judges the schedule rules due then. */
  startSchedules(): { stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      timer = setTimeout(
        () => {
          void this.runSchedules(new Date())
            .catch((err) => this.#o.log?.error({ err }, 'schedule rules failed'))
            .finally(tick);
        },
        60_000 - (Date.now() % 60_000) + 50,
      );
      timer.unref();
    };
    tick();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  async #claim(ruleId: string, eventId: string): Promise<boolean> {
    const rows = await this.#o.database.db
      .insert(processed)
      .values({ consumer: `rule:${ruleId}`, eventId })
      .onConflictDoNothing()
      .returning();
    return rows.length > 0;
  }

  /** True when the debounce window of this rule and device is open (and now claimed). */
  async #window(rule: Rule, f: Facts): Promise<boolean> {
    if (rule.debounceSeconds <= 0) return true;
    const rows = await this.#o.database.db.execute(sql`
      insert into iot.rule_firings (rule_id, device_id, community_id, last_fired_at)
      values (${rule.id}, ${f.deviceId}, ${rule.communityId}, now())
      on conflict (rule_id, device_id) do update set last_fired_at = now()
      where iot.rule_firings.last_fired_at <= now() - make_interval(secs => ${rule.debounceSeconds})
      returning rule_id`);
    const list = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows;
    return list.length > 0;
  }

  /** Counts a trigger mismatch; writes the count and a trace only once per sampling interval. */
  async #mismatch(rule: Rule, f: Facts, reason: string): Promise<void> {
    const m = this.#mismatches.get(rule.id) ?? { n: 0, last: 0 };
    m.n++;
    this.#mismatches.set(rule.id, m);
    if (Date.now() - m.last < (this.#o.mismatchSampleMs ?? 1000)) return;
    const count = m.n;
    m.n = 0;
    m.last = Date.now();
    const { db } = this.#o.database;
    const base = { ruleId: rule.id, communityId: rule.communityId, eventId: f.eventId, subject: f.subject };
    await bumpMetrics(db, { ...base, evaluated: count });
    await addTrace(db, { ...base, outcome: 'trigger_mismatch', detail: { deviceName: f.deviceName, reason, count } });
  }

  async #evaluate(rule: Rule, f: Facts): Promise<boolean> {
    const { db } = this.#o.database;
    const verdict = judge(rule, f);
    if (verdict.outcome === 'trigger_mismatch') {
      await this.#mismatch(rule, f, verdict.reason);
      return false;
    }
    if (f.eventId && !(await this.#claim(rule.id, f.eventId))) return false;
    const progress = { acting: false };
    try {
      return await this.#decide(rule, f, verdict, progress);
    } catch (err) {
      // Bookkeeping failed before any action ran: release the claim so a redelivery is evaluated again. Once
      // actions ran, the claim stays (a redelivery must not open the gates twice).
      if (f.eventId && !progress.acting)
        await db
          .delete(processed)
          .where(and(eq(processed.consumer, `rule:${rule.id}`), eq(processed.eventId, f.eventId)))
          .catch(() => {});
      throw err;
    }
  }

  async #decide(
    rule: Rule,
    f: Facts,
    verdict: Exclude<Verdict, { outcome: 'trigger_mismatch' }>,
    progress: { acting: boolean },
  ): Promise<boolean> {
    const { db } = this.#o.database;
    const base = { ruleId: rule.id, communityId: rule.communityId, eventId: f.eventId, subject: f.subject };
    if (verdict.outcome !== 'match') {
      await bumpMetrics(db, {
        ...base,
        matched: true,
        lastError: verdict.outcome === 'condition_error' ? verdict.error : undefined,
      });
      const { outcome, ...detail } = verdict;
      await addTrace(db, { ...base, outcome, detail: { deviceName: f.deviceName, ...detail } });
      return false;
    }
    if (!(await this.#window(rule, f))) {
      await bumpMetrics(db, { ...base, matched: true, debounced: true });
      await addTrace(db, {
        ...base,
        outcome: 'debounced',
        detail: { deviceName: f.deviceName, debounceSeconds: rule.debounceSeconds },
      });
      return false;
    }
    const results: Array<{ kind: string; ok: boolean; result?: ActionResult; error?: string }> = [];
    let lastError: string | undefined;
    progress.acting = true;
    for (const [i, action] of rule.actions.entries()) {
      try {
        results.push({ kind: action.kind, ok: true, result: await runAction(this.#o, rule, action, f) });
      } catch (err) {
        lastError = errorText(err);
        results.push({ kind: action.kind, ok: false, error: lastError });
        await db.insert(ruleDeadLetters).values({
          communityId: rule.communityId,
          ruleId: rule.id,
          eventId: f.eventId,
          actionIndex: i,
          action,
          context: f,
          error: lastError,
        });
        this.#o.log?.warn({ err, rule: rule.name, action: action.kind }, 'rule action failed; dead-lettered');
      }
    }
    const failed = results.filter((r) => !r.ok).length;
    await bumpMetrics(db, { ...base, matched: true, fired: true, failed, lastError });
    await addTrace(db, { ...base, outcome: 'fired', detail: { deviceName: f.deviceName, actions: results } });
    return true;
  }

  /** Runs a dead-lettered action again with the context it failed with; marks it resolved when it succeeds. */
  async retry(scope: DataScope, deadLetterId: string) {
    const { db } = this.#o.database;
    const [row] = await withScope(db, scope, (tx) =>
      tx
        .select({ dl: ruleDeadLetters, name: rules.name })
        .from(ruleDeadLetters)
        .innerJoin(rules, eq(rules.id, ruleDeadLetters.ruleId))
        .where(eq(ruleDeadLetters.id, deadLetterId)),
    );
    if (!row) throw new AppError('NOT_FOUND', { zh: '死信不存在', en: `No dead letter ${deadLetterId}` });
    if (row.dl.status === 'resolved')
      throw new AppError('CONFLICT', { zh: '该死信已处理', en: 'The dead letter was resolved already' });
    const rule = { id: row.dl.ruleId, name: row.name, communityId: row.dl.communityId };
    let error: string | null = null;
    let result: ActionResult | undefined;
    try {
      result = await runAction(this.#o, rule, row.dl.action as RuleAction, row.dl.context as Facts);
    } catch (err) {
      error = errorText(err);
    }
    await db
      .update(ruleDeadLetters)
      .set({
        attempts: sql`${ruleDeadLetters.attempts} + 1`,
        status: error ? 'pending' : 'resolved',
        error: error ?? row.dl.error,
        updatedAt: sql`now()`,
      })
      .where(eq(ruleDeadLetters.id, deadLetterId));
    return { id: deadLetterId, status: error ? ('pending' as const) : ('resolved' as const), error, result };
  }

  /**
   * Evaluates a rule (saved or not) against a sample message without running its actions: answers whether it would
   * fire, why not, and what each action would do (the devices a linkage would command).
   */
  async dryRun(communityId: string, input: unknown, sample: DrySample) {
    const def = parseRule(input);
    const f: Facts = {
      eventId: null,
      subject: `shequ.iot.${communityId}.${sample.productKey}.dry-run.${sample.kind}`,
      communityId,
      productKey: sample.productKey,
      deviceId: '00000000-0000-0000-0000-000000000000',
      deviceName: sample.deviceName,
      kind: sample.kind,
      params: sample.params ?? {},
      event: sample.event,
      state: sample.state,
      time: Date.now(),
      data: { ...sample },
      tags: sample.tags ?? {},
    };
    const verdict = judge(def, f);
    const rule = { id: 'dry-run', name: def.name, communityId };
    const actions =
      verdict.outcome === 'match'
        ? await Promise.all(def.actions.map((a) => this.#plan(rule, a, f)))
        : def.actions.map((a) => ({ kind: a.kind }));
    return { wouldFire: verdict.outcome === 'match', ...verdict, debounceSeconds: def.debounceSeconds, actions };
  }

  async #plan(rule: { id: string; name: string; communityId: string }, a: RuleAction, f: Facts) {
    if (a.kind !== 'device') return a;
    try {
      const targets = await resolveTargets(this.#o, rule, a, f);
      return { ...a, targets: targets.map((t) => `${t.productKey}/${t.deviceName}`) };
    } catch (err) {
      return { ...a, targets: [], problem: errorText(err) };
    }
  }
}

const errorText = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 1000);
