import { enqueue } from '@shequ/bus';
import type { Database } from '@shequ/db';
import { iotSubject } from '../ingest/writer.ts';
import type { DeviceIdentity } from '../registry/devices-repo.ts';
import { markOffline, markOnline } from '../registry/devices-repo.ts';

/**
 * Online/offline bookkeeping (7.3.2.3.2). Changes of one device run one after another, each session carries the
 * epoch it was given at connect, and an offline only applies to its own epoch: a kicked session that disconnects
 * after its successor connected leaves the device online. Every change is stored and published on the bus.
 */
export class DeviceStates {
  readonly #database: Database;
  readonly #onCommit?: () => void;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #epochs = new WeakMap<object, number>();

  constructor(database: Database, onCommit?: () => void) {
    this.#database = database;
    this.#onCommit = onCommit;
  }

  #then(deviceId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.#chains.get(deviceId) ?? Promise.resolve()).then(step);
    const tail = next.catch(() => {});
    this.#chains.set(deviceId, tail);
    tail.then(() => {
      if (this.#chains.get(deviceId) === tail) this.#chains.delete(deviceId);
    });
    return next;
  }

  online(d: DeviceIdentity, session: object, ip: string | null): Promise<void> {
    return this.#then(d.id, async () => {
      await this.#database.db.transaction(async (tx) => {
        const epoch = await markOnline(tx, d.id, ip);
        this.#epochs.set(session, epoch);
        await enqueue(tx, {
          subject: iotSubject(sender(d), 'state'),
          communityId: d.communityId,
          data: { ...names(d), state: 'online', epoch, ip, time: Date.now() },
        });
      });
      this.#onCommit?.();
    });
  }

  offline(d: DeviceIdentity, session: object, reason: string): Promise<void> {
    return this.#then(d.id, async () => {
      const epoch = this.#epochs.get(session);
      if (epoch === undefined) return;
      this.#epochs.delete(session);
      const changed = await this.#database.db.transaction(async (tx) => {
        if (!(await markOffline(tx, d.id, epoch, reason))) return false;
        await enqueue(tx, {
          subject: iotSubject(sender(d), 'state'),
          communityId: d.communityId,
          data: { ...names(d), state: 'offline', epoch, reason, time: Date.now() },
        });
        return true;
      });
      if (changed) this.#onCommit?.();
    });
  }

  /** Waits for every pending change (on shutdown and in tests). */
  async settle(): Promise<void> {
    while (this.#chains.size) await Promise.all(this.#chains.values());
  }
}

const sender = (d: DeviceIdentity) => ({
  deviceId: d.id,
  communityId: d.communityId,
  productKey: d.productKey,
  deviceName: d.deviceName,
});
const names = (d: DeviceIdentity) => ({ productKey: d.productKey, deviceName: d.deviceName, deviceId: d.id });
