import { enqueue } from '@shequ/bus';
import { type Actor, AppError, appendAudit } from '@shequ/core';
import { type DataScope, withScope } from '@shequ/db';
import { checkService, checkSet, storeDesired } from './downlink.ts';
import type { Command } from './engine.ts';
import { auditActor, type IotDeps } from './registry/deps.ts';
import { deviceInScope } from './registry/device-detail.ts';

export const commandSubject = 'shequ.iot.*.*.*.command';

/**
 * A command from a process that runs no gateway (`--role api` beside `--role iot`): checked against the thing
 * model here, queued on the bus in one transaction with its audit record, and sent by whichever gateway holds the
 * device. A property set also lands in the shadow's `desired`. Sync calls need an answer, so they need the gateway
 * in the same process.
 */
export async function queueCommand(
  d: IotDeps,
  scope: DataScope,
  productKey: string,
  deviceName: string,
  cmd: Command,
  actor: Actor,
) {
  const { device, thingModel } = await deviceInScope(d, scope, productKey, deviceName);
  if (!device.enabled) throw new AppError('CONFLICT', { zh: '设备已禁用', en: 'The device is disabled' });
  if (cmd.kind === 'set') checkSet(thingModel, cmd.params);
  else if (checkService(thingModel, cmd.service, cmd.params).callType === 'sync') {
    throw new AppError('UNAVAILABLE', {
      zh: '同步服务调用需要本进程运行物联网网关',
      en: 'A sync service call needs the IoT gateway in this process (role all or api,iot)',
    });
  }
  return withScope(d.db, scope, async (tx) => {
    if (cmd.kind === 'set') await storeDesired(tx, device, cmd.params);
    const [id] = await enqueue(tx, {
      subject: `shequ.iot.${device.communityId}.${productKey}.${device.id}.command`,
      communityId: device.communityId,
      data: {
        deviceId: device.id,
        productKey,
        deviceName,
        kind: cmd.kind,
        service: cmd.kind === 'service' ? cmd.service : undefined,
        params: cmd.params,
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor),
      action: cmd.kind === 'set' ? 'iot.device.set_properties' : 'iot.device.call_service',
      objectType: 'iot.device',
      objectId: device.id,
      communityId: device.communityId,
      result: 'success',
      detail: { productKey, deviceName, service: cmd.kind === 'service' ? cmd.service : undefined, queued: id },
    });
    return { id, delivered: false, queued: true };
  });
}
