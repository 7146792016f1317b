import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import { generatePublisherKey, unpackPlugin } from '@shequ/runtime';
import { automatedReview } from './review.ts';
import { defaultBudgets, screenshotItems, screenshotType } from './review-checks.ts';
import { appManifest, archiveWithFiles, hostileArchive, tinyPng } from './testing.ts';

const key = generatePublisherKey();
const png = tinyPng();
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60)]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(40)]);
const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(40)]);

const check = (shots: { path: string }[], files: Record<string, Buffer>, budgets = {}) => {
  const manifest = appManifest('1.0.0', { screenshots: shots }) as Parameters<typeof screenshotItems>[0];
  return screenshotItems(manifest, files, { ...defaultBudgets, ...budgets });
};
const only = (items: ReturnType<typeof check>) => items.find((i) => i.id === 'screenshots');

test('PNG, JPEG and WebP are recognised by their bytes, and the extension must agree', () => {
  assert.equal(screenshotType('screenshots/a.png', png), 'image/png');
  assert.equal(screenshotType('screenshots/a.JPG', jpeg), 'image/jpeg');
  assert.equal(screenshotType('screenshots/a.jpeg', jpeg), 'image/jpeg');
  assert.equal(screenshotType('screenshots/a.webp', webp), 'image/webp');
  assert.equal(screenshotType('screenshots/a.png', jpeg), null, 'a JPEG named .png');
  assert.equal(screenshotType('screenshots/a.gif', gif), null);
  assert.equal(screenshotType('screenshots/a.png', gif), null, 'a GIF named .png');
  assert.equal(screenshotType('screenshots/a.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), null);
});

test('good screenshots pass; none at all pass too', () => {
  const ok = check([{ path: 'screenshots/a.png' }, { path: 'screenshots/b.jpg' }, { path: 'screenshots/c.webp' }], {
    'screenshots/a.png': png,
    'screenshots/b.jpg': jpeg,
    'screenshots/c.webp': webp,
  });
  assert.equal(only(ok)?.level, 'pass');
  assert.equal(only(check([], {}))?.level, 'pass');
});

test('a wrong type fails with the file named', () => {
  const r = only(check([{ path: 'screenshots/anim.png' }], { 'screenshots/anim.png': gif }));
  assert.equal(r?.level, 'fail');
  assert.match(r?.en ?? '', /screenshots\/anim\.png is not a PNG, JPEG or WebP image/);
  assert.match(r?.zh ?? '', /不是 PNG、JPEG 或 WebP/);
});

test('a screenshot over the size budget fails with its size and the limit', () => {
  const big = tinyPng(4, 4, [1, 2, 3], 1100 * 1024);
  const r = only(check([{ path: 'screenshots/big.png' }], { 'screenshots/big.png': big }));
  assert.equal(r?.level, 'fail');
  assert.match(r?.en ?? '', /screenshots\/big\.png is 1\d{3} KB, over the 1024 KB limit/);
});

test('too many screenshots fail with the count and the limit', () => {
  const shots = Array.from({ length: 7 }, (_, i) => ({ path: `screenshots/s${i}.png` }));
  const files = Object.fromEntries(shots.map((s) => [s.path, png]));
  const r = only(check(shots, files));
  assert.equal(r?.level, 'fail');
  assert.match(r?.en ?? '', /7 screenshots, over the limit of 6/);
});

test('paths outside the package or missing from it fail', () => {
  for (const path of [
    '../secret.png',
    '/etc/passwd.png',
    'screenshots/../bundle.js',
    'bundle.js',
    'screenshots/a/b.png',
  ]) {
    const r = only(check([{ path }], { 'screenshots/a.png': png }));
    assert.equal(r?.level, 'fail', path);
    assert.match(r?.en ?? '', /outside the package's screenshots\/ folder/, path);
  }
  const missing = only(check([{ path: 'screenshots/none.png' }], {}));
  assert.equal(missing?.level, 'fail');
  assert.match(missing?.en ?? '', /screenshots\/none\.png is not in the package/);
});

test('the package format refuses screenshot entries escaping the folder', () => {
  assert.throws(
    () => unpackPlugin(hostileArchive({ 'shequ.plugin.json': '{}', 'bundle.js': '', 'screenshots/../x.png': png })),
    (e: AppError) => /\.\." segment/.test(e.messageEn),
  );
  assert.throws(
    () => unpackPlugin(hostileArchive({ 'shequ.plugin.json': '{}', 'bundle.js': '', 'shots/x.png': png })),
    (e: AppError) => /not allowed/.test(e.messageEn),
  );
});

test('the automated review of a whole package rejects a bad screenshot and names it', async () => {
  const archive = archiveWithFiles(key.privateKeyPem, '1.0.0', [{ path: 'screenshots/home.png' }], {
    'screenshots/home.png': jpeg,
  });
  const pkg = unpackPlugin(archive);
  const body = await automatedReview({ pkg, archiveBytes: archive.length, archiveSha256: 'x', keyId: key.keyId });
  assert.equal(body.passed, false);
  assert.match(body.items.find((i) => i.id === 'screenshots')?.en ?? '', /home\.png is not a PNG/);
});
