import { readFileSync } from 'node:fs';
import type { JsonSchema } from './index.ts';

/** The TSL data types a thing-model field may declare. */
export type TslType = 'int' | 'float' | 'double' | 'text' | 'date' | 'bool' | 'enum' | 'struct' | 'array';

export interface TslDataType {
  type: TslType;
  // String-valued specs, as TSL exports carry them; struct specs are a field list, array specs name the item type.
  specs?: Record<string, string> | TslField[] | { size: string; item: TslDataType };
}

export interface TslField {
  identifier: string;
  name: string;
  dataType: TslDataType;
  required?: boolean;
  desc?: string;
}

export interface TslProperty extends TslField {
  accessMode: 'r' | 'rw' | 'w';
}

export interface TslEvent {
  identifier: string;
  name: string;
  type: 'info' | 'alert' | 'error';
  outputData: TslField[];
  /** The DB33 6.2 clause the event serves when it is not the model's own (an AI camera's fire detection: 6.2.2.3). */
  clause?: string;
  method?: string;
  desc?: string;
}

export interface TslService {
  identifier: string;
  name: string;
  callType: 'sync' | 'async';
  inputData: TslField[];
  outputData: TslField[];
  method?: string;
  desc?: string;
}

export interface ThingModel {
  schema?: string;
  profile?: { productKey?: string; version?: string; name?: string; category?: string; clause?: string };
  properties: TslProperty[];
  events: TslEvent[];
  services: TslService[];
}

export const thingModelSchema: JsonSchema = JSON.parse(
  readFileSync(new URL('../iot/thing-model.schema.json', import.meta.url), 'utf8'),
);

/** Why a value does not fit its declared type; stable codes that device replies and API errors carry. */
export type ValueErrorCode =
  | 'TYPE_MISMATCH'
  | 'OUT_OF_RANGE'
  | 'STEP_MISMATCH'
  | 'TOO_LONG'
  | 'NOT_IN_ENUM'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'TOO_MANY_ITEMS';

export interface ValueError {
  code: ValueErrorCode;
  /** Dotted path of the offending value, e.g. `plate.colour` or `readings.3`. */
  path: string;
  message: string;
}

const DEFAULT_TEXT_LENGTH = 10240;
const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
const fail = (code: ValueErrorCode, path: string, message: string): ValueError[] => [{ code, path, message }];

function checkNumber(dt: TslDataType, v: unknown, path: string): ValueError[] {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail('TYPE_MISMATCH', path, `expected a ${dt.type}`);
  if (dt.type === 'int' && !Number.isInteger(v)) return fail('TYPE_MISMATCH', path, 'expected an integer');
  const specs = (dt.specs ?? {}) as Record<string, string>;
  const min = num(specs.min);
  const max = num(specs.max);
  if ((min !== undefined && v < min) || (max !== undefined && v > max))
    return fail('OUT_OF_RANGE', path, `expected ${specs.min ?? '-∞'}…${specs.max ?? '∞'}, got ${v}`);
  const step = num(specs.step);
  // Steps are enforced for integers only: float steps are display hints in the TSL tools and rounding noise
  // would reject honest readings.
  if (dt.type === 'int' && step && step > 1 && (v - (min ?? 0)) % step !== 0)
    return fail('STEP_MISMATCH', path, `expected a multiple of ${step} from ${min ?? 0}`);
  return [];
}

function checkStruct(fields: TslField[], v: unknown, path: string): ValueError[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('TYPE_MISMATCH', path, 'expected an object');
  const byId = fieldIndex(fields);
  const errors: ValueError[] = [];
  for (const [k, x] of Object.entries(v)) {
    const f = byId.get(k);
    const p = path ? `${path}.${k}` : k;
    if (!f) errors.push({ code: 'UNKNOWN_FIELD', path: p, message: `no field "${k}" in the model` });
    else errors.push(...checkValue(f.dataType, x, p));
  }
  for (const f of fields) {
    if (f.required && !(f.identifier in v))
      errors.push({
        code: 'MISSING_FIELD',
        path: path ? `${path}.${f.identifier}` : f.identifier,
        message: 'required',
      });
  }
  return errors;
}

/** Checks one value against a TSL data type; an empty list means it fits. */
export function checkValue(dt: TslDataType, v: unknown, path = ''): ValueError[] {
  switch (dt.type) {
    case 'int':
    case 'float':
    case 'double':
      return checkNumber(dt, v, path);
    case 'text': {
      if (typeof v !== 'string') return fail('TYPE_MISMATCH', path, 'expected text');
      const max = num((dt.specs as Record<string, string> | undefined)?.length) ?? DEFAULT_TEXT_LENGTH;
      return Buffer.byteLength(v) > max ? fail('TOO_LONG', path, `longer than ${max} bytes`) : [];
    }
    case 'date': {
      // Dates travel as UTC milliseconds, as a number or a digit string.
      const ok =
        (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^\d{1,16}$/.test(v));
      return ok ? [] : fail('TYPE_MISMATCH', path, 'expected a UTC timestamp in milliseconds');
    }
    case 'bool':
      return v === 0 || v === 1 || v === true || v === false ? [] : fail('TYPE_MISMATCH', path, 'expected 0 or 1');
    case 'enum': {
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail('TYPE_MISMATCH', path, 'expected an enum key');
      const specs = (dt.specs ?? {}) as Record<string, string>;
      return Object.hasOwn(specs, String(v))
        ? []
        : fail('NOT_IN_ENUM', path, `expected one of ${Object.keys(specs).join(', ')}`);
    }
    case 'struct':
      return checkStruct((dt.specs ?? []) as TslField[], v, path);
    case 'array': {
      if (!Array.isArray(v)) return fail('TYPE_MISMATCH', path, 'expected an array');
      const specs = dt.specs as { size: string; item: TslDataType };
      const size = Number(specs.size);
      if (v.length > size) return fail('TOO_MANY_ITEMS', path, `more than ${size} items`);
      return v.flatMap((x, i) => checkValue(specs.item, x, path ? `${path}.${i}` : String(i)));
    }
  }
}

const indexes = new WeakMap<readonly TslField[], Map<string, TslField>>();

/**
 * The fields of a model's list (its properties, a struct's or an event's fields) by identifier, built once per list:
 * every post is checked against the same few models. Models are read-only once parsed.
 */
export function fieldIndex<F extends TslField>(fields: readonly F[]): Map<string, F> {
  let byId = indexes.get(fields) as Map<string, F> | undefined;
  if (!byId) {
    byId = new Map(fields.map((f) => [f.identifier, f]));
    indexes.set(fields, byId);
  }
  return byId;
}

/** Checks `params` of a property post against the model: every key must be a declared property. */
export function checkProperties(model: ThingModel, params: unknown, writable = false): ValueError[] {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return fail('TYPE_MISMATCH', 'params', 'expected an object of property values');
  const byId = fieldIndex(model.properties);
  const errors: ValueError[] = [];
  for (const [k, raw] of Object.entries(params)) {
    const prop = byId.get(k);
    if (!prop || (writable && prop.accessMode === 'r')) {
      errors.push({ code: 'UNKNOWN_FIELD', path: k, message: writable ? 'no writable property' : 'no such property' });
      continue;
    }
    errors.push(...checkValue(prop.dataType, timedValue(prop, raw).value, k));
  }
  return errors;
}

/**
 * Alink lets a post carry `{ "value": …, "time": ms }` per property. A struct with a field named `value` is
 * only read as the timed form when it also carries `time`.
 */
export function timedValue(prop: TslField, raw: unknown): { value: unknown; time?: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('value' in raw)) return { value: raw };
  const keys = Object.keys(raw);
  if (!keys.every((k) => k === 'value' || k === 'time')) return { value: raw };
  if (prop.dataType.type === 'struct' && !keys.includes('time')) return { value: raw };
  const t = (raw as { time?: unknown }).time;
  return {
    value: (raw as { value: unknown }).value,
    time: typeof t === 'number' && Number.isSafeInteger(t) ? t : undefined,
  };
}
