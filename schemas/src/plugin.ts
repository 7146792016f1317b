import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import semver from 'semver';
import type { JsonSchema } from './index.ts';

const load = <T>(rel: string): T => JSON.parse(readFileSync(new URL(`../${rel}`, import.meta.url), 'utf8'));

export interface Text {
  zh: string;
  en: string;
}

export type Scenario =
  | 'neighbourhood'
  | 'education'
  | 'health'
  | 'services'
  | 'governance'
  | 'building'
  | 'transport'
  | 'low-carbon'
  | 'entrepreneurship';

export interface PageField {
  field: string;
  title: Text;
  format?: 'text' | 'datetime' | 'date' | 'number' | 'tag' | 'long-text' | 'boolean';
}

export interface PageAction {
  id: string;
  title: Text;
  handler?: string;
  page?: string;
  confirm?: Text;
  danger?: boolean;
  row?: boolean;
}

interface PageBase {
  audience: 'resident' | 'operator';
  title: Text;
  menu?: boolean;
}

export type Page = PageBase &
  (
    | {
        type: 'list';
        source: { handler: string };
        columns: PageField[];
        filters?: { field: string; title: Text; options?: { value: string; label: Text }[] }[];
        actions?: PageAction[];
        detailPage?: string;
      }
    | { type: 'detail'; source: { handler: string }; fields: PageField[]; actions?: PageAction[] }
    | {
        type: 'form';
        schema: JsonSchema;
        uiSchema?: Record<string, unknown>;
        submit: { handler: string; label?: Text; next?: string };
      }
    | {
        type: 'dashboard';
        source: { handler: string };
        cards?: { field: string; title: Text; unit?: Text }[];
        charts?: { kind: 'bar' | 'line' | 'pie'; field: string; title: Text }[];
      }
  );

export interface CollectionSpec {
  title?: Text;
  schema: JsonSchema;
  indexes?: string[];
  personal?: Record<string, 'L2' | 'L3' | 'L4'>;
}

export interface HandlerSpec {
  description?: string;
  roles?: ('resident' | 'operator')[];
  input?: JsonSchema;
}

/** The manifest (`shequ.plugin.json`); plugin-manifest.schema.json is the source of truth for its shape. */
export interface PluginManifest {
  id: string;
  version: string;
  name: Text;
  description: Text;
  icon?: string;
  /** Catalog screenshots: package entries under `screenshots/` (PNG, JPEG or WebP). */
  screenshots?: { path: string; caption?: Text }[];
  scenario: Scenario;
  sdk: string;
  permissions?: { services?: Record<string, string[]>; data?: string[] };
  collections?: Record<string, CollectionSpec>;
  handlers: Record<string, HandlerSpec>;
  pages?: Record<string, Page>;
  subscriptions?: { subject: string; handler: string }[];
  jobs?: { name: string; cron: string; handler: string }[];
  settings?: JsonSchema;
  http?: { hosts?: string[] };
  migrations?: { collection: string; from: string; handler: string }[];
  i18n?: { 'zh-CN'?: Record<string, string>; en?: Record<string, string> };
}

export interface CapabilityCatalog {
  services: Record<string, { title: Text; actions: Record<string, { title: Text }> }>;
  dataScopes: Record<string, Text>;
}

export const pluginManifestSchema = load<JsonSchema>('plugin/plugin-manifest.schema.json');
export const pageSchema = load<JsonSchema>('plugin/page.schema.json');
/** Shared services and data scopes plugins may ask for: one list for the validator, the bridge and the SDK. */
export const capabilityCatalog = load<CapabilityCatalog>('plugin/services.json');

export const scenarios: Scenario[] = (pluginManifestSchema.properties as Record<string, { enum: Scenario[] }>).scenario
  .enum;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(pageSchema);
const validateShape = ajv.compile(pluginManifestSchema);

/** Schemas written by plugin authors are compiled leniently (unknown keywords allowed) but must be valid JSON Schema. */
const authorAjv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(authorAjv);

/** Compiles a schema written by a plugin author; throws with ajv's reason when it is not valid JSON Schema. */
export function compileAuthorSchema(schema: JsonSchema) {
  return authorAjv.compile(schema);
}

/** One problem in a plugin package, naming the file and the JSON pointer inside it. */
export interface ManifestProblem {
  file: string;
  pointer: string;
  message: string;
}

export const formatProblem = (p: ManifestProblem) => `${p.file}#${p.pointer}: ${p.message}`;

const token = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function shapeProblems(file: string, errors: ErrorObject[]): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // if/then branches repeat the inner error as "must match then schema"; the inner one is the useful one.
    if (e.keyword === 'if') continue;
    let pointer = e.instancePath;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      pointer = `${pointer}/${token(extra)}`;
      message = `unknown field "${extra}"`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, pointer: pointer || '/', message });
  }
  return out;
}

function semanticProblems(file: string, m: PluginManifest): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const add = (pointer: string, message: string) => out.push({ file, pointer, message });
  const handlers = new Set(Object.keys(m.handlers));
  const pages = new Set(Object.keys(m.pages ?? {}));
  const collections = new Set(Object.keys(m.collections ?? {}));
  const needHandler = (pointer: string, name: string | undefined) => {
    if (name !== undefined && !handlers.has(name)) add(pointer, `handler "${name}" is not declared in /handlers`);
  };
  const needPage = (pointer: string, name: string | undefined) => {
    if (name !== undefined && !pages.has(name)) add(pointer, `page "${name}" is not declared in /pages`);
  };
  const compiles = (pointer: string, schema: JsonSchema | undefined) => {
    if (!schema) return;
    try {
      compileAuthorSchema(schema);
    } catch (err) {
      add(pointer, `not a valid JSON Schema: ${(err as Error).message}`);
    }
  };
  if (!semver.validRange(m.sdk)) add('/sdk', `"${m.sdk}" is not a semver range`);
  for (const [service, actions] of Object.entries(m.permissions?.services ?? {})) {
    const known = capabilityCatalog.services[service];
    if (!known) {
      add(
        `/permissions/services/${token(service)}`,
        `unknown service "${service}"; known: ${Object.keys(capabilityCatalog.services).join(', ')}`,
      );
      continue;
    }
    actions.forEach((a, i) => {
      if (!known.actions[a])
        add(`/permissions/services/${token(service)}/${i}`, `service "${service}" has no action "${a}"`);
    });
  }
  (m.permissions?.data ?? []).forEach((scope, i) => {
    if (!capabilityCatalog.dataScopes[scope]) {
      add(
        `/permissions/data/${i}`,
        `unknown data scope "${scope}"; known: ${Object.keys(capabilityCatalog.dataScopes).join(', ')}`,
      );
    }
  });
  for (const [name, c] of Object.entries(m.collections ?? {})) {
    const base = `/collections/${token(name)}`;
    compiles(`${base}/schema`, c.schema);
    const fields = new Set(Object.keys(c.schema.properties ?? {}));
    (c.indexes ?? []).forEach((f, i) => {
      if (!fields.has(f)) add(`${base}/indexes/${i}`, `index field "${f}" is not a property of the schema`);
    });
    for (const f of Object.keys(c.personal ?? {})) {
      if (!fields.has(f)) add(`${base}/personal/${token(f)}`, `personal field "${f}" is not a property of the schema`);
    }
  }
  for (const [name, h] of Object.entries(m.handlers)) compiles(`/handlers/${token(name)}/input`, h.input);
  compiles('/settings', m.settings);
  for (const [id, page] of Object.entries(m.pages ?? {})) {
    const base = `/pages/${token(id)}`;
    if (page.type === 'form') {
      compiles(`${base}/schema`, page.schema);
      needHandler(`${base}/submit/handler`, page.submit.handler);
      needPage(`${base}/submit/next`, page.submit.next);
    } else {
      needHandler(`${base}/source/handler`, page.source.handler);
    }
    if (page.type === 'list') needPage(`${base}/detailPage`, page.detailPage);
    if (page.type === 'list' || page.type === 'detail') {
      (page.actions ?? []).forEach((a, i) => {
        needHandler(`${base}/actions/${i}/handler`, a.handler);
        needPage(`${base}/actions/${i}/page`, a.page);
      });
    }
  }
  for (const [i, s] of (m.subscriptions ?? []).entries()) needHandler(`/subscriptions/${i}/handler`, s.handler);
  for (const [i, j] of (m.jobs ?? []).entries()) needHandler(`/jobs/${i}/handler`, j.handler);
  (m.migrations ?? []).forEach((mig, i) => {
    needHandler(`/migrations/${i}/handler`, mig.handler);
    if (!collections.has(mig.collection))
      add(`/migrations/${i}/collection`, `collection "${mig.collection}" is not declared`);
    if (!semver.validRange(mig.from)) add(`/migrations/${i}/from`, `"${mig.from}" is not a semver range`);
  });
  return out;
}

/**
 * Checks a manifest: its shape against plugin-manifest.schema.json (unknown fields refused), then what a schema
 * cannot say — services and scopes that exist, handlers and pages that are referenced, author schemas that compile.
 * Every problem names the file and the JSON pointer; an empty list means the manifest is valid.
 */
export function checkManifest(value: unknown, file = 'shequ.plugin.json'): ManifestProblem[] {
  if (!validateShape(value)) return shapeProblems(file, validateShape.errors ?? []);
  return semanticProblems(file, value as unknown as PluginManifest);
}
