import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSchemas, exchangeSchemas, fieldErrors, gradesOf, validatorFor } from './index.ts';

test('every field of every base record declares a grade', () => {
  for (const [name, schema] of Object.entries(baseSchemas)) {
    const grades = gradesOf(schema);
    assert.deepEqual(Object.keys(grades).sort(), Object.keys(schema.properties ?? {}).sort(), name);
  }
  assert.equal(gradesOf(baseSchemas.person).idNumber, 'L4');
  assert.equal(gradesOf(baseSchemas.person).phone, 'L3');
});

test('a person record is checked structurally, with errors by field', () => {
  const v = validatorFor(baseSchemas.person);
  assert.equal(v({ name: '王秀英', idType: 'id_card', idNumber: '11010519491231002X', category: 'resident' }), true);
  assert.equal(v({ name: '', idType: 'card', category: 'resident', extra: 1 }), false);
  const errs = fieldErrors(v.errors);
  assert.ok(errs.name && errs.idType && errs.idNumber && errs.extra, JSON.stringify(errs));
});

test('the exchange messages are built from the base records: same field definitions, every field graded', () => {
  const { occupant, personRoles } = exchangeSchemas;
  const fromBase = (field: string) =>
    [baseSchemas.person, baseSchemas.house, baseSchemas.occupancy]
      .map((s) => s.properties?.[field])
      .find((p) => p !== undefined);
  for (const schema of [occupant, personRoles]) {
    for (const [field, p] of Object.entries(schema.properties ?? {})) {
      assert.ok(p['x-grade'], `${schema.$id} ${field} graded`);
      if (field !== 'authorisingOwnerIdNumber') assert.deepEqual(p, fromBase(field), `${field} as in the base record`);
    }
  }
  assert.equal(gradesOf(occupant).authorisingOwnerIdNumber, 'L4');
  const v = validatorFor(occupant);
  const family = {
    name: '王秀英',
    idType: 'id_card',
    idNumber: '11010519491231002X',
    compound: '示范小区',
    building: '7',
    unit: '2',
    floor: '3',
    room: '301',
    role: 'family',
    validFrom: '2026-01-01',
  };
  assert.equal(v(family), false, 'a family member needs the authorising owner');
  assert.ok(fieldErrors(v.errors).authorisingOwnerIdNumber);
  assert.equal(v({ ...family, authorisingOwnerIdNumber: '11010519491231002X' }), true);
  assert.equal(v({ ...family, role: 'owner' }), true);
  const r = validatorFor(personRoles);
  assert.equal(r({ idNumber: '11010519491231002X' }), false, 'a role message changes something');
  assert.equal(r({ idNumber: '11010519491231002X', partyMember: true }), true);
  assert.equal(exchangeSchemas.house, baseSchemas.house, 'a house travels as its base record');
});
