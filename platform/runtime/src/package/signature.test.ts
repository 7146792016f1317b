import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import { packPlugin, unpackPlugin } from './archive.ts';
import { generatePublisherKey, signPackage, verifyPackage } from './signature.ts';

const files = {
  'shequ.plugin.json': JSON.stringify({
    id: 'org.test.sign',
    version: '0.1.0',
    name: { zh: '签名测试', en: 'Sign test' },
    description: { zh: '测试', en: 'Test' },
    scenario: 'neighbourhood',
    sdk: '^0.1.0',
    handlers: { hello: {} },
  }),
  'bundle.js': 'globalThis.__shequPlugin = { plugin: { handlers: { hello: async () => 1 } } };',
  'README.md': '# 签名\n',
};

const publisher = generatePublisherKey();
const failsWith = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: AppError) => e.code === 'INVALID_INPUT' && pattern.test(e.messageEn));

test('a signed package verifies and says which key signed it, deterministically', () => {
  const signed = signPackage(files, publisher.privateKeyPem, 'acme-2026');
  const buf = packPlugin(signed);
  assert.deepEqual(buf, packPlugin(signPackage(files, publisher.privateKeyPem, 'acme-2026')));
  const pkg = unpackPlugin(buf);
  const by = verifyPackage(pkg);
  assert.equal(by.keyId, 'acme-2026');
  assert.equal(by.fingerprint, publisher.keyId);
  assert.equal(verifyPackage(pkg, { 'acme-2026': publisher.publicKeyPem }).keyId, 'acme-2026');
  // The default key id is the fingerprint; re-signing replaces the old signature.
  const again = unpackPlugin(packPlugin(signPackage(signed, publisher.privateKeyPem)));
  assert.equal(verifyPackage(again).keyId, publisher.keyId);
});

test('a changed, added or removed entry is named', () => {
  const signed = signPackage(files, publisher.privateKeyPem, 'acme');
  const tampered = unpackPlugin(packPlugin({ ...signed, 'bundle.js': `${files['bundle.js']}//evil` }));
  failsWith(() => verifyPackage(tampered), /entry "bundle\.js" was changed after signing/);
  const added = unpackPlugin(packPlugin({ ...signed, 'CHANGELOG.md': 'x' }));
  failsWith(() => verifyPackage(added), /entry "CHANGELOG\.md" was added after signing/);
  const { 'README.md': _r, ...rest } = signed;
  failsWith(() => verifyPackage(unpackPlugin(packPlugin(rest))), /signed entry "README\.md" is missing/);
});

test('a forged signature, an untrusted key and an unsigned package are refused', () => {
  const mallory = generatePublisherKey();
  const signed = unpackPlugin(packPlugin(signPackage(files, mallory.privateKeyPem, 'acme')));
  failsWith(() => verifyPackage(signed, { acme: publisher.publicKeyPem }), /does not match the trusted public key/);
  failsWith(() => verifyPackage(signed, { other: publisher.publicKeyPem }), /key "acme" is not a trusted/);
  // Swapping in the trusted public key without the private key breaks the signature itself.
  const forged = {
    ...signed,
    signature: {
      ...signed.signature!,
      publicKey: verifyPackage(unpackPlugin(packPlugin(signPackage(files, publisher.privateKeyPem, 'acme')))).publicKey,
    },
  };
  failsWith(() => verifyPackage(forged), /signature of key "acme" does not match/);
  failsWith(() => verifyPackage(unpackPlugin(packPlugin(files))), /not signed/);
});
