import { AppError, type BaseDeps } from '@shequ/core';
import { getDeviceDetail, listDevices, listProducts, queueCommand } from '@shequ/iot';
import type { ThingModel } from '@shequ/schemas';
import { z } from 'zod';
import type { BridgeCall, CapabilityAction } from './services.ts';

const key = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'letters, digits and _ . : @ - only');
const listArgs = z
  .object({
    productKey: key,
    after: key.optional(),
    prefix: key.optional(),
    limit: z.number().int().min(1).max(200).optional(),
  })
  .strict();
const deviceArgs = z.object({ productKey: key, deviceName: key }).strict();
const params = z.record(z.string().max(64), z.unknown());
const invokeArgs = z.union([
  z.object({ productKey: key, deviceName: key, set: params }).strict(),
  z.object({ productKey: key, deviceName: key, service: key, params: params.optional() }).strict(),
]);

/** Only the community's own scope: row-level security keeps every read and command inside it. */
const scopeOf = (call: BridgeCall) => ({ kind: 'communities' as const, ids: [call.communityId] });

/** What an app learns of a thing model: identifiers, names, types and access, enough to show and command. */
function modelSummary(m: ThingModel) {
  return {
    properties: m.properties.map((p) => ({
      identifier: p.identifier,
      name: p.name,
      type: p.dataType.type,
      accessMode: p.accessMode,
      unit: (p.dataType.specs as { unit?: string } | undefined)?.unit,
    })),
    services: m.services.map((s) => ({ identifier: s.identifier, name: s.name, callType: s.callType })),
    events: m.events.map((e) => ({ identifier: e.identifier, name: e.name, type: e.type })),
  };
}

/**
 * The device service to apps (DB33 7.3.4.2 设备服务): the community's products with their thing models, its devices
 * and whether they are online, their latest property values; and commands — a property set or an async service call,
 * checked against the thing model and queued to the gateway that holds the device, like the console's. Commands come
 * only from an operator's call or the app's own jobs and event handlers (the operator granted `device.invoke` at
 * install), never on a resident's call. Device secrets, ids, addresses and sessions never reach the app.
 */
export function deviceCapabilities(
  deps: BaseDeps,
  parse: <T>(schema: z.ZodType<T>, args: unknown, what: string) => T,
): [string, CapabilityAction][] {
  return [
    [
      'device.products',
      async (call) =>
        (await listProducts(deps, scopeOf(call), call.communityId, { withModel: true })).map((p) => ({
          productKey: p.productKey,
          name: p.name,
          nodeType: p.nodeType,
          model: modelSummary((p as { thingModel: unknown }).thingModel as ThingModel),
        })),
    ],
    [
      'device.list',
      async (call, args) => {
        const a = parse(listArgs, args, 'device.list');
        const rows = await listDevices(deps, scopeOf(call), a.productKey, {
          after: a.after,
          prefix: a.prefix,
          limit: a.limit ?? 50,
        });
        return rows.map((d) => ({
          productKey: d.productKey,
          deviceName: d.deviceName,
          nickname: d.nickname,
          status: d.status,
          online: d.online,
          lastOnlineAt: d.lastOnlineAt,
        }));
      },
    ],
    [
      'device.properties',
      async (call, args) => {
        const a = parse(deviceArgs, args, 'device.properties');
        const d = await getDeviceDetail(deps, scopeOf(call), a.productKey, a.deviceName);
        return { online: d.online, status: d.status, properties: d.properties };
      },
    ],
    [
      'device.invoke',
      async (call, args) => {
        const a = parse(invokeArgs, args, 'device.invoke');
        if (call.user && call.user.role !== 'operator') {
          throw new AppError('FORBIDDEN', {
            zh: '应用只能在运营人员操作或自身定时任务、事件处理中控制设备',
            en: "An app commands devices only on an operator's call or in its own jobs and event handlers",
          });
        }
        const cmd =
          'set' in a
            ? { kind: 'set' as const, params: a.set }
            : { kind: 'service' as const, service: a.service, params: a.params ?? {} };
        const actor = {
          subject: call.user ? `${call.user.id} via plugin:${call.plugin.id}` : `plugin:${call.plugin.id}`,
          role: call.user ? 'operator' : 'plugin',
        };
        const r = await queueCommand(deps, scopeOf(call), a.productKey, a.deviceName, cmd, actor);
        return { commandId: r.id, queued: r.queued };
      },
    ],
  ];
}
