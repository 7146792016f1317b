import { baseSchemas, fieldErrors, validatorFor } from '@shequ/schemas';
import { checkMobile, checkPersonId } from './validate/index.ts';

/** A checked record, or the reasons per field (messages carry Chinese and English). */
export type Checked<T> = { ok: true; value: T } | { ok: false; fieldErrors: Record<string, string[]> };

export type IdType = 'id_card' | 'hk_macau_tw_permit' | 'passport';

/** A person as the exchange schema describes it (schemas/base/person.schema.json). */
export interface PersonInput {
  name: string;
  idType: IdType;
  idNumber: string;
  phone?: string;
  category: string;
  occupation?: string;
  partyMember?: boolean;
  healthStatus?: string;
  keyCareTags?: string[];
  tags?: string[];
}

/** After validation: numbers normalised, gender and birth date derived from the ID where it carries them. */
export interface PersonRecord extends PersonInput {
  gender: 'male' | 'female' | 'unknown';
  birthDate: string | null;
}

const both = (r: { zh: string; en: string }) => `${r.zh} / ${r.en}`;

function trimStrings(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === 'string') {
      const t = v.trim();
      if (t !== '') out[k] = t;
    } else if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

/** Structural check against the exchange schema, then the national-standard checks of ID number and mobile. */
export function checkPerson(raw: Record<string, unknown>, today = new Date()): Checked<PersonRecord> {
  const input = trimStrings(raw);
  delete input.gender;
  delete input.birthDate;
  const validate = validatorFor(baseSchemas.person);
  const errors: Record<string, string[]> = validate(input) ? {} : fieldErrors(validate.errors);
  const p = input as unknown as PersonInput;
  let gender: PersonRecord['gender'] = 'unknown';
  let birthDate: string | null = null;
  if (!errors.idNumber && !errors.idType) {
    const id = checkPersonId(p.idType, p.idNumber, today);
    if (id.ok) {
      p.idNumber = id.value;
      gender = id.gender ?? 'unknown';
      birthDate = id.birthDate ?? null;
    } else errors.idNumber = [both(id)];
  }
  if (p.phone !== undefined && !errors.phone) {
    const m = checkMobile(p.phone);
    if (m.ok) p.phone = m.value;
    else errors.phone = [both(m)];
  }
  if (Object.keys(errors).length) return { ok: false, fieldErrors: errors };
  return { ok: true, value: { ...p, gender, birthDate } };
}
