import { randomBytes } from 'node:crypto';
import { type Actor, AppError, appendAudit, hashPassword, notFound } from '@shequ/core';
import { type DataScope, mqttAccounts, products, withScope } from '@shequ/db';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { auditActor, type IotDeps } from './deps.ts';
import { accountLifecycle } from './lifecycle-events.ts';

export interface NewAccount {
  name: string;
  /** MQTT filters the account may publish to and subscribe within, e.g. `/sys/k123/+/thing/event/#`. */
  topics: string[];
  productKeys?: string[];
}

const filterRe = /^[^#+]*(?:\+[^#+]*)*(?:#)?$/;

/** A filter is valid when `+` fills whole levels and `#` only ends it (MQTT 4.7.1). */
export function validFilter(f: string): boolean {
  if (!f || f.length > 256 || !filterRe.test(f)) return false;
  return f.split('/').every((level, i, all) => {
    if (level.includes('#')) return level === '#' && i === all.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}

/** Creates an application MQTT account; the password is generated, hashed with scrypt and returned once. */
export async function createAccount(
  d: IotDeps,
  scope: DataScope,
  communityId: string,
  input: NewAccount,
  actor: Actor,
) {
  const bad = input.topics.filter((t) => !validFilter(t));
  if (bad.length || input.topics.length === 0) {
    throw new AppError('INVALID_INPUT', {
      zh: '主题模式无效（+ 占一整级，# 只能在末尾）',
      en: 'Invalid topic patterns (+ fills a level, # only at the end)',
      fieldErrors: { topics: bad.length ? bad : ['at least one pattern'] },
    });
  }
  const username = `app_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const passwordHash = await hashPassword(password);
  return withScope(d.db, scope, async (tx) => {
    const keys = input.productKeys ?? [];
    if (keys.length) {
      const found = await tx
        .select({ k: products.productKey })
        .from(products)
        .where(and(eq(products.communityId, communityId), inArray(products.productKey, keys)));
      const missing = keys.filter((k) => !found.some((f) => f.k === k));
      if (missing.length) throw notFound(`Products ${missing.join(', ')}`, `产品 ${missing.join('、')} `);
    }
    const [row] = await tx
      .insert(mqttAccounts)
      .values({
        communityId,
        name: input.name,
        username,
        passwordHash,
        topics: input.topics,
        productKeys: keys,
        createdBy: actor.subject,
      })
      .returning({ id: mqttAccounts.id });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: 'iot.account.create',
      objectType: 'iot.mqtt_account',
      objectId: row.id,
      communityId,
      result: 'success',
      detail: { username, name: input.name, topics: input.topics, productKeys: keys },
    });
    return { id: row.id, username, password };
  });
}

export async function listAccounts(d: IotDeps, scope: DataScope, communityId: string) {
  return withScope(d.db, scope, (tx) =>
    tx
      .select({
        id: mqttAccounts.id,
        name: mqttAccounts.name,
        username: mqttAccounts.username,
        topics: mqttAccounts.topics,
        productKeys: mqttAccounts.productKeys,
        enabled: mqttAccounts.enabled,
        createdAt: mqttAccounts.createdAt,
      })
      .from(mqttAccounts)
      .where(eq(mqttAccounts.communityId, communityId))
      .orderBy(asc(mqttAccounts.name)),
  );
}

/** Enables or disables an account; the gateway ends a disabled account's session. */
export async function setAccountEnabled(
  d: IotDeps,
  scope: DataScope,
  username: string,
  enabled: boolean,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const [row] = await tx
      .update(mqttAccounts)
      .set({ enabled, updatedAt: new Date() })
      .where(eq(mqttAccounts.username, username))
      .returning({ id: mqttAccounts.id, communityId: mqttAccounts.communityId });
    if (!row) throw notFound(`MQTT account ${username}`, `MQTT 账号 ${username} `);
    await appendAudit(tx, {
      ...auditActor(actor),
      action: enabled ? 'iot.account.enable' : 'iot.account.disable',
      objectType: 'iot.mqtt_account',
      objectId: row.id,
      communityId: row.communityId,
      result: 'success',
      detail: { username },
    });
    await accountLifecycle(tx, { communityId: row.communityId, username }, enabled ? 'enable' : 'disable');
    return { username, enabled };
  });
}
