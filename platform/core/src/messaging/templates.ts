import { enqueue } from '@shequ/bus';
import { type Executor, messageChannels, messageTemplates, withScope } from '@shequ/db';
import { and, asc, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-service.ts';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../identity/user-service.ts';

export interface TemplateInput {
  code: string;
  name: string;
  titleZh: string;
  titleEn: string;
  bodyZh: string;
  bodyEn: string;
  variables: string[];
  channels: string[];
}

export interface BilingualText {
  titleZh: string;
  titleEn: string;
  bodyZh: string;
  bodyEn: string;
}

const placeholder = /\{\{\s*([a-zA-Z][\w]{0,31})\s*\}\}/g;
const varName = /^[a-zA-Z]\w{0,31}$/;
const codeRe = /^[a-z][a-z0-9_.-]{1,63}$/;

const invalid = (zh: string, en: string, field: string) =>
  new AppError('INVALID_INPUT', { zh, en, fieldErrors: { [field]: [en] } });

const placeholdersOf = (text: string) => [...text.matchAll(placeholder)].map((m) => m[1]);

/**
 * Checks a template: a code, both languages, declared variables only (`{{name}}`), every declared variable used in
 * both languages, known channels.
 */
export function checkTemplate(t: TemplateInput): TemplateInput {
  if (!codeRe.test(t.code)) {
    throw invalid(
      '模板编码为小写字母开头的 2–64 位字母、数字、点、横线',
      'The code is 2–64 lower-case letters, digits, . _ or -',
      'code',
    );
  }
  for (const [field, v, max] of [
    ['name', t.name, 100],
    ['titleZh', t.titleZh, 100],
    ['titleEn', t.titleEn, 200],
    ['bodyZh', t.bodyZh, 2000],
    ['bodyEn', t.bodyEn, 4000],
  ] as const) {
    if (!v.trim() || v.length > max)
      throw invalid(`请填写 ${field}（不超过 ${max} 字）`, `${field} is required (at most ${max} characters)`, field);
  }
  const declared = [...new Set(t.variables)];
  for (const v of declared)
    if (!varName.test(v)) throw invalid(`变量名“${v}”不合法`, `Invalid variable name ${v}`, 'variables');
  for (const [field, text] of [
    ['titleZh', t.titleZh],
    ['titleEn', t.titleEn],
    ['bodyZh', t.bodyZh],
    ['bodyEn', t.bodyEn],
  ] as const) {
    const unknown = placeholdersOf(text).filter((p) => !declared.includes(p));
    if (unknown.length > 0) {
      throw invalid(
        `${field} 使用了未声明的变量：${unknown.join('、')}`,
        `${field} uses undeclared variables: ${unknown.join(', ')}`,
        field,
      );
    }
  }
  const zhUsed = new Set([...placeholdersOf(t.titleZh), ...placeholdersOf(t.bodyZh)]);
  const enUsed = new Set([...placeholdersOf(t.titleEn), ...placeholdersOf(t.bodyEn)]);
  const missing = declared.filter((v) => !zhUsed.has(v) || !enUsed.has(v));
  if (missing.length > 0) {
    throw invalid(
      `变量 ${missing.join('、')} 须在中英文中都使用`,
      `Variables ${missing.join(', ')} must appear in both the Chinese and the English text`,
      'variables',
    );
  }
  for (const c of t.channels) {
    if (!(messageChannels as readonly string[]).includes(c))
      throw invalid(`未知渠道 ${c}`, `Unknown channel ${c}`, 'channels');
  }
  return { ...t, variables: declared, channels: [...new Set(['in_app', ...t.channels])] };
}

/** Fills a template's variables; a missing or undeclared variable, or an over-long value, is refused. */
export function renderTemplate(
  t: Pick<TemplateInput, 'titleZh' | 'titleEn' | 'bodyZh' | 'bodyEn' | 'variables' | 'code'>,
  vars: Record<string, string>,
): BilingualText {
  const missing = t.variables.filter((v) => typeof vars[v] !== 'string');
  if (missing.length > 0) {
    throw invalid(
      `模板 ${t.code} 缺少变量：${missing.join('、')}`,
      `Template ${t.code} needs: ${missing.join(', ')}`,
      'vars',
    );
  }
  const extra = Object.keys(vars).filter((k) => !t.variables.includes(k));
  if (extra.length > 0) {
    throw invalid(
      `模板 ${t.code} 没有这些变量：${extra.join('、')}`,
      `Template ${t.code} has no variables ${extra.join(', ')}`,
      'vars',
    );
  }
  for (const [k, v] of Object.entries(vars)) {
    if (v.length > 500) throw invalid(`变量 ${k} 过长`, `Variable ${k} is longer than 500 characters`, 'vars');
  }
  const fill = (text: string) => text.replace(placeholder, (_, name: string) => vars[name]);
  return { titleZh: fill(t.titleZh), titleEn: fill(t.titleEn), bodyZh: fill(t.bodyZh), bodyEn: fill(t.bodyEn) };
}

const scopeOf = (communityId: string) => ({ kind: 'communities' as const, ids: [communityId] });

export async function listTemplates(db: Executor, communityId: string) {
  return withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select()
      .from(messageTemplates)
      .where(eq(messageTemplates.communityId, communityId))
      .orderBy(asc(messageTemplates.code)),
  );
}

export async function templateByCode(db: Executor, communityId: string, code: string) {
  const [t] = await withScope(db, scopeOf(communityId), (tx) =>
    tx
      .select()
      .from(messageTemplates)
      .where(and(eq(messageTemplates.communityId, communityId), eq(messageTemplates.code, code))),
  );
  if (!t) throw notFound(`Message template ${code}`, `消息模板 ${code} `);
  return t;
}

/** Creates or replaces a template by its code (the version goes up). */
export async function saveTemplate(db: Executor, communityId: string, input: TemplateInput, actor: Actor) {
  const t = checkTemplate(input);
  return withScope(db, scopeOf(communityId), async (tx) => {
    const [current] = await tx
      .select()
      .from(messageTemplates)
      .where(and(eq(messageTemplates.communityId, communityId), eq(messageTemplates.code, t.code)))
      .for('update');
    const values = { ...t, communityId, updatedBy: actor.subject, updatedAt: new Date() };
    const [row] = current
      ? await tx
          .update(messageTemplates)
          .set({ ...values, version: current.version + 1 })
          .where(eq(messageTemplates.id, current.id))
          .returning()
      : await tx.insert(messageTemplates).values(values).returning();
    await appendAudit(tx, {
      subject: actor.subject,
      subjectRole: actor.role,
      action: 'message.template.save',
      objectType: 'message_template',
      objectId: row.id,
      communityId,
      result: 'success',
      sourceIp: actor.ip,
      requestId: actor.requestId,
      detail: { code: row.code, version: row.version },
    });
    await enqueue(tx, {
      subject: 'shequ.message.template_saved',
      communityId,
      data: { code: row.code, version: row.version },
    });
    return row;
  });
}
