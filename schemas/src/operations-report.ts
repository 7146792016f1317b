import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import type { JsonSchema } from './index.ts';

/** One problem of a report body: where (a JSON pointer into the body) and what, in Chinese and English. */
export interface ReportProblem {
  pointer: string;
  zh: string;
  en: string;
}

/** The signed daily operations report (schemas/market/operations-report.schema.json): the one definition of its shape. */
export const operationsReportSchema: JsonSchema = JSON.parse(
  readFileSync(new URL('../market/operations-report.schema.json', import.meta.url), 'utf8'),
);

const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(operationsReportSchema);

// The CommonJS module's default export is the function (ESM interop gives it either way).
const localizeZh = ((localizeZhModule as unknown as { default?: unknown }).default ?? localizeZhModule) as (
  errors: ErrorObject[],
) => void;

// A pointer segment escapes `~` and `/` (RFC 6901).
const segment = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Checks a report body (`{ report, signature }`) against the schema; answers at most `limit` problems, each naming the
 * JSON pointer of the offending value (for a missing or unknown property, the property's own pointer). Empty when well formed.
 */
export function operationsReportProblems(value: unknown, limit = 10): ReportProblem[] {
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).slice(0, limit);
  // ajv-i18n rewrites messages in place: localise a copy, keep ajv's English on the originals.
  const zh = errors.map((e) => ({ ...e }));
  localizeZh(zh);
  return errors.map((e, i) => {
    // A missing or unknown property is named by where it is (or would be), not by its parent object.
    const p = e.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string };
    const prop = p.missingProperty ?? p.additionalProperty ?? p.unevaluatedProperty;
    const pointer = prop === undefined ? e.instancePath || '/' : `${e.instancePath}/${segment(prop)}`;
    const en = e.message ?? e.keyword;
    return { pointer, zh: zh[i].message ?? en, en };
  });
}
