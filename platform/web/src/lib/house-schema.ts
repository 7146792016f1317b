import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import raw from '@schemas/base/house.schema.json';
import type { Lang } from '@/i18n/lang';

type Prop = { title?: string; enum?: string[]; 'x-enumNames'?: string[] };
const properties = raw.properties as Record<string, Prop>;

/** What the console may change on a house; the address is its identity: `x-editable` of the schema, as the service reads it. */
export const HOUSE_EDITABLE: readonly string[] = raw['x-editable'];

/** The house exchange schema cut down to the editable fields (draft-07 for rjsf's validator). */
export const houseEditSchema: RJSFSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(HOUSE_EDITABLE.map((k) => [k, (raw.properties as Record<string, unknown>)[k]])),
} as RJSFSchema;

export function houseEditUiSchema(submitText: string): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { submitText, props: { 'data-testid': 'house-save' } } };
  const names = properties.ownership['x-enumNames'];
  if (names) ui.ownership = { 'ui:enumNames': names };
  return ui;
}

/** Label of an ownership code: Chinese from the schema; English falls back to the readable code. */
export function ownershipLabel(value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const p = properties.ownership;
  const i = p.enum?.indexOf(value) ?? -1;
  if (lang === 'zh-CN' && i >= 0 && p['x-enumNames']?.[i]) return p['x-enumNames'][i];
  return value.replace(/_/g, ' ');
}

/** A field's title from the schema (Chinese). */
export const houseFieldTitle = (field: string) => properties[field]?.title ?? field;
