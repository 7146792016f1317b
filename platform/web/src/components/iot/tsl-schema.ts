import type { RJSFSchema } from '@rjsf/utils';
import type { ThingModel, TslDataType, TslField } from '@shequ/schemas';

export type { ThingModel, TslField };

const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));

/** One TSL data type as JSON Schema for a command form (the same ranges the platform checks on the wire). */
export function dataTypeSchema(dt: TslDataType, title: string): RJSFSchema {
  const specs = (dt.specs ?? {}) as Record<string, string>;
  switch (dt.type) {
    case 'int':
    case 'float':
    case 'double': {
      const unit = specs.unitName ? ` (${specs.unitName})` : specs.unit ? ` (${specs.unit})` : '';
      return {
        type: dt.type === 'int' ? 'integer' : 'number',
        title: `${title}${unit}`,
        minimum: num(specs.min),
        maximum: num(specs.max),
      };
    }
    case 'bool':
      return {
        type: 'integer',
        title,
        oneOf: ['0', '1'].map((k) => ({ const: Number(k), title: specs[k] ?? k })),
      };
    case 'enum':
      return {
        type: 'integer',
        title,
        oneOf: Object.entries(specs).map(([k, label]) => ({ const: Number(k), title: label })),
      };
    case 'text':
      return { type: 'string', title, maxLength: num(specs.length) };
    case 'date':
      return { type: 'integer', title, minimum: 0 };
    case 'struct':
      return fieldsSchema(dt.specs as TslField[], title);
    case 'array': {
      const a = dt.specs as { size: string; item: TslDataType };
      return { type: 'array', title, maxItems: num(a.size), items: dataTypeSchema(a.item, '') };
    }
  }
}

/** A list of TSL fields (a service's inputData, a struct) as an object schema. */
export function fieldsSchema(fields: TslField[], title?: string): RJSFSchema {
  return {
    type: 'object',
    title,
    required: fields.filter((f) => f.required).map((f) => f.identifier),
    properties: Object.fromEntries(fields.map((f) => [f.identifier, dataTypeSchema(f.dataType, f.name)])),
  };
}

/** How a reported value reads on screen: enum and bool labels, units. */
export function formatReading(dt: TslDataType | undefined, value: unknown): string {
  if (!dt) return JSON.stringify(value);
  const specs = (dt.specs ?? {}) as Record<string, string>;
  if ((dt.type === 'enum' || dt.type === 'bool') && typeof value !== 'object') {
    return specs[String(Number(value))] ?? String(value);
  }
  if (dt.type === 'int' || dt.type === 'float' || dt.type === 'double') {
    return `${value}${specs.unit ? ` ${specs.unit}` : ''}`;
  }
  if (dt.type === 'date' && (typeof value === 'number' || typeof value === 'string')) {
    return new Date(Number(value)).toLocaleString();
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
