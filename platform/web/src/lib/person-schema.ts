import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import raw from '@schemas/base/person.schema.json';
import type { Lang } from '@/i18n/lang';

type Prop = {
  type?: string;
  enum?: string[];
  readOnly?: boolean;
  'x-enumNames'?: string[];
  items?: { enum?: string[] };
};

const properties = raw.properties as Record<string, Prop>;

/**
 * The person exchange schema for the form. `$schema` (draft 2020-12) is dropped: nothing in this schema needs
 * more than draft-07, which the default rjsf validator speaks; the title is the drawer's own.
 */
export const personSchema: RJSFSchema = (() => {
  const { $schema: _schema, title: _title, description: _description, ...rest } = raw;
  return rest as RJSFSchema;
})();

/** Form layout read off the schema: `x-enumNames` become option labels, read-only (derived) fields are hidden. */
export function personUiSchema(submitText: string): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { submitText } };
  for (const [key, p] of Object.entries(properties)) {
    const names = p['x-enumNames'];
    if (p.readOnly) ui[key] = { 'ui:widget': 'hidden' };
    else if (names && p.type === 'array') ui[key] = { 'ui:widget': 'checkboxes', items: { 'ui:enumNames': names } };
    else if (names) ui[key] = { 'ui:enumNames': names };
  }
  return ui;
}

/** Label of an enum value (Chinese from the schema; English falls back to the readable code). */
export function enumLabel(field: string, value: string | null | undefined, lang: Lang): string {
  if (!value) return '';
  const p = properties[field];
  const values = p?.enum ?? p?.items?.enum ?? [];
  const i = values.indexOf(value);
  if (lang === 'zh-CN' && i >= 0 && p?.['x-enumNames']?.[i]) return p['x-enumNames'][i];
  return value.replace(/_/g, ' ');
}

/** Field title from the schema (the schema's titles are Chinese). */
export function fieldTitle(field: string): string {
  return (properties[field] as { title?: string } | undefined)?.title ?? field;
}
