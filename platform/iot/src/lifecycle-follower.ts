import type { Bus, EventEnvelope, Subscription } from '@shequ/bus';
import type { Logger } from '@shequ/core';
import { type Database, devices, mqttAccounts } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { MqttGateway } from './gateway/mqtt-gateway.ts';
import { lifecycleSubject } from './registry/lifecycle-events.ts';

type LifecycleData =
  | { kind: 'device'; op: string; deviceId: string }
  | { kind: 'account'; op: string; username: string };

/**
 * Applies lifecycle changes made anywhere (an API process without a gateway, another gateway) to the sessions of
 * this gateway. Each event is checked against the database before acting, so a replayed `disable` never ends the
 * session of a device that has been enabled since.
 */
export async function followLifecycle(
  bus: Bus,
  durable: string,
  database: Database,
  gateway: MqttGateway,
  log?: Logger,
): Promise<Subscription> {
  return bus.subscribe(durable, lifecycleSubject, async (e: EventEnvelope) => {
    const data = e.data as LifecycleData;
    try {
      if (data.kind === 'device') {
        if (data.op === 'enable' || data.op === 'rotate_secret') return gateway.forgetFailures();
        const [row] = await database.db
          .select({ enabled: devices.enabled })
          .from(devices)
          .where(eq(devices.id, data.deviceId));
        if (!row?.enabled) gateway.kickDevice(data.deviceId);
        return;
      }
      if (data.op === 'enable') return gateway.forgetFailures();
      const [acc] = await database.db
        .select({ enabled: mqttAccounts.enabled })
        .from(mqttAccounts)
        .where(eq(mqttAccounts.username, data.username));
      if (!acc?.enabled) gateway.kickAccount(data.username);
    } catch (err) {
      log?.warn({ err, subject: e.subject }, 'iot lifecycle event not applied');
    }
  });
}
