import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { FieldCrypto, maskAddress, maskIdNumber, maskName, maskPhone, parseKeyring } from './index.ts';

const k = () => randomBytes(32).toString('base64');

for (const cipher of ['aes-256-gcm', 'sm4'] as const) {
  describe(`field encryption [${cipher}]`, () => {
    const fc = new FieldCrypto(parseKeyring(`k1:${k()}`), cipher);

    test('round-trips Chinese text and is randomised', () => {
      const a = fc.encrypt('浙江省杭州市 13800138000', 'people.phone');
      const b = fc.encrypt('浙江省杭州市 13800138000', 'people.phone');
      assert.notEqual(a, b);
      assert.ok(!a.includes('13800138000'));
      assert.equal(fc.decrypt(a, 'people.phone'), '浙江省杭州市 13800138000');
    });

    test('a value moved to another field does not decrypt', () => {
      const a = fc.encrypt('330102199001011234', 'people.id_number');
      assert.throws(() => fc.decrypt(a, 'people.phone'));
    });

    test('a flipped byte is detected', () => {
      const a = fc.encrypt('secret', 'x');
      const parts = a.split('.');
      const body = Buffer.from(parts[3], 'base64url');
      body[body.length - 20] ^= 1;
      parts[3] = body.toString('base64url');
      assert.throws(() => fc.decrypt(parts.join('.'), 'x'));
    });
  });
}

describe('key rotation', () => {
  test('old envelopes decrypt after a new key is prepended; new ones use the new key', () => {
    const old = k();
    const before = new FieldCrypto(parseKeyring(`k1:${old}`));
    const env1 = before.encrypt('13900000000', 'users.phone');
    const after = new FieldCrypto(parseKeyring(`k2:${k()},k1:${old}`));
    assert.equal(after.decrypt(env1, 'users.phone'), '13900000000');
    assert.ok(after.needsRotation(env1));
    const env2 = after.encrypt('13900000000', 'users.phone');
    assert.match(env2, /^e1\.k2\./);
    assert.equal(after.needsRotation(env2), false);
    assert.equal(after.blindIndex('phone', '13900000000'), before.blindIndex('phone', '13900000000'));
  });

  test('an unknown key id is a clear error', () => {
    const env = new FieldCrypto(parseKeyring(`k9:${k()}`)).encrypt('x', 'c');
    assert.throws(() => new FieldCrypto(parseKeyring(`k1:${k()}`)).decrypt(env, 'c'), /k9/);
  });

  test('bad key specs are refused with the reason', () => {
    assert.throws(() => parseKeyring('k1:c2hvcnQ='), /32 bytes/);
    assert.throws(() => parseKeyring(`bad id:${k()}`), /key id/);
  });
});

describe('blind index', () => {
  const fc = new FieldCrypto(parseKeyring(k()));
  test('is deterministic per field and separates fields', () => {
    assert.equal(fc.blindIndex('phone', '13800138000'), fc.blindIndex('phone', '13800138000'));
    assert.notEqual(fc.blindIndex('phone', '13800138000'), fc.blindIndex('id_number', '13800138000'));
    assert.notEqual(fc.blindIndex('phone', '13800138000'), fc.blindIndex('phone', '13800138001'));
  });
});

describe('masking', () => {
  test('phone, ID number, name and address', () => {
    assert.equal(maskPhone('13800138000'), '138****8000');
    assert.equal(maskIdNumber('33010219900101123X'), '330102********123X');
    assert.equal(maskName('张三'), '张*');
    assert.equal(maskName('欧阳娜娜'), '欧**娜');
    assert.equal(maskName('Li Lei'), 'L* L**');
    assert.equal(maskAddress('示范小区3幢2单元501室'), '示范小区3幢****');
  });
});
