import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conditionHolds, evaluate, expressionProblem, parseExpression } from './expression.ts';
import { ExpressionError } from './expression-builtins.ts';

const vars = {
  params: { smokeDensity: 0.42, location: '7栋2单元', tags: ['a', 'b'] },
  payload: { params: { temperature: 31.5 } },
  kind: 'event',
  event: 'smokeAlarm',
  tags: { building: '7' },
};
const ev = (src: string) => evaluate(parseExpression(src), vars);

describe('rule condition language', () => {
  test('comparison, boolean logic, arithmetic and field access', () => {
    assert.equal(ev('params.smokeDensity > 0.3 && kind == "event"'), true);
    assert.equal(ev('payload.params.temperature * 2 - 3 >= 60'), true);
    assert.equal(ev('not (params.smokeDensity < 0.1) and event != "lowBattery"'), true);
    assert.equal(ev('params["smokeDensity"] + 1'), 1.42);
    assert.equal(ev('tags.building in ["6", "7"]'), true);
    assert.equal(ev('"x" not in params.tags'), true);
    assert.equal(ev('params.tags[1] == "b"'), true);
    assert.equal(ev('max(1, abs(-5), round(2.6)) == 5 && len(params.location) == 5'), true);
    assert.equal(ev('startsWith(params.location, "7栋") || false'), true);
    assert.equal(ev('params.missing.deeper == null'), true, 'missing fields are undefined, never an exception');
    assert.equal(ev('params.location > 3'), false, 'ordering never coerces types');
    assert.equal(conditionHolds('', vars), true, 'an empty condition always holds');
  });

  test('hostile expressions are refused with a clear error', () => {
    for (const src of [
      'constructor',
      'params.constructor',
      'params["__proto__"]',
      'params.__proto__.polluted',
      'x.prototype',
      'params.toString()',
      'eval("1")',
      'require("fs")',
      'params.smokeDensity = 1',
      'a constructor b',
      '`template`',
      'process.exit(1)',
      '1 +',
      '"unterminated',
    ]) {
      assert.throws(() => parseExpression(src), ExpressionError, src);
      assert.ok(expressionProblem(src), src);
    }
    // A computed key built at run time is checked when it is read.
    assert.throws(() => ev('params["__pro" + "to__"]'), /not allowed/);
    assert.throws(() => ev('params[lower("CONSTRUCTOR")]'), /not allowed/);
    assert.equal(ev('params.hasOwnProperty == null'), true, 'inherited members are invisible');
    assert.throws(() => parseExpression('1+'.repeat(1500)), /longer than|tokens/);
    assert.throws(() => parseExpression(`${'('.repeat(100)}1${')'.repeat(100)}`), /nested deeper/);
    assert.throws(() => parseExpression('a'.repeat(3000)), /longer than 2000/);
    assert.throws(() => ev('-params.location'), /expected a number/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
