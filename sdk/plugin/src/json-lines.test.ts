import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOfPointer } from './json-lines.ts';

const text = `{
  "id": "x",
  "handlers": {
    "a/b": { "roles": ["resident", "operator"] },
    "list": {}
  },
  "pages": [1, {"x": "y,}"}, 3]
}`;

test('the line of a pointer, of its parent when the member is missing', () => {
  assert.equal(lineOfPointer(text, '/'), 1);
  assert.equal(lineOfPointer(text, '/id'), 2);
  assert.equal(lineOfPointer(text, '/handlers/list'), 5);
  assert.equal(lineOfPointer(text, '/handlers/a~1b/roles/1'), 4);
  assert.equal(lineOfPointer(text, '/pages/2'), 7);
  assert.equal(lineOfPointer(text, '/handlers/list/roles'), 5);
  assert.equal(lineOfPointer(text, '/nothing'), 1);
});
