import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '@shequ/core';
import type { BridgeCall } from '@shequ/runtime';
import { createPaymentFakes } from './fakes.ts';

const call = (user: BridgeCall['user'], app = 'org.test.fees'): BridgeCall => ({
  communityId: '00000000-0000-4000-8000-00000000c0de',
  communityCode: 'test',
  plugin: { id: app, version: '1.0.0' },
  user,
});
const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };

test('payment fakes: orders in fen, once per reference, only for the caller, readable only by their app', async () => {
  const f = createPaymentFakes();
  const args = { subject: '报名费', amountFen: 500, reference: 'r1' };
  const o = (await f.fakes['payment.createOrder'](args, call(alice))) as { orderId: string; status: string };
  assert.equal(o.status, 'open');
  assert.equal(((await f.fakes['payment.createOrder'](args, call(alice))) as { orderId: string }).orderId, o.orderId);
  assert.throws(
    () => f.fakes['payment.createOrder']({ ...args, amountFen: 0 }, call(alice)),
    (e) => e instanceof AppError && e.code === 'INVALID_INPUT',
  );
  assert.throws(
    () => f.fakes['payment.createOrder'](args, call(null)),
    (e) => e instanceof AppError && e.code === 'FORBIDDEN',
  );
  f.pay(o.orderId);
  f.refund(o.orderId, 200);
  assert.deepEqual(await f.fakes['payment.status']({ orderId: o.orderId }, call(alice)), {
    orderId: o.orderId,
    subject: '报名费',
    amountFen: 500,
    paidFen: 500,
    refundedFen: 200,
    status: 'partially_refunded',
  });
  assert.throws(
    () => f.fakes['payment.status']({ orderId: o.orderId }, call(alice, 'org.other')),
    (e) => e instanceof AppError && e.code === 'NOT_FOUND',
  );
  assert.throws(() => f.refund(o.orderId, 301));
});
