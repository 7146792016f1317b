import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import type { BridgeCall } from '@shequ/runtime';
import { deviceFakes } from './fakes.ts';

const call = (user: BridgeCall['user']): BridgeCall => ({
  communityId: '00000000-0000-4000-8000-00000000c0de',
  communityCode: 'test',
  plugin: { id: 'org.test.gates', version: '1.0.0' },
  user,
});
const staff = { id: '00000000-0000-4000-8000-0000000000ff', role: 'operator' as const };
const alice = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };

test('the device fakes answer the devices a test sets up and record commands as the platform allows them', async () => {
  const commands: { productKey: string; deviceName: string }[] = [];
  const f = deviceFakes(
    [{ productKey: 'pgate', deviceName: 'east-1', nickname: '东门', online: true, properties: { gateState: 0 } }],
    commands,
  );
  const list = (await f['device.list']({ productKey: 'pgate' }, call(alice))) as {
    deviceName: string;
    online: boolean;
  }[];
  assert.deepEqual(
    list.map((d) => [d.deviceName, d.online]),
    [['east-1', true]],
  );
  const p = (await f['device.properties']({ productKey: 'pgate', deviceName: 'east-1' }, call(staff))) as {
    properties: Record<string, { value: unknown }>;
  };
  assert.equal(p.properties.gateState.value, 0);
  await assert.rejects(
    async () => f['device.properties']({ productKey: 'pgate', deviceName: 'west-9' }, call(staff)),
    (e: AppError) => e.code === 'NOT_FOUND',
  );
  await f['device.invoke']({ productKey: 'pgate', deviceName: 'east-1', set: { gateState: 1 } }, call(null));
  await f['device.invoke'](
    { productKey: 'pgate', deviceName: 'east-1', service: 'setMode', params: { mode: 1 } },
    call(staff),
  );
  assert.equal(commands.length, 2);
  await assert.rejects(
    async () => f['device.invoke']({ productKey: 'pgate', deviceName: 'east-1', set: { gateState: 1 } }, call(alice)),
    (e: AppError) => e.code === 'FORBIDDEN',
  );
  assert.equal(commands.length, 2, 'a refused command is not recorded');
});
