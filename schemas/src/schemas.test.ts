import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSchemas, fieldErrors, gradesOf, validatorFor } from './index.ts';

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
  assert.ok(errs.name && errs.idType && errs.idNumber && errs._, JSON.stringify(errs));
});
