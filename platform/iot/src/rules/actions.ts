import { enqueue } from '@shequ/bus';
import { AppError, appendAudit, type MessageChannel, transferPoints } from '@shequ/core';
import { alarms, type Database, devices, deviceTags, roleAssignments, ruleRecords, users } from '@shequ/db';
import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { checkService, checkSet, storeDesired } from '../downlink.ts';
import type { IotEngine } from '../engine.ts';
import { devicesWithModel } from '../registry/devices-repo.ts';
import { type Facts, fillTemplate, variablesOf } from './evaluate-rule.ts';
import { evaluate, parseExpression } from './expression.ts';
import type { RuleAction } from './rule-schema.ts';

/** What actions need from the process they run in. */
export interface ActionEnv {
  database: Database;
  channel?: MessageChannel;
  /** The IoT engine of this process, when it runs the gateway; without it device commands go through the bus. */
  iot?: IotEngine | null;
  /** Called after a transaction enqueued events (the platform kicks its outbox relay). */
  onCommit?: () => void;
  /**
   * Several gateways share the devices (NATS bus): a device this gateway does not hold may be held by another, so
   * its command is queued on the bus rather than reported as offline.
   */
  distributed?: boolean;
  /** Calls an app's handler (the plugin runtime's invoke), in processes that run apps. */
  invokePlugin?: (req: { communityId: string; pluginId: string; handler: string; input: unknown }) => Promise<unknown>;
}

export interface RuleRef {
  id: string;
  name: string;
  communityId: string;
}

/** What an action did, for the trace. */
export type ActionResult = Record<string, unknown>;

const eventSummary = (f: Facts) => ({
  productKey: f.productKey,
  deviceName: f.deviceName,
  deviceId: f.deviceId,
  kind: f.kind,
  event: f.event,
  state: f.state,
  params: f.params,
  tags: f.tags,
  time: f.time,
  sourceEventId: f.eventId,
});

/** Runs one action; throws when it failed (the engine writes a dead letter). */
export async function runAction(env: ActionEnv, rule: RuleRef, action: RuleAction, f: Facts): Promise<ActionResult> {
  const { db } = env.database;
  switch (action.kind) {
    case 'store': {
      const vars = variablesOf(f);
      const data = action.fields
        ? Object.fromEntries(Object.entries(action.fields).map(([k, e]) => [k, evaluate(parseExpression(e), vars)]))
        : eventSummary(f);
      await db.insert(ruleRecords).values({
        ruleId: rule.id,
        communityId: rule.communityId,
        tableName: action.table,
        deviceId: f.deviceId,
        eventId: f.eventId,
        data,
      });
      return { table: action.table };
    }
    case 'forward': {
      const subject = `shequ.rules.${action.subject}`;
      await enqueue(db, {
        subject,
        communityId: rule.communityId,
        data: { rule: { id: rule.id, name: rule.name }, ...eventSummary(f) },
      });
      env.onCommit?.();
      return { subject };
    }
    case 'alarm': {
      const title = fillTemplate(action.title, f, rule.name);
      const id = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(alarms)
          .values({
            communityId: rule.communityId,
            ruleId: rule.id,
            deviceId: f.deviceId,
            severity: action.severity,
            title,
            detail: eventSummary(f),
          })
          .returning({ id: alarms.id });
        await enqueue(tx, {
          subject: 'shequ.alarms.raised',
          communityId: rule.communityId,
          data: {
            alarmId: row.id,
            severity: action.severity,
            title,
            rule: { id: rule.id, name: rule.name },
            ...eventSummary(f),
          },
        });
        return row.id;
      });
      env.onCommit?.();
      return { alarmId: id, severity: action.severity };
    }
    case 'device':
      return runDeviceAction(env, rule, action, f);
    case 'notify':
      return runNotify(env, rule, action, f);
    case 'points':
      return runPoints(env, rule, action, f);
    case 'plugin': {
      if (!env.invokePlugin)
        throw new AppError('UNAVAILABLE', { zh: '本进程未运行应用', en: 'Apps do not run in this process' });
      const out = await env.invokePlugin({
        communityId: rule.communityId,
        pluginId: action.pluginId,
        handler: action.handler,
        input: { rule: { id: rule.id, name: rule.name }, event: eventSummary(f) },
      });
      return { pluginId: action.pluginId, handler: action.handler, output: out ?? null };
    }
  }
}

type PointsAction = Extract<RuleAction, { kind: 'points' }>;

/**
 * Awards points for a device event to the resident it names. The resident must hold a role in the rule's community;
 * the award's idempotency key is the rule and the event, so a redelivered event never pays twice.
 */
async function runPoints(env: ActionEnv, rule: RuleRef, action: PointsAction, f: Facts): Promise<ActionResult> {
  const vars = variablesOf(f);
  const userId = evaluate(parseExpression(action.user), vars);
  if (typeof userId !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(userId)) {
    throw new Error(`the event names no resident: ${action.user} gave ${JSON.stringify(userId ?? null)}`);
  }
  const raw = typeof action.amount === 'number' ? action.amount : evaluate(parseExpression(action.amount), vars);
  const amount = Number(raw);
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > 10_000) {
    throw new Error(`the amount must be a whole number from 1 to 10000, got ${JSON.stringify(raw ?? null)}`);
  }
  const [member] = await env.database.db
    .select({ id: users.id })
    .from(users)
    .innerJoin(roleAssignments, eq(roleAssignments.userId, users.id))
    .where(and(eq(users.id, userId), eq(roleAssignments.regionId, rule.communityId)))
    .limit(1);
  if (!member) throw new Error(`user ${userId} is not a member of this community`);
  const t = await transferPoints(
    env.database.db,
    {
      communityId: rule.communityId,
      kind: action.ledger,
      from: { type: 'pool', id: 'community' },
      to: { type: 'user', id: userId },
      amount,
      reason: fillTemplate(action.reason, f, rule.name).slice(0, 200),
      idempotencyKey: `rule:${rule.id}:${f.eventId}`,
    },
    `rule:${rule.id}`,
  );
  return { transferId: t.id, userId, amount, replayed: t.replayed };
}

type DeviceAction = Extract<RuleAction, { kind: 'device' }>;

/** The devices a `device` action addresses, in the rule's community, with their thing models. */
export async function resolveTargets(env: Pick<ActionEnv, 'database'>, rule: RuleRef, action: DeviceAction, f: Facts) {
  const t = action.target;
  const where: SQL[] = [eq(devices.communityId, rule.communityId)];
  if (t.devices?.length) {
    const listed = t.devices.map((d) =>
      and(eq(devices.productKey, d.productKey), eq(devices.deviceName, d.deviceName)),
    );
    const anyListed = or(...listed);
    if (anyListed) where.push(anyListed);
  } else if (t.productKey) {
    where.push(eq(devices.productKey, t.productKey));
    const wanted: Record<string, string> = { ...t.tags };
    for (const key of t.sameTags ?? []) {
      const v = f.tags[key];
      if (v === undefined)
        throw new AppError('CONFLICT', {
          zh: `触发设备没有标签 ${key}`,
          en: `The triggering device ${f.deviceName} has no tag "${key}" to match targets by`,
        });
      wanted[key] = v;
    }
    for (const [key, value] of Object.entries(wanted)) {
      where.push(
        sql`exists (select 1 from ${deviceTags} where ${deviceTags.deviceId} = ${devices.id} and ${deviceTags.key} = ${key} and ${deviceTags.value} = ${value})`,
      );
    }
  }
  return devicesWithModel(env.database.db, and(...where));
}

async function runDeviceAction(env: ActionEnv, rule: RuleRef, action: DeviceAction, f: Facts) {
  const targets = await resolveTargets(env, rule, action, f);
  if (targets.length === 0)
    throw new AppError('NOT_FOUND', { zh: '联动目标设备不存在', en: 'No device matches the action target' });
  const cmd = action.command;
  const sent: string[] = [];
  const failures: string[] = [];
  for (const d of targets) {
    try {
      if (!d.enabled) throw new Error('disabled');
      if (cmd.kind === 'set') checkSet(d.thingModel, cmd.params);
      else checkService(d.thingModel, cmd.service, cmd.params);
      // A rule never waits for a device's answer: the command is sent (or queued) and the consumer moves on.
      if (env.iot && (env.iot.gateway.isOnline(d.id) || !env.distributed)) {
        if (cmd.kind === 'set') await storeDesired(env.database.db, d, cmd.params);
        const delivered = await env.iot.downlink.deliver(d, cmd);
        if (!delivered && cmd.kind === 'service') throw new Error('offline');
      } else {
        await env.database.db.transaction(async (tx) => {
          if (cmd.kind === 'set') await storeDesired(tx, d, cmd.params);
          await enqueue(tx, {
            subject: `shequ.iot.${d.communityId}.${d.productKey}.${d.id}.command`,
            communityId: d.communityId,
            data: { deviceId: d.id, productKey: d.productKey, deviceName: d.deviceName, ...cmd },
          });
        });
        env.onCommit?.();
      }
      sent.push(d.deviceName);
    } catch (err) {
      failures.push(`${d.deviceName}: ${(err as Error).message}`);
    }
  }
  await appendAudit(env.database.db, {
    subject: `rule:${rule.id}`,
    subjectRole: null,
    action: cmd.kind === 'set' ? 'iot.device.set_properties' : 'iot.device.call_service',
    objectType: 'iot.rule',
    objectId: rule.id,
    communityId: rule.communityId,
    result: failures.length ? 'failure' : 'success',
    detail: { rule: rule.name, service: cmd.kind === 'service' ? cmd.service : undefined, sent, failures },
  });
  if (failures.length)
    throw new AppError('UNAVAILABLE', {
      zh: `联动命令未送达：${failures.join('；')}`,
      en: `Linkage command not delivered to ${failures.join('; ')}`,
    });
  return { sent };
}

async function runNotify(env: ActionEnv, rule: RuleRef, action: Extract<RuleAction, { kind: 'notify' }>, f: Facts) {
  if (!env.channel)
    throw new AppError('UNAVAILABLE', { zh: '本进程没有消息通道', en: 'No message channel in this process' });
  const recipients = await env.database.db
    .selectDistinct({ id: users.id })
    .from(users)
    .innerJoin(roleAssignments, eq(roleAssignments.userId, users.id))
    .where(
      and(
        inArray(roleAssignments.role, action.roles),
        eq(roleAssignments.regionId, rule.communityId),
        eq(users.status, 'active'),
      ),
    );
  if (recipients.length === 0)
    throw new AppError('NOT_FOUND', {
      zh: '社区中没有可通知的人员',
      en: `Nobody holds ${action.roles.join(', ')} in the community`,
    });
  const text = fillTemplate(action.text, f, rule.name);
  for (const r of recipients) {
    await env.channel.send({
      userId: r.id,
      template: 'iot.rule',
      vars: { rule: rule.name, deviceName: f.deviceName, event: f.event ?? '' },
      text,
    });
  }
  return { notified: recipients.length };
}
