// Tokens and the CoAP replay window (9.3.2.3 integrity of the CoAP channel: a replayed request is refused).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceIdentity } from '../registry/devices-repo.ts';
import { DeviceTokens, ReplayWindow } from './device-tokens.ts';

const device = (id: string) => ({ id, productKey: 'pk', deviceName: id }) as DeviceIdentity;

test('tokens are random, expire, are bounded in number and end per device', () => {
  const t = new DeviceTokens(1000, 3);
  const a = t.issue(device('a'), {}, 0);
  const b = t.issue(device('b'), {}, 0);
  assert.notEqual(a.token, b.token);
  assert.ok(a.token.length >= 32);
  assert.equal(t.check(a.token, 999).ok, true);
  assert.deepEqual(t.check(a.token, 1000), { ok: false, reason: 'expired' });
  assert.deepEqual(t.check(a.token, 1000), { ok: false, reason: 'unknown' }, 'an expired token is forgotten');
  assert.deepEqual(t.check(undefined), { ok: false, reason: 'missing' });
  t.issue(device('c'), {}, 10);
  t.issue(device('d'), {}, 10);
  t.issue(device('e'), {}, 10); // full of live tokens: the oldest (b) goes
  assert.equal(t.size, 3);
  assert.equal(t.check(b.token, 20).ok, false);
  const u = new DeviceTokens(1000);
  const [x1, x2, y] = [u.issue(device('x')), u.issue(device('x')), u.issue(device('y'))];
  assert.equal(u.revokeDevice('x'), 2);
  assert.deepEqual([u.check(x1.token).ok, u.check(x2.token).ok, u.check(y.token).ok], [false, false, true]);
});

test('the replay window accepts each number once, tolerates reordering, refuses the old', () => {
  const w = new ReplayWindow(100, 8);
  assert.equal(w.accept(100), false, 'the offset itself was never valid');
  assert.equal(w.accept(101), true);
  assert.equal(w.accept(101), false);
  assert.equal(w.accept(105), true);
  assert.equal(w.accept(103), true, 'late but unseen, inside the window');
  assert.equal(w.accept(103), false);
  assert.equal(w.accept(120), true);
  assert.equal(w.accept(112), false, 'below the window');
  assert.equal(w.accept(113), true);
  assert.equal(w.accept(1.5), false);
  assert.equal(w.accept(Number.MAX_SAFE_INTEGER + 2), false);
});
