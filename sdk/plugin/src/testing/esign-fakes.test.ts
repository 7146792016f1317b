import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppError } from '@shequ/core';
import type { BridgeCall } from '@shequ/runtime';
import { EsignFakeStore, esignFakes } from './fakes.ts';

const call = (user: BridgeCall['user'], plugin = 'org.test.lease'): BridgeCall => ({
  communityId: '00000000-0000-4000-8000-00000000c0de',
  communityCode: 'test',
  plugin: { id: plugin, version: '1.0.0' },
  user,
});
const resident = { id: '00000000-0000-4000-8000-00000000a11c', role: 'resident' as const };
const templateId = '00000000-0000-4000-8000-0000000000e1';

test('the e-signature fakes send a contract on the resident’s own call and report its status as the platform does', async () => {
  const store = new EsignFakeStore();
  const f = esignFakes(store);
  const created = (await f['esign.createDocument'](
    { templateId, signerUserId: resident.id, values: { name: '王秀英' } },
    call(resident),
  )) as {
    documentId: string;
    status: string;
  };
  assert.equal(created.status, 'sent');
  await assert.rejects(
    async () =>
      f['esign.createDocument'](
        { templateId, signerUserId: '00000000-0000-4000-8000-000000000b0b', values: { name: 'x' } },
        call(resident),
      ),
    (e: AppError) => e.code === 'FORBIDDEN',
  );
  await assert.rejects(
    async () => f['esign.createDocument']({ templateId, signerUserId: resident.id, values: {} }, call(resident)),
    (e: AppError) => e.code === 'INVALID_INPUT',
  );
  assert.equal(
    ((await f['esign.status']({ documentId: created.documentId }, call(resident))) as { status: string }).status,
    'sent',
  );
  store.sign(created.documentId);
  const s = (await f['esign.status']({ documentId: created.documentId }, call(null))) as {
    status: string;
    signedAt: string;
  };
  assert.equal(s.status, 'signed');
  assert.ok(s.signedAt);
  await assert.rejects(
    async () => f['esign.status']({ documentId: created.documentId }, call(resident, 'org.other')),
    (e: AppError) => e.code === 'NOT_FOUND',
  );
});
