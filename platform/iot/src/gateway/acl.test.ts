import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountMayPublish, accountMaySubscribe } from './acl.ts';
import type { AccountSession } from './authenticator.ts';

const account: AccountSession = {
  kind: 'app',
  id: 'a',
  username: 'app_1',
  communityId: 'c1',
  topics: ['/sys/k1/+/thing/#', '/property/#', '/#'],
  productKeys: [],
};
const products = new Map([
  ['k1', 'c1'],
  ['k2', 'c2'],
]);

test('an account sends commands to its own community’s devices but never posts in a device’s name', () => {
  assert.ok(accountMayPublish(account, '/sys/k1/dn/thing/service/property/set', products));
  assert.ok(accountMayPublish(account, '/property/notice', products));
  assert.ok(!accountMayPublish(account, '/sys/k1/dn/thing/event/property/post', products), 'spoofed uplink');
  assert.ok(!accountMayPublish(account, '/sys/k1/dn/thing/service/property/set_reply', products), 'spoofed reply');
  assert.ok(!accountMayPublish(account, '/shadow/update/k1/dn', products));
  assert.ok(!accountMayPublish(account, '/k2/dn/user/x', products), 'another community’s product');
  assert.ok(!accountMayPublish(account, '/k9/dn/user/x', products), 'an unknown product fails closed');
});

test('an account subscribes only within its patterns', () => {
  assert.ok(accountMaySubscribe(account, '/sys/k1/+/thing/event/+/post'));
  assert.ok(!accountMaySubscribe({ ...account, topics: ['/sys/k1/+/thing/#'] }, '/sys/+/+/thing/#'));
  assert.ok(!accountMaySubscribe({ ...account, topics: ['/property/#'] }, '#'));
});
