import { type Bus, type EventEnvelope, processListener, type Subscription } from '@shequ/bus';
import type { Logger } from '@shequ/core';
import { type Database, devices, mqttAccounts } from '@shequ/db';
import { eq } from 'drizzle-orm';
import type { Downlink } from './downlink.ts';
import type { MqttGateway } from './gateway/mqtt-gateway.ts';
import { commandSubject } from './queued-command.ts';
import { validFingerprints } from './registry/certificates.ts';
import { lifecycleSubject } from './registry/lifecycle-events.ts';

type LifecycleData =
  | { kind: 'device'; op: string; deviceId: string }
  | { kind: 'account'; op: string; username: string };

/** Shared by every gateway process: each queued command reaches the network-server path in one process only. */
export const lorawanCommandsDurable = 'iot-lorawan-commands';

/**
 * Sends commands queued by processes without a gateway to the devices this gateway holds (a per-process listener:
 * every gateway sees every command). With `lorawan`, the consumer is shared by all gateways instead (each command
 * once) and sends to devices reached through their community's LoRaWAN network server.
 */
export async function followCommands(bus: Bus, durable: string, downlink: Downlink, log?: Logger, lorawan = false) {
  return bus.subscribe(
    durable,
    commandSubject,
    async (e: EventEnvelope) => {
      const c = e.data as {
        deviceId: string;
        productKey: string;
        deviceName: string;
        kind: 'set' | 'service';
        service?: string;
        params: Record<string, unknown>;
      };
      const communityId = e.communityId ?? '';
      try {
        const d = { id: c.deviceId, communityId, productKey: c.productKey, deviceName: c.deviceName };
        if (lorawan) await downlink.deliverLorawan(d, c);
        else await downlink.deliver(d, c);
      } catch (err) {
        log?.warn({ err, subject: e.subject }, 'queued iot command not sent');
      }
    },
    lorawan ? { from: 'new' } : processListener,
  );
}

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
  return bus.subscribe(
    durable,
    lifecycleSubject,
    async (e: EventEnvelope) => {
      const data = e.data as LifecycleData;
      try {
        if (data.kind === 'device') {
          if (data.op === 'enable' || data.op === 'rotate_secret') return gateway.forgetFailures();
          const [row] = await database.db
            .select({ enabled: devices.enabled, requireCertificate: devices.requireCertificate })
            .from(devices)
            .where(eq(devices.id, data.deviceId));
          if (!row?.enabled) {
            gateway.kickDevice(data.deviceId);
            return;
          }
          if (data.op === 'certificate') {
            // A revoked certificate, or certificate-only access switched on, ends a session that no longer qualifies.
            gateway.forgetFailures();
            const live = gateway.deviceSession(data.deviceId);
            if (!live) return;
            const allowed = live.certificate
              ? (await validFingerprints(database.db, data.deviceId)).includes(live.certificate)
              : !row.requireCertificate;
            if (!allowed) gateway.kickDevice(data.deviceId);
          }
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
    },
    processListener,
  );
}
