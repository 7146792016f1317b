import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import type { BridgeCall } from '@shequ/runtime';
import { accessFakes } from './fakes.ts';

const call = (user: BridgeCall['user']): BridgeCall => ({
  communityId: '00000000-0000-4000-8000-00000000c0de',
  communityCode: 'test',
  plugin: { id: 'org.test.visitors', version: '1.0.0' },
  user,
});
const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
const bob = { id: '00000000-0000-4000-8000-000000000b0b', role: 'resident' as const };

test('the access fakes invite on the resident’s own call and show her only her visitors’ passes', async () => {
  const now = Date.now();
  const window = { validFrom: new Date(now).toISOString(), validUntil: new Date(now + 3_600_000).toISOString() };
  const records: { visitorPassId: string | null; visitorName: string }[] = [];
  const f = accessFakes(records);
  const p = (await f['access.invite']({ visitorName: '王五', ...window }, call(alice))) as {
    passId: string;
    code: string;
  };
  assert.match(p.code, /^\d{8}$/);
  await assert.rejects(
    async () => f['access.invite']({ visitorName: '王五', ...window }, call(null)),
    (e: AppError) => e.code === 'FORBIDDEN',
  );
  await assert.rejects(
    async () =>
      f['access.invite'](
        { visitorName: '王五', validFrom: window.validFrom, validUntil: window.validFrom },
        call(alice),
      ),
    (e: AppError) => e.code === 'INVALID_INPUT',
  );
  records.push({ visitorPassId: p.passId, visitorName: '王五' });
  assert.equal(((await f['access.passes']({}, call(alice))) as { items: unknown[] }).items.length, 1);
  assert.equal(((await f['access.passes']({}, call(bob))) as { items: unknown[] }).items.length, 0);
});
