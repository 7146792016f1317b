import { type Bus, type EventEnvelope, processListener, type Subscription } from '@shequ/bus';
import type { Logger } from '@shequ/core';
import { type Database, devices } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { lifecycleSubject } from '../registry/lifecycle-events.ts';
import type { DeviceIngest } from './device-ingest.ts';

/**
 * Ends the HTTP and CoAP tokens of devices disabled or deleted anywhere, at once rather than at the next 30-second
 * re-check, and forgets cached auth failures after an enable or a secret rotation. Like the MQTT gateway's
 * follower, it checks the database first, so a replayed `disable` never ends a device enabled since.
 */
export function followDeviceLifecycle(
  bus: Bus,
  durable: string,
  database: Database,
  ingests: DeviceIngest[],
  log?: Logger,
  /**
   * Caches of verified application accounts (the LoRaWAN webhook): a disabled account is refused at once; a disabled
   * or deleted device heard through the network server goes offline at once.
   */
  accountCaches: Array<{ forget(): void; endDevice?(deviceId: string, reason: string): void }> = [],
): Promise<Subscription> {
  return bus.subscribe(
    durable,
    lifecycleSubject,
    async (e: EventEnvelope) => {
      const data = e.data as { kind: string; op: string; deviceId?: string };
      if (data.kind === 'account' && data.op === 'disable') for (const c of accountCaches) c.forget();
      if (data.kind !== 'device' || !data.deviceId) return;
      try {
        if (data.op === 'enable' || data.op === 'rotate_secret') {
          for (const i of ingests) i.forgetFailures();
          return;
        }
        const [row] = await database.db
          .select({ enabled: devices.enabled })
          .from(devices)
          .where(eq(devices.id, data.deviceId));
        if (!row?.enabled) {
          for (const i of ingests) i.tokens.revokeDevice(data.deviceId);
          for (const c of accountCaches) c.endDevice?.(data.deviceId, row ? 'device disabled' : 'device deleted');
        }
      } catch (err) {
        log?.warn({ err, subject: e.subject }, 'device lifecycle event not applied to HTTP/CoAP tokens');
      }
    },
    processListener,
  );
}
