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
  /** Catalog screenshots: how many, and the largest size of each. */
  screenshots: number;
  screenshotBytes: number;
  /** The run of the plugin's own tests: CPU time of the test code, and wall-clock time of the whole run. */
  testCpuMs: number;
  testWallMs: number;
}

export const defaultBudgets: ReviewBudgets = {
  archiveBytes: 4 * 1024 * 1024,
  bundleBytes: 2 * 1024 * 1024,
  fieldCount: 120,
  oneOfDepth: 3,
  residentColumns: 4,
  screenshots: 6,
  screenshotBytes: 1024 * 1024,
  testCpuMs: 20_000,
  testWallMs: 120_000,
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

/** Screenshot types the catalog serves, by the bytes they start with (the name's extension must agree). */
export const screenshotTypes = [
  {
    type: 'image/png',
    ext: ['png'],
    test: (b: Buffer) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
  },
  {
    type: 'image/jpeg',
    ext: ['jpg', 'jpeg'],
    test: (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  },
  {
    type: 'image/webp',
    ext: ['webp'],
    test: (b: Buffer) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
] as const;

/** The content type of a screenshot entry, or null when its bytes are not PNG, JPEG or WebP matching its extension. */
export function screenshotType(path: string, data: Buffer): string | null {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  const t = screenshotTypes.find((x) => x.test(data));
  return t && (t.ext as readonly string[]).includes(ext) ? t.type : null;
}

/**
 * Screenshots declared in the manifest: each a file inside the package under `screenshots/`, PNG, JPEG or WebP (by
 * content, agreeing with its extension), within the size budget; no more than the count budget; no path twice.
 */
export function screenshotItems(m: PluginManifest, files: Record<string, Buffer>, b: ReviewBudgets): ReviewItem[] {
  const shots = m.screenshots ?? [];
  if (shots.length === 0) return [item('screenshots', 'pass', '应用没有提供截图', 'The app has no screenshots')];
  const problems: { zh: string; en: string }[] = [];
  const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;
  if (shots.length > b.screenshots)
    problems.push({
      zh: `截图 ${shots.length} 张，超过上限 ${b.screenshots} 张`,
      en: `${shots.length} screenshots, over the limit of ${b.screenshots}`,
    });
  const seen = new Set<string>();
  for (const s of shots) {
    const p = s.path;
    if (seen.has(p)) {
      problems.push({ zh: `截图 ${p} 重复声明`, en: `screenshot ${p} is declared twice` });
      continue;
    }
    seen.add(p);
    if (!p.startsWith('screenshots/') || p.includes('..') || p.includes('\\') || p.split('/').length !== 2) {
      problems.push({
        zh: `截图路径 ${p} 不在安装包的 screenshots/ 目录内`,
        en: `screenshot path ${p} is outside the package's screenshots/ folder`,
      });
      continue;
    }
    const data = Object.hasOwn(files, p) ? files[p] : undefined;
    if (!data) {
      problems.push({ zh: `安装包中没有截图文件 ${p}`, en: `screenshot ${p} is not in the package` });
      continue;
    }
    if (!screenshotType(p, data))
      problems.push({
        zh: `截图 ${p} 不是 PNG、JPEG 或 WebP 图片（或与扩展名不符）`,
        en: `screenshot ${p} is not a PNG, JPEG or WebP image matching its extension`,
      });
    if (data.length > b.screenshotBytes)
      problems.push({
        zh: `截图 ${p} 为 ${kb(data.length)}，超过上限 ${kb(b.screenshotBytes)}`,
        en: `screenshot ${p} is ${kb(data.length)}, over the ${kb(b.screenshotBytes)} limit`,
      });
  }
  const undeclared = Object.keys(files).filter((f) => f.startsWith('screenshots/') && !seen.has(f));
  const out: ReviewItem[] = [
    problems.length
      ? item(
          'screenshots',
          'fail',
          `截图有问题：${problems.map((x) => x.zh).join('；')}`,
          `Screenshot problems: ${problems.map((x) => x.en).join('; ')}`,
        )
      : item(
          'screenshots',
          'pass',
          `${shots.length} 张截图均为 PNG/JPEG/WebP，大小和数量在上限内`,
          `${shots.length} screenshot(s), all PNG/JPEG/WebP within the size and count limits`,
        ),
  ];
  if (undeclared.length)
    out.push(
      item(
        'screenshots.undeclared',
        'warn',
        `安装包中有未在清单中声明的截图，不会显示：${undeclared.join('、')}`,
        `Screenshots in the package but not declared in the manifest (not shown): ${undeclared.join(', ')}`,
      ),
    );
  return out;
}
