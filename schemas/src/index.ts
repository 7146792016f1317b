import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import type { Grade, JsonSchema } from './base.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addKeyword({ keyword: 'x-grade', schemaType: 'string' });
ajv.addKeyword({ keyword: 'x-enumNames', schemaType: 'array' });
ajv.addKeyword({ keyword: 'x-editable', schemaType: 'array' });

// The CommonJS module's default export is the function (ESM interop gives it either way).
const localizeZh = ((localizeZhModule as unknown as { default?: unknown }).default ?? localizeZhModule) as (
  errors: ErrorObject[],
) => void;

const compiled = new Map<string, ValidateFunction>();

/** A compiled validator for a schema (cached by $id). */
export function validatorFor(schema: JsonSchema): ValidateFunction {
  const id = schema.$id ?? JSON.stringify(schema);
  let v = compiled.get(id);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(id, v);
  }
  return v;
}

/** Field → grade, read from the schema: the one place grades are declared. */
export function gradesOf(schema: JsonSchema): Record<string, Grade> {
  const out: Record<string, Grade> = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) if (p['x-grade']) out[k] = p['x-grade'];
  return out;
}

/**
 * The fields an operator may change on an existing record (`x-editable`), read from the schema: the one place the
 * console's edit form and the service's update agree on. A record's identity (address, plate) is never among them.
 */
export function editableOf(schema: JsonSchema): readonly string[] {
  const e = schema['x-editable'];
  return Array.isArray(e) ? (e as string[]) : [];
}

/**
 * Ajv errors as `{ field: [message] }` keyed by JSON pointer without the leading slash (an unknown property by its
 * own name). Each message is "中文 / English" (Chinese from ajv-i18n), the form every field error of the platform
 * takes, so screens can show either half.
 */
export function fieldErrors(errors: ErrorObject[] | null | undefined): Record<string, string[]> {
  const list = errors ?? [];
  // ajv-i18n rewrites messages in place: localise a copy, keep ajv's English on the originals.
  const zh = list.map((e) => ({ ...e }));
  localizeZh(zh);
  const out: Record<string, string[]> = {};
  // if/anyOf/oneOf only summarise the errors of their branches, which name the fields: keep them only when alone.
  const summary = (e: ErrorObject) => ['if', 'anyOf', 'oneOf'].includes(e.keyword);
  const specific = list.some((e) => !summary(e));
  list.forEach((e, i) => {
    if (specific && summary(e)) return;
    const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    // A missing or unknown property is named by its own path (nested ones under their parent's).
    const field =
      e.keyword === 'required'
        ? [path, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.')
        : e.keyword === 'additionalProperties'
          ? [path, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.')
          : path || '_';
    const en = e.message ?? e.keyword;
    out[field] = [...(out[field] ?? []), zh[i].message && zh[i].message !== en ? `${zh[i].message} / ${en}` : en];
  });
  return out;
}

export * from './base.ts';
export * from './catalog-index.ts';
export * from './exchange.ts';
export * from './operations-report.ts';
export * from './plugin.ts';
export * from './thing-model.ts';
export * from './thing-models.ts';
