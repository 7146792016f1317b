import { type Actor, AppError, appendAudit } from '@shequ/core';
import {
  type DataScope,
  devices,
  deviceTags,
  type Executor,
  ruleDeadLetters,
  ruleFirings,
  ruleMetrics,
  rules,
  ruleTraces,
  withScope,
} from '@shequ/db';
import { and, asc, eq, sql } from 'drizzle-orm';
import { auditActor, type IotDeps } from '../registry/deps.ts';
import { parseRule, type RuleAction, type RuleDefinition, type RuleTrigger } from './rule-schema.ts';

export interface Rule extends RuleDefinition {
  id: string;
  communityId: string;
  version: number;
  updatedAt: string;
}

type Row = typeof rules.$inferSelect;
export const toRule = (r: Row): Rule => ({
  id: r.id,
  communityId: r.communityId,
  name: r.name,
  description: r.description ?? undefined,
  enabled: r.enabled,
  trigger: r.trigger as RuleTrigger,
  condition: r.condition,
  debounceSeconds: r.debounceSeconds,
  actions: r.actions as RuleAction[],
  version: r.version,
  updatedAt: new Date(r.updatedAt).toISOString(),
});

const notFound = (id: string) =>
  new AppError('NOT_FOUND', { zh: '规则不存在', en: `No rule ${id} in your jurisdiction` });

async function audit(tx: Executor, actor: Actor, action: string, rule: Pick<Rule, 'id' | 'communityId' | 'name'>) {
  await appendAudit(tx, {
    ...auditActor(actor),
    action,
    objectType: 'iot.rule',
    objectId: rule.id,
    communityId: rule.communityId,
    result: 'success',
    detail: { name: rule.name },
  });
}

/** Changes to rules call this so a consumer in the same process sees them at once (others within seconds). */
export type RulesChanged = (communityId: string) => void;

async function assertNameFree(tx: Executor, communityId: string, name: string, except?: string) {
  const [dup] = await tx
    .select({ id: rules.id })
    .from(rules)
    .where(and(eq(rules.communityId, communityId), eq(rules.name, name)));
  if (dup && dup.id !== except)
    throw new AppError('CONFLICT', {
      zh: `规则名“${name}”已存在`,
      en: `A rule named ${name} exists`,
      fieldErrors: { name: ['taken'] },
    });
}

export async function listRules(d: IotDeps, scope: DataScope, communityId: string): Promise<Rule[]> {
  const rows = await withScope(d.db, scope, (tx) =>
    tx.select().from(rules).where(eq(rules.communityId, communityId)).orderBy(asc(rules.name)),
  );
  return rows.map(toRule);
}

export async function getRule(d: IotDeps, scope: DataScope, id: string): Promise<Rule> {
  const [row] = await withScope(d.db, scope, (tx) => tx.select().from(rules).where(eq(rules.id, id)));
  if (!row) throw notFound(id);
  return toRule(row);
}

export async function createRule(d: IotDeps, scope: DataScope, communityId: string, input: unknown, actor: Actor) {
  const def = parseRule(input);
  return withScope(d.db, scope, async (tx) => {
    await assertNameFree(tx, communityId, def.name);
    const [row] = await tx
      .insert(rules)
      .values({ ...def, description: def.description ?? null, communityId, createdBy: actor.subject })
      .returning();
    const rule = toRule(row);
    await audit(tx, actor, 'iot.rule.create', rule);
    return rule;
  });
}

export async function updateRule(d: IotDeps, scope: DataScope, id: string, input: unknown, actor: Actor) {
  const def = parseRule(input);
  return withScope(d.db, scope, async (tx) => {
    const [current] = await tx.select({ communityId: rules.communityId }).from(rules).where(eq(rules.id, id));
    if (!current) throw notFound(id);
    await assertNameFree(tx, current.communityId, def.name, id);
    const [row] = await tx
      .update(rules)
      .set({
        ...def,
        description: def.description ?? null,
        version: sql`${rules.version} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(rules.id, id))
      .returning();
    if (!row) throw notFound(id);
    const rule = toRule(row);
    await audit(tx, actor, 'iot.rule.update', rule);
    return rule;
  });
}

export async function setRuleEnabled(d: IotDeps, scope: DataScope, id: string, enabled: boolean, actor: Actor) {
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx.update(rules).set({ enabled, updatedAt: new Date() }).where(eq(rules.id, id)).returning();
    if (!row) throw notFound(id);
    const rule = toRule(row);
    await audit(tx, actor, enabled ? 'iot.rule.enable' : 'iot.rule.disable', rule);
    return rule;
  });
}

export async function deleteRule(d: IotDeps, scope: DataScope, id: string, actor: Actor) {
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx.delete(rules).where(eq(rules.id, id)).returning();
    if (!row) throw notFound(id);
    // Its bookkeeping goes with it; what it stored (records, alarms) stays as history.
    for (const t of [ruleMetrics, ruleFirings, ruleDeadLetters]) await tx.delete(t).where(eq(t.ruleId, id));
    await tx.delete(ruleTraces).where(eq(ruleTraces.ruleId, id));
    const rule = toRule(row);
    await audit(tx, actor, 'iot.rule.delete', rule);
    return { id: rule.id, communityId: rule.communityId };
  });
}

/** Replaces a device's tags (building, entrance…), which `device` actions select targets by. */
export async function setDeviceTags(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  tags: Record<string, string>,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const [dev] = await tx
      .select({ id: devices.id, communityId: devices.communityId })
      .from(devices)
      .where(and(eq(devices.productKey, productKey), eq(devices.deviceName, deviceName)));
    if (!dev)
      throw new AppError('NOT_FOUND', {
        zh: '设备不存在',
        en: `No device ${productKey}/${deviceName} in your jurisdiction`,
      });
    await tx.delete(deviceTags).where(eq(deviceTags.deviceId, dev.id));
    const rows = Object.entries(tags).map(([key, value]) => ({
      deviceId: dev.id,
      communityId: dev.communityId,
      key,
      value,
    }));
    if (rows.length) await tx.insert(deviceTags).values(rows);
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.device.set_tags',
      objectType: 'iot.device',
      objectId: dev.id,
      communityId: dev.communityId,
      result: 'success',
      detail: { productKey, deviceName, tags },
    });
    return { deviceId: dev.id, tags };
  });
}
