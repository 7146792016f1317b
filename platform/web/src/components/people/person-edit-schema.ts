import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { personSchema, personUiSchema } from '@/lib/person-schema';
import type { PersonData } from './person-form-shared';

/** What the console may change on an existing person; the ID stays as registered. */
export const EDITABLE = ['name', 'phone', 'category', 'occupation', 'partyMember', 'keyCareTags', 'tags'] as const;

/**
 * Fields the detail does not show in full (the phone is masked, party membership is not returned): the form
 * starts them empty, and empty means "keep what is on record".
 */
const KEEP_WHEN_EMPTY = new Set<string>(['phone', 'partyMember']);

const properties = personSchema.properties as Record<string, RJSFSchema>;

/** The person schema cut down to the editable fields. */
export const editSchema: RJSFSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'category'],
  properties: Object.fromEntries(EDITABLE.map((k) => [k, properties[k]])),
};

export type EditTexts = { save: string; keep: string; yes: string; no: string; maskedPhone: string | null };

/** The add form's layout, plus: the masked phone as a hint, and party membership as yes / no / unchanged. */
export function editUiSchema(x: EditTexts): UiSchema {
  const base = personUiSchema(x.save);
  const ui: UiSchema = { 'ui:submitButtonOptions': base['ui:submitButtonOptions'] };
  for (const k of EDITABLE) if (base[k]) ui[k] = base[k];
  // A description, not `ui:help`: the antd theme shows help in place of a field's errors.
  ui.phone = { 'ui:placeholder': x.maskedPhone ?? '', 'ui:description': x.keep };
  ui.partyMember = { 'ui:widget': 'select', 'ui:description': x.keep, 'ui:enumNames': [x.yes, x.no] };
  return ui;
}

/** The form's starting values from the (masked) detail: masked values are never put into the form. */
export function initialEditData(p: Record<string, unknown>): PersonData {
  const out: PersonData = {};
  for (const k of EDITABLE) if (!KEEP_WHEN_EMPTY.has(k) && p[k] !== null && p[k] !== undefined) out[k] = p[k];
  return out;
}

const blank = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
const same = (a: unknown, b: unknown) => (blank(a) && blank(b)) || JSON.stringify(a) === JSON.stringify(b);

/** Only the fields the operator changed; a cleared field is sent as null (the server drops it). */
export function editPatch(initial: PersonData, next: PersonData): PersonData {
  const patch: PersonData = {};
  for (const k of EDITABLE) {
    const after = next[k];
    if (KEEP_WHEN_EMPTY.has(k)) {
      if (!blank(after)) patch[k] = after;
    } else if (!same(initial[k], after)) patch[k] = blank(after) ? null : after;
  }
  return patch;
}
