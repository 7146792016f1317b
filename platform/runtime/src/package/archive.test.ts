import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { AppError } from '@shequ/core';
import { packPlugin, unpackPlugin } from './archive.ts';
import { writeTar } from './tar.ts';

const manifest = {
  id: 'org.test.pack',
  version: '1.2.3',
  name: { zh: '打包测试', en: 'Pack test' },
  description: { zh: '测试', en: 'Test' },
  scenario: 'neighbourhood',
  sdk: '^0.1.0',
  handlers: { hello: { roles: ['resident'] } },
};
const files = {
  'shequ.plugin.json': JSON.stringify(manifest),
  'bundle.js': 'globalThis.__shequPlugin = { plugin: { handlers: { hello: async () => "你好" } } };',
  'README.md': '# 打包测试\n',
};

/** A hand-made tar header, for archives the writer would never produce. */
function rawEntry(name: string, data: Buffer, type = '0', prefix = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.fill(0x20, 148, 156);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}
const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);
const good = () => [
  rawEntry('shequ.plugin.json', Buffer.from(files['shequ.plugin.json'])),
  rawEntry('bundle.js', Buffer.from(files['bundle.js'])),
];

const refused = (buf: Buffer, pattern: RegExp, opts = {}) =>
  assert.throws(
    () => unpackPlugin(buf, opts),
    (e: AppError) => e.code === 'INVALID_INPUT' && pattern.test(e.messageEn),
  );

test('the same files always pack to the same bytes, in any key order', () => {
  const a = packPlugin(files);
  const reversed = Object.fromEntries(Object.entries(files).reverse());
  const b = packPlugin(reversed);
  assert.deepEqual(a, b);
  assert.equal(a[0], 0x1f);
  assert.equal(a.readUInt32LE(4), 0, 'gzip mtime is zero');
  assert.equal(a[9], 0xff, 'gzip OS is unknown');
});

test('a package unpacks to its manifest, bundle and files', () => {
  const out = unpackPlugin(packPlugin(files));
  assert.equal(out.manifest.id, 'org.test.pack');
  assert.equal(out.bundle, files['bundle.js']);
  assert.deepEqual(Object.keys(out.files).sort(), ['README.md', 'bundle.js', 'shequ.plugin.json']);
  assert.equal(out.signature, undefined);
  // An uncompressed tar is read too.
  assert.equal(unpackPlugin(archive(...good())).manifest.version, '1.2.3');
});

test('packing refuses unknown entries, a missing bundle and a bad manifest', () => {
  assert.throws(() => packPlugin({ ...files, 'notes.txt': 'x' }), /entry "notes.txt" is not allowed/);
  assert.throws(() => packPlugin({ 'shequ.plugin.json': files['shequ.plugin.json'] }), /no bundle.js/);
  assert.throws(
    () => packPlugin({ ...files, 'shequ.plugin.json': JSON.stringify({ ...manifest, colour: 'red' }) }),
    /shequ\.plugin\.json#\/colour: unknown field/,
  );
});

test('hostile paths are refused with the entry named', () => {
  const data = Buffer.from('x');
  refused(archive(...good(), rawEntry('/etc/passwd', data)), /"\/etc\/passwd" has an absolute path/);
  refused(archive(...good(), rawEntry('../../evil.js', data)), /"\.\.\/\.\.\/evil\.js" has a "\.\." segment/);
  refused(archive(...good(), rawEntry('evil.js', data, '0', 'a/../..')), /"a\/\.\.\/\.\.\/evil\.js" has a "\.\."/);
  refused(archive(...good(), rawEntry('C:\\x.js', data)), /"C:\\x\.js" has an absolute path/);
  refused(archive(...good(), rawEntry('lib/extra.js', data)), /"lib\/extra\.js" is not allowed/);
});

test('links, directories and pax headers are refused', () => {
  refused(archive(rawEntry('bundle.js', Buffer.alloc(0), '2'), ...good()), /"bundle\.js" is a symbolic link/);
  refused(archive(rawEntry('README.md', Buffer.alloc(0), '1'), ...good()), /"README\.md" is a hard link/);
  refused(archive(rawEntry('docs', Buffer.alloc(0), '5'), ...good()), /"docs" is a directory/);
  refused(archive(rawEntry('pax', Buffer.from('30 path=x\n'), 'x'), ...good()), /pax extended header/);
});

test('duplicates, oversize entries, oversize archives and truncation are refused', () => {
  refused(archive(...good(), rawEntry('bundle.js', Buffer.from('again'))), /"bundle\.js" appears twice/);
  refused(archive(...good(), rawEntry('README.md', Buffer.alloc(300 * 1024))), /"README\.md" is 307200 bytes/);
  refused(archive(...good()), /over 1000/, { maxBytes: 1000 });
  const bomb = gzipSync(archive(...good(), rawEntry('README.md', Buffer.alloc(200 * 1024))));
  refused(bomb, /unpacks to more than 65536 bytes/, { maxBytes: 64 * 1024 });
  const whole = archive(...good());
  refused(whole.subarray(0, 1024 + 512 + 10), /"bundle\.js" is truncated/);
  refused(whole.subarray(0, 2048), /no end-of-archive/);
  const corrupt = Buffer.from(whole);
  corrupt[10] ^= 0xff;
  refused(corrupt, /bad header checksum/);
  refused(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), /not valid gzip/);
});

test('a package without a bundle or with an invalid manifest is refused', () => {
  refused(archive(good()[0]), /no bundle\.js/);
  const m = JSON.stringify({ ...manifest, permissions: { services: { teleport: ['beam'] } } });
  refused(
    archive(rawEntry('shequ.plugin.json', Buffer.from(m)), good()[1]),
    /#\/permissions\/services\/teleport: unknown service/,
  );
  refused(writeTar([{ name: 'bundle.js', data: Buffer.from('x') }]), /no shequ\.plugin\.json/);
});
