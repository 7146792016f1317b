import { baseSchemas, type JsonSchema } from './base.ts';

/**
 * Provincial exchange formats (DB33 6.3.1.2–6.3.4.2): what the provincial shared application and the 基层智治 system
 * send to the signed open API. A house, vehicle or public space travels as its base record unchanged; the occupant and
 * person-role messages are assembled here from the base records' own properties, so a field's type, limits and grade
 * are declared once, in `schemas/base/`.
 */
const props = (s: JsonSchema, keys: readonly string[]) =>
  Object.fromEntries(
    keys.map((k) => {
      const p = s.properties?.[k];
      if (!p) throw new Error(`${s.$id}: no property ${k}`);
      return [k, p];
    }),
  );

const { person, house, occupancy } = baseSchemas;
const address = ['compound', 'building', 'unit', 'floor', 'room'] as const;

/** An occupant of a house as the provincial shared application reports it (6.3.1.2). */
const occupant: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://shequ.dev/schemas/exchange/occupant.schema.json',
  title: 'Occupant 居住人员',
  description:
    'A person living in a house, reported by its owner or by community staff on the owner’s authorisation (DB33 ' +
    '6.3.1.2). Person fields as in person.schema.json, the house address as in house.schema.json, role and window ' +
    'as in occupancy.schema.json. When the role is not owner, authorisingOwnerIdNumber names an owner of the house ' +
    'on record; an owner joining a house that already has owners needs one of them too.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'idType', 'idNumber', ...address, 'role', 'validFrom'],
  if: { properties: { role: { const: 'owner' } } },
  // The property is declared above; ajv's strict mode wants it named where it is required.
  else: { properties: { authorisingOwnerIdNumber: true }, required: ['authorisingOwnerIdNumber'] },
  properties: {
    ...props(person, ['name', 'idType', 'idNumber', 'phone', 'occupation']),
    ...props(house, address),
    ...props(occupancy, ['role', 'validFrom', 'validTo']),
    authorisingOwnerIdNumber: {
      ...person.properties?.idNumber,
      title: '授权业主证件号码',
      description: 'The ID number of an owner of the house on record who authorised this update',
    },
  },
};

/** A person's party membership or staff category, as the 基层智治 system authorises it (6.3.1.3). */
const personRoles: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://shequ.dev/schemas/exchange/person-roles.schema.json',
  title: 'Person roles 党员与工作人员信息',
  description:
    'Updates the party-member flag and/or the staff category of the person with this ID number (DB33 6.3.1.3). A ' +
    'person not yet registered is registered when name and idType are given. Fields as in person.schema.json.',
  type: 'object',
  additionalProperties: false,
  required: ['idNumber'],
  anyOf: [
    { properties: { partyMember: true }, required: ['partyMember'] },
    { properties: { category: true }, required: ['category'] },
  ],
  properties: props(person, ['idNumber', 'idType', 'name', 'partyMember', 'category']),
};

/** The request bodies of the open API's exchange routes, by message. */
export const exchangeSchemas = {
  house: baseSchemas.house,
  vehicle: baseSchemas.vehicle,
  space: baseSchemas.space,
  occupant,
  personRoles,
} as const;
