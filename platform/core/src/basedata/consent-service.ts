import { enqueue } from '@shequ/bus';
import { consents, type DataScope, people, withScope } from '@shequ/db';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import type { BaseDeps } from './people-service.ts';

/** Purposes and data categories the ledger knows; labels are what residents read. */
export const consentPurposes = {
  health_data_sharing: {
    zh: '健康数据共享（家庭医生、养老服务）',
    en: 'Sharing health data (family doctor, elderly care)',
  },
  community_services: { zh: '社区服务与通知', en: 'Community services and notices' },
  elderly_care: { zh: '居家养老服务', en: 'Home elderly care' },
  provincial_exchange: { zh: '省级平台数据交换', en: 'Exchange with the provincial platform' },
} as const;
export const consentCategories = {
  identity: '身份信息',
  contact: '联系方式',
  health: '健康信息',
  location: '位置信息',
  household: '家庭成员',
} as const;
export const consentChannels = ['app', 'console', 'paper', 'provincial_app'] as const;

export type ConsentPurpose = keyof typeof consentPurposes;
export type ConsentCategory = keyof typeof consentCategories;
export type ConsentChannel = (typeof consentChannels)[number];

export interface ConsentGrant {
  personId: string;
  purpose: ConsentPurpose;
  categories: ConsentCategory[];
  channel: ConsentChannel;
}

export async function grantConsent(d: BaseDeps, scope: DataScope, g: ConsentGrant, actor: Actor) {
  if (!(g.purpose in consentPurposes))
    throw new AppError('INVALID_INPUT', {
      zh: '未知的用途',
      en: `Unknown purpose ${g.purpose}`,
      fieldErrors: { purpose: ['未知用途 / unknown purpose'] },
    });
  if (g.categories.length === 0 || !g.categories.every((c) => c in consentCategories)) {
    throw new AppError('INVALID_INPUT', {
      zh: '请选择数据类别',
      en: 'Choose the data categories',
      fieldErrors: { categories: ['数据类别有误 / invalid categories'] },
    });
  }
  return withScope(d.db, scope, async (tx) => {
    const [p] = await tx.select({ communityId: people.communityId }).from(people).where(eq(people.id, g.personId));
    if (!p) throw notFound('Person', '人员');
    const [row] = await tx
      .insert(consents)
      .values({
        communityId: p.communityId,
        personId: g.personId,
        purpose: g.purpose,
        categories: [...new Set(g.categories)].sort(),
        channel: g.channel,
        grantedBy: actor.subject,
      })
      .returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.consent.grant',
      objectType: 'consent',
      objectId: row.id,
      communityId: p.communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { personId: g.personId, purpose: g.purpose, categories: row.categories, channel: g.channel },
    });
    await enqueue(tx, {
      subject: 'shequ.base.consent_granted',
      communityId: p.communityId,
      data: { id: row.id, personId: g.personId, purpose: g.purpose },
    });
    return { id: row.id, grantedAt: row.grantedAt.toISOString() };
  });
}

/** Withdrawal is recorded on the grant (when, by whom, through which channel); the grant itself stays on record. */
export async function withdrawConsent(
  d: BaseDeps,
  scope: DataScope,
  consentId: string,
  channel: ConsentChannel,
  actor: Actor,
) {
  return withScope(d.db, scope, async (tx) => {
    const [c] = await tx.select().from(consents).where(eq(consents.id, consentId));
    if (!c) throw notFound('Consent', '授权记录');
    if (c.withdrawnAt) throw new AppError('CONFLICT', { zh: '该授权已撤回', en: 'This consent was already withdrawn' });
    const now = new Date();
    await tx
      .update(consents)
      .set({ withdrawnAt: now, withdrawnBy: actor.subject, withdrawChannel: channel })
      .where(and(eq(consents.id, consentId), isNull(consents.withdrawnAt)));
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.consent.withdraw',
      objectType: 'consent',
      objectId: consentId,
      communityId: c.communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { personId: c.personId, purpose: c.purpose, channel },
    });
    await enqueue(tx, {
      subject: 'shequ.base.consent_withdrawn',
      communityId: c.communityId,
      data: { id: consentId, personId: c.personId, purpose: c.purpose },
    });
    return { id: consentId, withdrawnAt: now.toISOString() };
  });
}

export async function listConsents(d: BaseDeps, scope: DataScope, personId: string) {
  return withScope(d.db, scope, async (tx) => {
    const rows = await tx
      .select()
      .from(consents)
      .where(eq(consents.personId, personId))
      .orderBy(asc(consents.grantedAt));
    return rows.map((r) => ({
      id: r.id,
      purpose: r.purpose,
      purposeZh: consentPurposes[r.purpose as ConsentPurpose]?.zh ?? r.purpose,
      categories: r.categories,
      channel: r.channel,
      grantedAt: r.grantedAt.toISOString(),
      withdrawnAt: r.withdrawnAt?.toISOString() ?? null,
      active: r.withdrawnAt === null,
    }));
  });
}

/** Whether a purpose is currently consented to: services check this before using the data. */
export async function hasConsent(
  d: BaseDeps,
  scope: DataScope,
  personId: string,
  purpose: ConsentPurpose,
  category: ConsentCategory,
): Promise<boolean> {
  const list = await listConsents(d, scope, personId);
  return list.some((c) => c.active && c.purpose === purpose && c.categories.includes(category));
}
