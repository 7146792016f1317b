import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import raw from '@schemas/base/vehicle.schema.json';
import type { Lang } from '@/i18n/lang';

type Prop = { title?: string; enum?: string[]; 'x-enumNames'?: string[] };
const properties = raw.properties as Record<string, Prop>;

/** What the console may change on a vehicle; the plate and its colour are its identity: `x-editable` of the schema, as the service reads it. */
export const VEHICLE_EDITABLE: readonly string[] = raw['x-editable'];

/** The vehicle exchange schema cut down to the editable fields. */
export const vehicleEditSchema: RJSFSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: Object.fromEntries(VEHICLE_EDITABLE.map((k) => [k, (raw.properties as Record<string, unknown>)[k]])),
} as RJSFSchema;

/** The whole vehicle exchange schema, for registering one vehicle by hand. */
export const vehicleCreateSchema: RJSFSchema = {
  type: 'object',
  additionalProperties: false,
  required: raw.required,
  properties: raw.properties,
} as RJSFSchema;

/** Every field of the vehicle schema, in its order (the registration form's fields). */
export const VEHICLE_FIELDS: readonly string[] = Object.keys(raw.properties);

export function vehicleEditUiSchema(submitText: string, fields: readonly string[] = ['kind']): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { submitText, props: { 'data-testid': 'vehicle-save' } } };
  for (const k of fields.filter((f) => f === 'kind' || f === 'plateColour') as ('kind' | 'plateColour')[]) {
    const names = properties[k]['x-enumNames'];
    if (names) ui[k] = { 'ui:enumNames': names };
  }
  return ui;
}

/** Label of an enum value of the vehicle schema (kind, plateColour): Chinese from the schema, else the code. */
export function vehicleEnumLabel(field: 'kind' | 'plateColour', value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const p = properties[field];
  const i = p.enum?.indexOf(value) ?? -1;
  if (lang === 'zh-CN' && i >= 0 && p['x-enumNames']?.[i]) return p['x-enumNames'][i];
  return value.replace(/_/g, ' ');
}

/** A field's title from the schema (Chinese). */
export const vehicleFieldTitle = (field: string) => properties[field]?.title ?? field;
