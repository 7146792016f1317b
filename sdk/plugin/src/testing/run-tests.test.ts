import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SandboxPool } from '@shequ/runtime';
import type { PluginManifest } from '@shequ/schemas';
import { bundleTests } from '../bundle-tests.ts';
import { runPackagedTests } from './index.ts';

const manifest: PluginManifest = {
  id: 'org.test.packaged',
  version: '1.0.0',
  name: { zh: '测试', en: 'Test' },
  description: { zh: '测试', en: 'Test' },
  scenario: 'services',
  sdk: '^0.1.0',
  collections: {
    notes: { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 10 } } } },
  },
  handlers: { add: { roles: ['resident'] }, call: { roles: ['resident'] }, notify: { roles: ['resident'] } },
  permissions: { services: { message: ['send'] } },
  http: { hosts: ['example.com'] },
};
const bundle = `globalThis.__shequPlugin = { plugin: { handlers: {
  add: (input, ctx) => ctx.collections.notes.insert({ text: input.text }),
  call: (input, ctx) => ctx.http.fetch('https://example.com/'),
  notify: (input, ctx) => ctx.services.message.send(input),
} } };`;

const work = mkdtempSync(join(tmpdir(), 'shequ-packaged-tests-'));
const pool = new SandboxPool({ size: 1 });
after(async () => {
  await pool.close();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
async function run(files: Record<string, string>) {
  const dir = join(work, `p${++n}`);
  mkdirSync(join(dir, 'test'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'test', name), text);
  const tests = await bundleTests(dir);
  assert.ok(tests);
  return runPackagedTests({ pool, manifest, bundle, tests: tests.code, limits: { cpuMs: 2000, wallMs: 10_000 } });
}

const head = `import assert from 'node:assert';
import { test, describe, before, beforeEach, afterEach, after } from 'node:test';
import { createTestHost } from '@shequ/plugin-sdk/testing';
`;

test('the sandboxed assert and test runner behave like Node for what plugin tests use', async () => {
  const r = await run({
    'a.test.ts': `${head}
const order: string[] = [];
describe('hooks', () => {
  before(() => { order.push('before'); });
  beforeEach(() => { order.push('each'); });
  afterEach(() => { order.push('after-each'); });
  test('one', () => { order.push('one'); });
  test('two', () => { order.push('two'); });
  test.skip('skipped', () => { throw new Error('never'); });
});
test('hooks ran in order', () => {
  assert.deepStrictEqual(order, ['before', 'each', 'one', 'after-each', 'each', 'two', 'after-each']);
});
test('deepEqual is strict and names both values', () => {
  assert.throws(() => assert.deepEqual({ a: [1, 2] }, { a: [1, '2'] }), /not deeply equal/);
  assert.deepEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]]));
  assert.throws(() => assert.equal(1, '1' as unknown as number), { name: 'AssertionError', code: 'ERR_ASSERTION' });
});
test('rejects takes a validation function, an object, a class and a RegExp', async () => {
  const p = () => Promise.reject(Object.assign(new TypeError('bad thing'), { code: 'X' }));
  await assert.rejects(p, TypeError);
  await assert.rejects(p, { code: 'X', message: /bad/ });
  await assert.rejects(p, /TypeError: bad thing/);
  await assert.rejects(p, (e: { code: string }) => e.code === 'X');
  await assert.rejects(assert.rejects(p, { code: 'Y' }), /code is "X", expected "Y"/);
  await assert.rejects(assert.rejects(Promise.resolve(1)), /missing expected rejection/);
});
test('the host answers with its errors, records and calls', async () => {
  const host = await createTestHost({ fixtures: { notes: [{ text: 'hi' }] } });
  await host.call('add', { text: 'second' });
  assert.equal(host.records('notes').length, 2);
  await assert.rejects(host.call('add', { text: 'far too long for it' }), (e: { code: string; fieldErrors?: object }) =>
    e.code === 'INVALID_INPUT' && 'text' in (e.fieldErrors ?? {}));
  await assert.rejects(host.call('add', { text: 'x' }, { user: 'operator' }), { code: 'FORBIDDEN' });
  await assert.rejects(host.call('call', {}), /No network in tests/);
  await host.close();
});
test('fakes given as functions answer the handlers from inside the sandbox', async () => {
  const seen: unknown[] = [];
  const host = await createTestHost({
    services: { 'message.send': (args: unknown) => { seen.push(args); return { id: 'm1' }; } },
    fetch: (url: string) => ({ status: 200, headers: {}, body: 'hello ' + url }),
  });
  const [a, b] = await Promise.all([host.call('notify', { text: 'one' }), host.call('notify', { text: 'two' })]);
  assert.deepEqual([a, b], [{ id: 'm1' }, { id: 'm1' }]);
  assert.deepEqual(seen.length, 2);
  assert.equal((await host.call<{ body: string }>('call', {})).body, 'hello https://example.com/');
  assert.equal(host.calls.filter((c) => c.service === 'message').length, 2);
  await host.close();
  const failing = await createTestHost({ services: { 'message.send': () => { throw new Error('inbox full'); } } });
  await assert.rejects(failing.call('notify', { text: 'x' }), /message.send|inbox full|failed/);
  await failing.close();
});
`,
    'b.test.ts': `${head}
describe('broken setup', () => {
  before(() => { throw new Error('no fixtures'); });
  test('first', () => {});
  test('second', () => {});
});
test('fails plainly', () => { assert.ok(0, 'zero is falsy'); });
`,
  });
  assert.equal(r.stopped, undefined);
  assert.deepEqual(
    r.failures.map((f) => f.name),
    ['broken setup › first', 'broken setup › second', 'fails plainly'],
    JSON.stringify(r.failures, null, 1),
  );
  assert.match(r.failures[0].message, /a before hook of "broken setup" failed: Error: no fixtures/);
  assert.match(r.failures[2].message, /AssertionError: zero is falsy/);
  assert.deepEqual([r.passed, r.failed, r.skipped, r.total], [7, 3, 1, 11]);
});

test('a bundle that throws while loading is reported as stopped, not thrown', async () => {
  const r = await run({ 'a.test.ts': `${head}\nthrow new Error('boom at load');\ntest('never', () => {});\n` });
  assert.equal(r.total, 0);
  assert.match(r.stopped?.message ?? '', /boom at load/);
});

test('test code reaches nothing of the platform but the test host', async () => {
  const r = await run({
    'a.test.ts': `${head}
test('no globals of the host', () => {
  const g = globalThis as Record<string, unknown>;
  for (const name of ['process', 'require', 'fetch', 'setTimeout', 'Buffer']) assert.equal(typeof g[name], 'undefined', name);
});
`,
  });
  assert.deepEqual([r.passed, r.failed], [1, 0], JSON.stringify(r.failures));
});
