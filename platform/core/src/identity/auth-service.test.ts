import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type Database, testEngines } from '@shequ/db';
import { TOTP } from 'otpauth';
import pino from 'pino';
import { FieldCrypto } from '../crypto/field-crypto.ts';
import { parseKeyring } from '../crypto/keyring.ts';
import { AppError } from '../errors.ts';
import { MemoryChannel } from '../messaging/channel.ts';
import { DEMO_PASSWORD, seedDemo } from '../tenancy/seed.ts';
import { AuthService } from './auth-service.ts';
import { findUserByUsername } from './users-repo.ts';

const code = (e: unknown) => (e instanceof AppError ? e.code : String(e));

for (const engine of testEngines()) {
  describe(`sign-in [${engine}]`, () => {
    let database: Database;
    let auth: AuthService;
    let clock = new Date();
    const channel = new MemoryChannel();
    before(async () => {
      database = await createTestDatabase(engine);
      const crypto = new FieldCrypto(parseKeyring(randomBytes(32).toString('base64')));
      await seedDemo(database.db, crypto);
      auth = new AuthService({
        database,
        crypto,
        channel,
        log: pino({ level: 'silent' }),
        sessionTtlHours: 1,
        now: () => clock,
      });
    });
    after(() => database.close());

    test('a right password opens a session whose principal carries roles and shells', async () => {
      const s = await auth.login('operator', DEMO_PASSWORD, { ip: '127.0.0.1' });
      assert.equal(s.mfaRequired, false);
      const p = await auth.principal(s.token);
      assert.equal(p?.displayName, '李社区');
      assert.deepEqual(
        p?.grants.map((g) => [g.role, g.regionName]),
        [['community_admin', '示范社区']],
      );
      assert.deepEqual(p?.shells, ['console', 'market']);
    });

    test('the phone number works as the account, found through its blind index', async () => {
      const s = await auth.login('13800000001', DEMO_PASSWORD);
      assert.equal((await auth.principal(s.token))?.displayName, '王秀英');
    });

    test('a wrong password is INVALID_CREDENTIALS; five in a row lock even the right one out for 15 minutes', async () => {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(auth.login('grid', 'wrong-password-1'), (e) => code(e) === 'INVALID_CREDENTIALS');
      }
      await assert.rejects(
        auth.login('grid', DEMO_PASSWORD),
        (e) => code(e) === 'ACCOUNT_LOCKED' && /锁定/.test((e as AppError).messageZh),
      );
      clock = new Date(clock.getTime() + 16 * 60 * 1000);
      const s = await auth.login('grid', DEMO_PASSWORD);
      assert.ok(s.token);
    });

    test('unknown accounts get the same error as wrong passwords', async () => {
      await assert.rejects(auth.login('nobody', 'whatever1'), (e) => code(e) === 'INVALID_CREDENTIALS');
    });

    test('an expired session resolves to nobody; logout ends a session', async () => {
      const s = await auth.login('property', DEMO_PASSWORD);
      assert.ok(await auth.principal(s.token));
      clock = new Date(clock.getTime() + 2 * 3600 * 1000);
      assert.equal(await auth.principal(s.token), null);
      const s2 = await auth.login('property', DEMO_PASSWORD);
      assert.ok(await auth.principal(s2.token), 'resolved (and cached) before logout');
      await auth.logout(s2.token);
      assert.equal(await auth.principal(s2.token), null);
    });

    test('a one-time code goes through the message channel and signs in once', async () => {
      await auth.requestCode('13800000003');
      const sent = channel.sent.at(-1)!;
      assert.equal(sent.template, 'login-code');
      assert.match(sent.vars.code, /^\d{6}$/);
      await assert.rejects(auth.requestCode('13800000003'), (e) => code(e) === 'RATE_LIMITED');
      const wrong = sent.vars.code === '000000' ? '111111' : '000000';
      await assert.rejects(auth.loginWithCode('13800000003', wrong), (e) => code(e) === 'INVALID_CREDENTIALS');
      const s = await auth.loginWithCode('13800000003', sent.vars.code);
      assert.equal((await auth.principal(s.token))?.displayName, '赵物业');
      await assert.rejects(auth.loginWithCode('13800000003', sent.vars.code), (e) => code(e) === 'INVALID_CREDENTIALS');
      const before = channel.sent.length;
      await auth.requestCode('13999999999');
      assert.equal(channel.sent.length, before, 'no message for an unknown phone, and no error either');
    });

    test('an administrator with TOTP needs the second factor before the session counts', async () => {
      const admin = await findUserByUsername(database.db, 'admin');
      const { secret } = await auth.beginTotp(admin!.id, 'admin');
      const totp = new TOTP({ secret, digits: 6, period: 30 });
      await assert.rejects(auth.enableTotp(admin!.id, '000000'), (e) => code(e) === 'INVALID_INPUT');
      await auth.enableTotp(admin!.id, totp.generate({ timestamp: clock.getTime() }));
      const s = await auth.login('admin', DEMO_PASSWORD);
      assert.equal(s.mfaRequired, true);
      assert.equal(await auth.principal(s.token), null, 'not signed in before the code');
      await assert.rejects(auth.verifyTotp(s.token, '123456'), (e) => code(e) === 'INVALID_CREDENTIALS');
      await auth.verifyTotp(s.token, totp.generate({ timestamp: clock.getTime() }));
      assert.equal((await auth.principal(s.token))?.displayName, '平台管理员');
    });
  });
}
