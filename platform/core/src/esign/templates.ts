import { enqueue } from '@shequ/bus';
import { type Executor, esignTemplates, type TemplateVariable, type Tx, withScope } from '@shequ/db';
import { and, desc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';
import { templateKeys } from './render.ts';

export const esignScope = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

export interface ContractTemplateInput {
  name: string;
  body: string;
  variables: TemplateVariable[];
  validDays: number;
}

const invalid = (zh: string, en: string, field: string) =>
  new AppError('INVALID_INPUT', { zh, en, fieldErrors: { [field]: [en] } });

/** A template's variables must be exactly the `{{key}}` names its body uses. */
export function checkContractTemplate(t: ContractTemplateInput): ContractTemplateInput {
  const name = t.name.trim();
  if (!name || name.length > 200)
    throw invalid('模板名称须为 1–200 个字符', 'The name must be 1–200 characters', 'name');
  if (!t.body.trim() || t.body.length > 50_000)
    throw invalid('合同正文须为 1–50000 个字符', 'The body must be 1–50,000 characters', 'body');
  const used = templateKeys(t.body);
  const declared = t.variables.map((v) => v.key);
  const missing = used.filter((k) => !declared.includes(k));
  if (missing.length) {
    throw invalid(
      `正文使用了未声明的变量：${missing.join('、')}`,
      `The body uses undeclared variables: ${missing.join(', ')}`,
      'variables',
    );
  }
  const unused = declared.filter((k) => !used.includes(k));
  if (unused.length) {
    throw invalid(
      `变量未在正文中使用：${unused.join('、')}`,
      `Variables not used in the body: ${unused.join(', ')}`,
      'variables',
    );
  }
  if (new Set(declared).size !== declared.length) throw invalid('变量名重复', 'Duplicate variable names', 'variables');
  if (!Number.isInteger(t.validDays) || t.validDays < 1 || t.validDays > 365) {
    throw invalid('签署期限须为 1–365 天', 'The signing period must be 1–365 days', 'validDays');
  }
  return { ...t, name };
}

export type ContractTemplateRow = typeof esignTemplates.$inferSelect;

export const contractTemplateView = (t: ContractTemplateRow) => ({
  id: t.id,
  name: t.name,
  body: t.body,
  variables: t.variables,
  validDays: t.validDays,
  status: t.status,
  version: t.version,
  updatedAt: t.updatedAt.toISOString(),
});
export type ContractTemplateView = ReturnType<typeof contractTemplateView>;

async function audit(tx: Tx, actor: Actor, action: string, t: ContractTemplateRow) {
  await appendAudit(tx, {
    subject: actor.subject,
    subjectRole: actor.role,
    action: `esign.template.${action}`,
    objectType: 'esign_template',
    objectId: t.id,
    communityId: t.communityId,
    result: 'success',
    sourceIp: actor.ip,
    requestId: actor.requestId,
    detail: { name: t.name, version: t.version },
  });
  await enqueue(tx, {
    subject: `shequ.esign.template_${action}`,
    communityId: t.communityId,
    data: { id: t.id, name: t.name, version: t.version, status: t.status },
  });
}

export async function listContractTemplates(db: Executor, communityId: string, includeArchived = false) {
  return withScope(db, esignScope(communityId), async (tx) => {
    const rows = await tx
      .select()
      .from(esignTemplates)
      .where(
        includeArchived
          ? eq(esignTemplates.communityId, communityId)
          : and(eq(esignTemplates.communityId, communityId), eq(esignTemplates.status, 'active')),
      )
      .orderBy(desc(esignTemplates.updatedAt));
    return rows.map(contractTemplateView);
  });
}

export async function contractTemplateIn(tx: Tx, communityId: string, id: string): Promise<ContractTemplateRow> {
  const [t] = await tx
    .select()
    .from(esignTemplates)
    .where(and(eq(esignTemplates.id, id), eq(esignTemplates.communityId, communityId)));
  if (!t) throw notFound('Contract template', '合同模板');
  return t;
}

/** Creates a template, or updates one (optimistic: `expectedVersion` must match; the version goes up). */
export async function saveContractTemplate(
  db: Executor,
  communityId: string,
  input: ContractTemplateInput,
  actor: Actor,
  id?: string,
  expectedVersion?: number,
) {
  const t = checkContractTemplate(input);
  return withScope(db, esignScope(communityId), async (tx) => {
    if (!id) {
      const [row] = await tx
        .insert(esignTemplates)
        .values({ communityId, ...t, createdBy: actor.subject, updatedBy: actor.subject })
        .returning();
      await audit(tx, actor, 'created', row);
      return contractTemplateView(row);
    }
    const cur = await contractTemplateIn(tx, communityId, id);
    if (expectedVersion !== undefined && cur.version !== expectedVersion) {
      throw new AppError('CONFLICT', {
        zh: '模板已被他人修改，请刷新后重试',
        en: 'The template was changed by someone else; reload and retry',
      });
    }
    const [row] = await tx
      .update(esignTemplates)
      .set({ ...t, version: cur.version + 1, updatedBy: actor.subject, updatedAt: new Date() })
      .where(eq(esignTemplates.id, id))
      .returning();
    await audit(tx, actor, 'updated', row);
    return contractTemplateView(row);
  });
}

export async function archiveContractTemplate(db: Executor, communityId: string, id: string, actor: Actor) {
  return withScope(db, esignScope(communityId), async (tx) => {
    await contractTemplateIn(tx, communityId, id);
    const [row] = await tx
      .update(esignTemplates)
      .set({ status: 'archived', updatedBy: actor.subject, updatedAt: new Date() })
      .where(eq(esignTemplates.id, id))
      .returning();
    await audit(tx, actor, 'archived', row);
    return contractTemplateView(row);
  });
}
