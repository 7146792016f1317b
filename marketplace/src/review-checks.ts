import type { ReviewItem } from '@shequ/db';
import { type JsonSchema, type PluginManifest, scenarios } from '@shequ/schemas';
import semver from 'semver';

/** Limits a version must stay within to pass the automated review. */
export interface ReviewBudgets {
  archiveBytes: number;
  bundleBytes: number;
  /** Properties in one collection or form schema, nested ones included. */
  fieldCount: number;
  /** How deeply oneOf / anyOf / allOf may nest. */
  oneOfDepth: number;
  /** Columns of a resident list page: more do not fit at the large-text scale. */
  residentColumns: number;
}

export const defaultBudgets: ReviewBudgets = {
  archiveBytes: 4 * 1024 * 1024,
  bundleBytes: 2 * 1024 * 1024,
  fieldCount: 120,
  oneOfDepth: 3,
  residentColumns: 4,
};

const item = (id: string, level: ReviewItem['level'], zh: string, en: string): ReviewItem => ({ id, level, zh, en });

/** Fields (nested properties included) and the deepest oneOf/anyOf/allOf nesting of a schema. */
export function schemaComplexity(schema: unknown): { fields: number; depth: number } {
  let fields = 0;
  let depth = 0;
  const walk = (s: unknown, d: number) => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object') {
      for (const v of Object.values(o.properties)) {
        fields++;
        walk(v, d);
      }
    }
    for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
      if (Array.isArray(o[k])) {
        depth = Math.max(depth, d + 1);
        for (const v of o[k] as unknown[]) walk(v, d + 1);
      }
    }
    if (o.items) walk(o.items, d);
    for (const k of ['$defs', 'definitions'] as const)
      if (o[k] && typeof o[k] === 'object') for (const v of Object.values(o[k] as object)) walk(v, d);
  };
  walk(schema, 0);
  return { fields, depth };
}

/** Every permission a manifest asks for, flat: `service.action`, data scopes, `host:` outbound hosts. */
export function flatPermissions(m: PluginManifest): string[] {
  return [
    ...Object.entries(m.permissions?.services ?? {}).flatMap(([s, actions]) => actions.map((a) => `${s}.${a}`)),
    ...(m.permissions?.data ?? []),
    ...(m.http?.hosts ?? []).map((h) => `host:${h}`),
  ];
}

/** Permissions of `next` that `previous` did not ask for: an escalation every community must grant again. */
export function permissionEscalation(next: PluginManifest, previous?: PluginManifest): string[] {
  const before = new Set(previous ? flatPermissions(previous) : []);
  return flatPermissions(next).filter((p) => !before.has(p));
}

export function budgetItems(m: PluginManifest, archiveBytes: number, bundleBytes: number, b: ReviewBudgets) {
  const out: ReviewItem[] = [];
  const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;
  out.push(
    archiveBytes > b.archiveBytes
      ? item(
          'budget.archive',
          'fail',
          `安装包 ${kb(archiveBytes)}，超过上限 ${kb(b.archiveBytes)}`,
          `The archive is ${kb(archiveBytes)}, over the ${kb(b.archiveBytes)} budget`,
        )
      : item(
          'budget.archive',
          'pass',
          `安装包大小 ${kb(archiveBytes)}，未超过上限`,
          `Archive size ${kb(archiveBytes)} is within budget`,
        ),
  );
  out.push(
    bundleBytes > b.bundleBytes
      ? item(
          'budget.bundle',
          'fail',
          `服务端代码 ${kb(bundleBytes)}，超过上限 ${kb(b.bundleBytes)}`,
          `The handler bundle is ${kb(bundleBytes)}, over the ${kb(b.bundleBytes)} budget`,
        )
      : item(
          'budget.bundle',
          'pass',
          `服务端代码大小 ${kb(bundleBytes)}，未超过上限`,
          `Handler bundle size ${kb(bundleBytes)} is within budget`,
        ),
  );
  const schemas: [string, JsonSchema][] = [
    ...Object.entries(m.collections ?? {}).map(([n, c]) => [`collections/${n}`, c.schema] as [string, JsonSchema]),
    ...Object.entries(m.pages ?? {}).flatMap(([n, p]) =>
      p.type === 'form' ? [[`pages/${n}`, p.schema] as [string, JsonSchema]] : [],
    ),
    ...(m.settings ? [['settings', m.settings] as [string, JsonSchema]] : []),
  ];
  const over: string[] = [];
  for (const [where, s] of schemas) {
    const c = schemaComplexity(s);
    if (c.fields > b.fieldCount) over.push(`${where}: ${c.fields} fields > ${b.fieldCount}`);
    if (c.depth > b.oneOfDepth) over.push(`${where}: oneOf/anyOf depth ${c.depth} > ${b.oneOfDepth}`);
  }
  out.push(
    over.length
      ? item(
          'budget.schema',
          'fail',
          `数据结构过于复杂：${over.join('；')}`,
          `Schemas are too complex: ${over.join('; ')}`,
        )
      : item(
          'budget.schema',
          'pass',
          `${schemas.length} 个数据结构的字段数和嵌套深度均在上限内`,
          `${schemas.length} schema(s) within the field count and oneOf depth budgets`,
        ),
  );
  return out;
}

const blank = (t: { zh?: string; en?: string } | undefined) => !t?.zh?.trim() || !t.en?.trim();

/** Pages for older residents: every field and action labelled in both languages; resident lists narrow enough for large text. */
export function elderItems(m: PluginManifest, b: ReviewBudgets): ReviewItem[] {
  const missing: string[] = [];
  const wide: string[] = [];
  for (const [name, p] of Object.entries(m.pages ?? {})) {
    if (blank(p.title)) missing.push(`pages/${name}/title`);
    if (p.type === 'form') {
      const props = (p.schema as { properties?: Record<string, { title?: unknown }> }).properties ?? {};
      for (const [f, s] of Object.entries(props))
        if (!s || typeof s.title !== 'string' || !s.title.trim()) missing.push(`pages/${name}/schema/${f}`);
    }
    if (p.type === 'list' || p.type === 'detail') {
      const fields = p.type === 'list' ? p.columns : p.fields;
      for (const [i, f] of fields.entries())
        if (blank(f.title)) missing.push(`pages/${name}/${p.type === 'list' ? 'columns' : 'fields'}/${i}`);
      if (p.type === 'list' && p.audience === 'resident' && p.columns.length > b.residentColumns)
        wide.push(`pages/${name}: ${p.columns.length}`);
    }
    if ('actions' in p)
      for (const [i, a] of (p.actions ?? []).entries()) if (blank(a.title)) missing.push(`pages/${name}/actions/${i}`);
  }
  const out: ReviewItem[] = [];
  out.push(
    missing.length
      ? item(
          'elder.labels',
          'fail',
          `以下页面元素缺少中英文标签：${missing.join('、')}`,
          `Page elements without a label in both languages: ${missing.join(', ')}`,
        )
      : item(
          'elder.labels',
          'pass',
          '所有页面字段和按钮都有中英文标签',
          'Every page field and action has a label in Chinese and English',
        ),
  );
  if (wide.length)
    out.push(
      item(
        'elder.large-text',
        'warn',
        `居民列表页列数过多，大字模式下难以阅读：${wide.join('、')}（建议不超过 ${b.residentColumns} 列）`,
        `Resident list pages with too many columns for the large-text scale: ${wide.join(', ')} (at most ${b.residentColumns} suggested)`,
      ),
    );
  else
    out.push(
      item(
        'elder.large-text',
        'pass',
        '居民页面在大字模式下可读',
        'Resident pages stay readable at the large-text scale',
      ),
    );
  return out;
}

const personalHint = /(phone|mobile|tel|idcard|id_?number|identity|address|addr|birth|name|plate|health|gps|location)/i;

/** Collections holding personal data must declare and grade those fields (`personal`); L4 fields are called out. */
export function personalDataItems(m: PluginManifest): ReviewItem[] {
  const undeclared: string[] = [];
  const graded: string[] = [];
  for (const [cn, c] of Object.entries(m.collections ?? {})) {
    const props = Object.keys((c.schema as { properties?: Record<string, unknown> }).properties ?? {});
    const personal = c.personal ?? {};
    for (const f of props) if (personalHint.test(f) && !Object.hasOwn(personal, f)) undeclared.push(`${cn}.${f}`);
    for (const [f, g] of Object.entries(personal)) graded.push(`${cn}.${f}=${g}`);
  }
  const out: ReviewItem[] = [];
  if (undeclared.length)
    out.push(
      item(
        'personal.undeclared',
        'warn',
        `以下字段看起来是个人信息但未声明分级：${undeclared.join('、')}`,
        `Fields that look like personal data but are not declared and graded: ${undeclared.join(', ')}`,
      ),
    );
  out.push(
    graded.length
      ? item(
          'personal.graded',
          graded.some((g) => g.endsWith('L4')) ? 'warn' : 'pass',
          `已声明的个人信息字段及分级：${graded.join('、')}`,
          `Declared personal-data fields and grades: ${graded.join(', ')}`,
        )
      : item('personal.graded', 'pass', '应用不保存已声明的个人信息', 'The app declares no personal-data fields'),
  );
  return out;
}

/** Collections whose schema gained required fields since the previous version need a migration from it. */
export function compatibilityItems(m: PluginManifest, previous?: PluginManifest): ReviewItem[] {
  if (!previous) return [item('compat.schema', 'pass', '首个版本，无需数据迁移', 'First version: no data to migrate')];
  const problems: string[] = [];
  for (const [cn, c] of Object.entries(m.collections ?? {})) {
    const before = previous.collections?.[cn];
    if (!before) continue;
    const req = new Set((c.schema as { required?: string[] }).required ?? []);
    const old = new Set((before.schema as { required?: string[] }).required ?? []);
    const added = [...req].filter((f) => !old.has(f));
    const migrated = (m.migrations ?? []).some(
      (x) => x.collection === cn && semver.satisfies(previous.version, x.from, { includePrerelease: true }),
    );
    if (added.length && !migrated) problems.push(`${cn}: ${added.join(', ')}`);
  }
  return [
    problems.length
      ? item(
          'compat.schema',
          'fail',
          `数据结构新增了必填字段但没有从 ${previous.version} 的迁移：${problems.join('；')}`,
          `New required fields without a migration from ${previous.version}: ${problems.join('; ')}`,
        )
      : item(
          'compat.schema',
          'pass',
          `数据结构与 ${previous.version} 兼容或已提供迁移`,
          `Collections are compatible with ${previous.version} or migrated`,
        ),
  ];
}

export function permissionItems(m: PluginManifest, previous?: PluginManifest) {
  const escalation = permissionEscalation(m, previous);
  const all = flatPermissions(m);
  const items: ReviewItem[] = [
    item(
      'permissions.list',
      'pass',
      all.length ? `申请的权限：${all.join('、')}` : '应用不申请任何平台权限',
      all.length ? `Permissions asked for: ${all.join(', ')}` : 'The app asks for no platform permissions',
    ),
  ];
  if (previous && escalation.length)
    items.push(
      item(
        'permissions.escalation',
        'warn',
        `相比 ${previous.version} 新增权限（各社区需重新授权）：${escalation.join('、')}`,
        `New since ${previous.version} (each community must grant again): ${escalation.join(', ')}`,
      ),
    );
  if (!scenarios.includes(m.scenario))
    items.push(item('manifest.scenario', 'fail', `未知的场景 ${m.scenario}`, `Unknown scenario ${m.scenario}`));
  return { items, escalation: previous ? escalation : [] };
}
