import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import type { BridgeCall } from '@shequ/runtime';
import { bookingFakes } from './fakes.ts';

const call = (user: BridgeCall['user']): BridgeCall => ({
  communityId: '00000000-0000-4000-8000-00000000c0de',
  communityCode: 'test',
  plugin: { id: 'org.test.rooms', version: '1.0.0' },
  user,
});
const resident = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };

test('the booking fakes hold a free slot once and refuse it to the next caller, as the platform does', async () => {
  const f = bookingFakes();
  const [space] = (await f['booking.spaces']({}, call(resident))) as { spaceId: string }[];
  const day = (await f['booking.availability']({ spaceId: space.spaceId, day: '2026-12-01' }, call(resident))) as {
    slots: { start: string; label: string; status: string }[];
  };
  assert.equal(day.slots[0].label, '08:00–09:00');
  const start = day.slots[1].start;
  await f['booking.hold']({ spaceId: space.spaceId, start }, call(resident));
  await assert.rejects(
    async () => f['booking.hold']({ spaceId: space.spaceId, start }, call(resident)),
    (e: AppError) => e.code === 'CONFLICT' && /已被预约/.test(e.messageZh),
  );
  await assert.rejects(
    async () => f['booking.hold']({ spaceId: space.spaceId, start: day.slots[2].start }, call(null)),
    (e: AppError) => e.code === 'FORBIDDEN',
  );
  await assert.rejects(
    async () => f['booking.availability']({ spaceId: space.spaceId, day: '1.12.2026' }, call(resident)),
    (e: AppError) => e.code === 'INVALID_INPUT',
  );
  const after = (await f['booking.availability']({ spaceId: space.spaceId, day: '2026-12-01' }, call(resident))) as {
    slots: { status: string }[];
  };
  assert.equal(after.slots[1].status, 'taken');
});
