import { dataEntryProfiles, type Executor } from '@shequ/db';
import type { Grade } from '@shequ/schemas';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';

/** The undertaking data-entry staff accept before their first entry (DB33 9.2.2.2); bump the version to ask again. */
export const CONFIDENTIALITY_VERSION = '2026-11';
export const confidentialityText = {
  zh: '本人承诺：仅为社区服务与治理目的录入和使用居民信息；不泄露、不出售、不向无关人员提供；查看敏感信息须说明原因；离岗后继续履行保密义务。违反承诺将依法承担责任。',
  en: 'I will enter and use residents’ data only for community services and governance; I will not disclose, sell or pass it to anyone without need; I will give a reason to view sensitive data; these duties continue after I leave. Breaches carry legal liability.',
};

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function acknowledgeConfidentiality(ex: Executor, actor: Actor): Promise<void> {
  await ex.transaction(async (tx) => {
    await tx
      .insert(dataEntryProfiles)
      .values({
        userId: actor.subject,
        ackVersion: CONFIDENTIALITY_VERSION,
        acknowledgedAt: new Date(),
        acknowledgedIp: actor.ip ?? null,
      })
      .onConflictDoUpdate({
        target: dataEntryProfiles.userId,
        set: { ackVersion: CONFIDENTIALITY_VERSION, acknowledgedAt: new Date(), acknowledgedIp: actor.ip ?? null },
      });
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'base.entry.acknowledge',
      objectType: 'user',
      objectId: actor.subject,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { version: CONFIDENTIALITY_VERSION },
    });
  });
}

export async function entryStatus(
  ex: Executor,
  userId: string,
): Promise<{ acknowledged: boolean; maxGrade: Grade; version: string }> {
  if (!uuidRe.test(userId)) return { acknowledged: true, maxGrade: 'L4', version: CONFIDENTIALITY_VERSION };
  const [p] = await ex.select().from(dataEntryProfiles).where(eq(dataEntryProfiles.userId, userId));
  return {
    acknowledged: p?.ackVersion === CONFIDENTIALITY_VERSION,
    maxGrade: (p?.maxGrade as Grade) ?? 'L4',
    version: CONFIDENTIALITY_VERSION,
  };
}

/**
 * Manual entry by a person needs the current undertaking and a grade high enough for the data. System actors
 * (seed, CLI automation) are not people and pass; their entries are still attributed and audited.
 */
export async function assertMayEnter(ex: Executor, actor: Actor, grade: Grade): Promise<void> {
  const s = await entryStatus(ex, actor.subject);
  if (!s.acknowledged) {
    throw new AppError('FORBIDDEN', {
      zh: '首次录入数据前，请先阅读并确认《数据保密承诺》',
      en: 'Accept the confidentiality undertaking before entering data',
    });
  }
  if (grade > s.maxGrade) {
    throw new AppError('FORBIDDEN', {
      zh: `您的录入权限为 ${s.maxGrade} 级，不能录入 ${grade} 级数据`,
      en: `Your entry grade is ${s.maxGrade}; this data is ${grade}`,
    });
  }
}
