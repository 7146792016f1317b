import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ruleJsonSchema } from './rule-schema.ts';

const file = new URL('../../../../schemas/iot/rule.schema.json', import.meta.url);

test('schemas/iot/rule.schema.json is the JSON Schema of the rule zod schema', () => {
  // Regenerate with: npm exec -- node -e "import('@shequ/iot').then(m => console.log(JSON.stringify(m.ruleJsonSchema(), null, 2)))"
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), ruleJsonSchema());
});
