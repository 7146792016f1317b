import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AppError } from '@shequ/core';
import { testEngines } from '@shequ/db';
import { buildPlugin, bundleTests, packageFiles } from '@shequ/plugin-sdk/build';
import { generatePublisherKey, packPlugin, signPackage, unpackPlugin } from '@shequ/runtime';
import { addPublisherKey, createPublisher } from './publishers.ts';
import { submitPackage } from './submit.ts';
import { appBundle, appManifest, marketFixture } from './testing.ts';

// Test files of the test app (org.acme.board: a posts collection, `list` for everyone, `create` for operators),
// bundled exactly as `shequ-plugin pack` bundles a plugin's test/ folder.
const header = `import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestHost, type TestHost } from '@shequ/plugin-sdk/testing';
`;
const board = (extra = '') => `${header}
describe('board', () => {
  let host: TestHost;
  before(async () => {
    host = await createTestHost({ dir: new URL('..', import.meta.url), fixtures: { posts: [{ title: '停水通知' }] } });
  });
  after(() => host.close());
  test('operators post and the post is stored', async () => {
    await host.call('create', { title: '跳蚤市场' }, { user: 'operator' });
    assert.deepEqual(host.records('posts').map((p) => p.title), ['停水通知', '跳蚤市场']);
  });
  test('residents may not post', async () => {
    await assert.rejects(host.call('create', { title: 'x' }, { user: 'resident' }), { code: 'FORBIDDEN' });
  });
  test('residents list the posts', async () => {
    const list = await host.call<{ items: unknown[] }>('list', {});
    assert.equal(list.items.length, 2);
  });
  ${extra}
});
`;

const work = mkdtempSync(join(tmpdir(), 'shequ-review-tests-'));
let n = 0;
async function testsBundle(source: string): Promise<string> {
  const dir = join(work, `p${++n}`);
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'test', 'board.test.ts'), source);
  const out = await bundleTests(dir);
  assert.ok(out);
  return out.code;
}

const noticeboard = fileURLToPath(new URL('../../examples/noticeboard', import.meta.url));

for (const engine of testEngines()) {
  describe(`the review runs the plugin's own tests [${engine}]`, () => {
    let fx: Awaited<ReturnType<typeof marketFixture>>;
    const key = generatePublisherKey();
    const publisher = { subject: 'provider-user' };
    const archive = (version: string, tests?: string) =>
      packPlugin(
        signPackage(
          {
            'shequ.plugin.json': JSON.stringify(appManifest(version)),
            'bundle.js': appBundle,
            ...(tests === undefined ? {} : { 'tests.js': tests }),
          },
          key.privateKeyPem,
        ),
      );
    const testsItem = (items: { id: string; level: string; zh: string; en: string }[]) => {
      const item = items.find((i) => i.id === 'tests');
      assert.ok(item, 'the report has a plugin tests item');
      assert.ok(item.zh && item.en);
      return item;
    };

    before(async () => {
      fx = await marketFixture(engine);
      // Small budgets so the runaway tests below end quickly.
      fx.market.budgets = { testCpuMs: 1000, testWallMs: 4000 };
      await createPublisher(fx.market, publisher, { slug: 'org.acme', name: { zh: '顶点科技', en: 'Acme' } });
      await addPublisherKey(fx.market, publisher, 'org.acme', key.publicKeyPem, key.keyId);
    });
    after(() => fx?.close());

    test('passing tests pass the check with their counts', async () => {
      const r = await submitPackage(fx.market, publisher, archive('1.0.0', await testsBundle(board())));
      const item = testsItem(r.items);
      assert.equal(item.level, 'pass', item.en);
      assert.match(item.en, /3 passed, 0 failed, 3 total/);
      assert.match(item.zh, /通过 3，失败 0，共 3/);
      assert.equal(r.passed, true);
      assert.equal(r.state, 'submitted');
    });

    test('a failing test fails the check, naming the test and its message', async () => {
      const failing = `test('counts the posts', () => { assert.equal(host.records('posts').length, 5, 'five posts'); });`;
      const r = await submitPackage(fx.market, publisher, archive('1.1.0', await testsBundle(board(failing))));
      const item = testsItem(r.items);
      assert.equal(item.level, 'fail');
      assert.match(item.en, /3 passed, 1 failed, 4 total/);
      assert.match(item.en, /"board › counts the posts": AssertionError: five posts/);
      assert.match(item.zh, /「board › counts the posts」/);
      assert.equal(r.passed, false);
      assert.equal(r.state, 'rejected');
    });

    test('a test that loops is stopped and fails the check with a timeout; the review goes on', async () => {
      const loops = `test('spins', () => { for (;;) {} });`;
      const started = Date.now();
      const r = await submitPackage(fx.market, publisher, archive('1.2.0', await testsBundle(board(loops))));
      const item = testsItem(r.items);
      assert.equal(item.level, 'fail');
      assert.match(item.en, /timed out/);
      assert.match(item.en, /while "board › spins" ran/);
      assert.match(item.en, /3 passed, 1 failed/);
      assert.match(item.zh, /超时/);
      assert.ok(Date.now() - started < 30_000);
      // The sandbox still serves the next review.
      const next = await submitPackage(fx.market, publisher, archive('1.3.0', await testsBundle(board())));
      assert.equal(testsItem(next.items).level, 'pass');
    });

    test('a test that never settles is stopped by the wall clock of the run', async () => {
      const hangs = `test('waits forever', () => new Promise(() => {}));`;
      const r = await submitPackage(fx.market, publisher, archive('1.4.0', await testsBundle(board(hangs))));
      const item = testsItem(r.items);
      assert.equal(item.level, 'fail');
      assert.match(item.en, /timed out and was stopped \(no end within 4000 ms\) while "board › waits forever" ran/);
    });

    test('a test that bombs memory is contained and fails the check', async () => {
      const bomb = `test('hoards', () => { const a: number[][] = []; for (let i = 0; ; i++) a.push(new Array(1e6).fill(i)); });`;
      // CPU to spare, so it is the heap limit that stops it even on a busy machine.
      fx.market.budgets = { testCpuMs: 10_000, testWallMs: 20_000 };
      const r = await submitPackage(fx.market, publisher, archive('1.5.0', await testsBundle(board(bomb)))).finally(
        () => {
          fx.market.budgets = { testCpuMs: 1000, testWallMs: 4000 };
        },
      );
      const item = testsItem(r.items);
      assert.equal(item.level, 'fail');
      assert.match(item.en, /stopped over its memory limit .* while "board › hoards" ran/);
      assert.match(item.zh, /内存/);
    });

    test('test code has no host access beyond the test host', async () => {
      const sneaky = `test('reaches out', async (t) => {
        const g = globalThis as Record<string, unknown>;
        assert.equal(typeof g.process, 'undefined');
        assert.equal(typeof g.require, 'undefined');
        assert.equal(typeof g.fetch, 'undefined');
      });`;
      const r = await submitPackage(fx.market, publisher, archive('1.6.0', await testsBundle(board(sneaky))));
      assert.equal(testsItem(r.items).level, 'pass', testsItem(r.items).en);
    });

    test('a package without tests gets a warning, not a failure', async () => {
      const r = await submitPackage(fx.market, publisher, archive('1.7.0'));
      const item = testsItem(r.items);
      assert.equal(item.level, 'warn');
      assert.match(item.en, /No tests shipped/);
      assert.equal(r.passed, true);
    });

    test('the tests are covered by the publisher signature', async () => {
      const files = signPackage(
        {
          'shequ.plugin.json': JSON.stringify(appManifest('1.8.0')),
          'bundle.js': appBundle,
          'tests.js': await testsBundle(board()),
        },
        key.privateKeyPem,
      );
      const swapped = packPlugin({ ...files, 'tests.js': '/* other tests */' });
      await assert.rejects(submitPackage(fx.market, publisher, swapped), (e: AppError) => {
        assert.match(e.messageEn, /tests\.js/);
        return true;
      });
    });

    test('the example noticeboard packs with its tests and its review passes them all', async () => {
      const shequ = { subject: 'shequ-user' };
      const k = generatePublisherKey();
      await createPublisher(fx.market, shequ, { slug: 'org.shequ', name: { zh: '社区', en: 'Shequ' } });
      await addPublisherKey(fx.market, shequ, 'org.shequ', k.publicKeyPem, k.keyId);
      const built = await buildPlugin(noticeboard);
      const buf = packPlugin(signPackage(packageFiles(built), k.privateKeyPem));
      assert.ok(unpackPlugin(buf).files['tests.js']);
      const r = await submitPackage(fx.market, shequ, buf);
      const item = testsItem(r.items);
      assert.equal(item.level, 'pass', item.en);
      assert.match(item.en, /11 passed, 0 failed, 11 total/);
      assert.equal(r.passed, true, JSON.stringify(r.items.filter((i) => i.level === 'fail')));
    });
  });
}

after(() => rmSync(work, { recursive: true, force: true }));
