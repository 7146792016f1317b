import { enqueue } from '@shequ/bus';
import type { Executor } from '@shequ/db';

/** `certificate`: a certificate was issued or revoked, or certificate-only access was switched. */
export type LifecycleOp = 'enable' | 'disable' | 'delete' | 'rotate_secret' | 'certificate';

/** Subject of lifecycle events, which every gateway follows to end sessions that are no longer allowed. */
export const lifecycleSubject = 'shequ.iot.*.*.*.lifecycle';

/** A device's lifecycle change, on the bus in the same transaction as the change. */
export function deviceLifecycle(
  tx: Executor,
  d: { id: string; communityId: string; productKey: string; deviceName: string },
  op: LifecycleOp,
) {
  return enqueue(tx, {
    subject: `shequ.iot.${d.communityId}.${d.productKey}.${d.id}.lifecycle`,
    communityId: d.communityId,
    data: { kind: 'device', op, deviceId: d.id, productKey: d.productKey, deviceName: d.deviceName },
  });
}

/** An application account's lifecycle change (usernames are lowercase tokens: `app_<hex>`). */
export function accountLifecycle(tx: Executor, a: { communityId: string; username: string }, op: 'enable' | 'disable') {
  return enqueue(tx, {
    subject: `shequ.iot.${a.communityId}.mqtt-account.${a.username}.lifecycle`,
    communityId: a.communityId,
    data: { kind: 'account', op, username: a.username },
  });
}
