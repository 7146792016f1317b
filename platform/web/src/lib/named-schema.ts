import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import facilityRaw from '@schemas/base/facility.schema.json';
import spaceRaw from '@schemas/base/space.schema.json';
import type { Lang } from '@/i18n/lang';

/** Records the community names (public spaces 7.2.3.5, facilities 7.2.3.6), as the API's base.spaces / base.facilities. */
export type NamedKind = 'space' | 'facility';

type Prop = { title?: string; type?: string; enum?: string[]; 'x-enumNames'?: string[] };
interface Raw {
  required: string[];
  'x-editable': string[];
  properties: Record<string, Prop>;
}
const raws: Record<NamedKind, Raw> = { space: spaceRaw as Raw, facility: facilityRaw as Raw };

/** Per kind: its route, its type field (filter and tag) and whether it has a status. */
export const namedKinds = {
  space: { route: '/console/places', typeField: 'useType', hasStatus: false, api: 'spaces' },
  facility: { route: '/console/facilities', typeField: 'type', hasStatus: true, api: 'facilities' },
} as const;

/** The fields of a kind in schema order (what the detail shows). */
export const namedFields = (kind: NamedKind) => Object.keys(raws[kind].properties);

/** What the console may change (`x-editable` of the schema, as the service reads it); the name is the identity. */
export const namedEditable = (kind: NamedKind): readonly string[] => raws[kind]['x-editable'];

function cut(kind: NamedKind, fields: readonly string[], required: readonly string[]): RJSFSchema {
  const p = raws[kind].properties;
  return {
    type: 'object',
    additionalProperties: false,
    required: required.filter((f) => fields.includes(f)),
    properties: Object.fromEntries(fields.map((f) => [f, p[f]])),
  } as RJSFSchema;
}

/** The exchange schema whole (registering one record) or cut down to the editable fields (editing one). */
export const namedCreateSchema = (kind: NamedKind) => cut(kind, namedFields(kind), raws[kind].required);
export const namedEditSchema = (kind: NamedKind) => cut(kind, namedEditable(kind), raws[kind].required);

/** Enum labels from the schema in Chinese; titles in the page's language; the submit button named for tests. */
export function namedUiSchema(kind: NamedKind, lang: Lang, title: (f: string) => string, submit: string): UiSchema {
  const ui: UiSchema = { 'ui:submitButtonOptions': { submitText: submit, props: { 'data-testid': `${kind}-save` } } };
  for (const [f, p] of Object.entries(raws[kind].properties)) {
    ui[f] = { 'ui:title': title(f) };
    if (p.enum) ui[f]['ui:enumNames'] = p.enum.map((v) => namedEnumLabel(kind, f, v, lang));
  }
  return ui;
}

/** Label of an enum value (use type, facility type, status): Chinese from the schema, else the readable code. */
export function namedEnumLabel(kind: NamedKind, field: string, value: string | null | undefined, lang: Lang) {
  if (!value) return '';
  const p = raws[kind].properties[field];
  const i = p?.enum?.indexOf(value) ?? -1;
  if (lang === 'zh-CN' && i >= 0 && p?.['x-enumNames']?.[i]) return p['x-enumNames'][i];
  return value.replace(/_/g, ' ');
}

/** The values of an enum field, for a filter. */
export const namedEnum = (kind: NamedKind, field: string): string[] => raws[kind].properties[field]?.enum ?? [];

/** Whether a field is an enum (shown through its label). */
export const isNamedEnum = (kind: NamedKind, field: string) => Boolean(raws[kind].properties[field]?.enum);
