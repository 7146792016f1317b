import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packPlugin, unpackPlugin } from '@shequ/runtime';
import { buildPlugin, packageFiles } from './index.ts';

const noticeboard = fileURLToPath(new URL('../../../../examples/noticeboard', import.meta.url));

test('a plugin folder builds in memory into the files of its package', async () => {
  const built = await buildPlugin(noticeboard);
  assert.equal(built.manifest.id, 'org.shequ.noticeboard');
  assert.equal(Object.keys(built.manifest.pages ?? {}).length, 9);
  assert.match(built.bundle, /__shequPlugin/);
  const files = packageFiles(built);
  assert.deepEqual(Object.keys(files).sort(), [
    'README.md',
    'bundle.js',
    'screenshots/manage-posts.png',
    'screenshots/resident-board.png',
    'shequ.plugin.json',
    'tests.js',
  ]);
  const pkg = unpackPlugin(packPlugin(files));
  assert.deepEqual(
    built.manifest.screenshots?.map((s) => s.path),
    ['screenshots/resident-board.png', 'screenshots/manage-posts.png'],
  );
  assert.equal(pkg.files['screenshots/resident-board.png'].subarray(1, 4).toString(), 'PNG');
  assert.equal(pkg.bundle, built.bundle);
  assert.equal(pkg.files['tests.js'].toString('utf8'), built.tests);
  assert.match(built.tests ?? '', /__runTests/);
  assert.deepEqual(pkg.manifest, built.manifest);
});

test('a folder with problems is refused with all of them listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shequ-build-'));
  try {
    writeFileSync(join(dir, 'shequ.plugin.json'), JSON.stringify({ id: 'X', extra: 1 }, null, 2));
    await assert.rejects(buildPlugin(dir), (e: Error) => {
      assert.match(e.message, /shequ\.plugin\.json#\/extra: unknown field "extra" \(line 3\)/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
