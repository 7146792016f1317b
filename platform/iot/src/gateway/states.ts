import { enqueue } from '@shequ/bus';
import type { Database } from '@shequ/db';
import { iotSubject } from '../ingest/writer.ts';
import type { DeviceIdentity } from '../registry/devices-repo.ts';
import { markOffline, markOnline, resumeOnline } from '../registry/devices-repo.ts';

/**
 * Online/offline bookkeeping (7.3.2.3.2). Changes of one device run one after another, each session carries the
 * epoch it was given at connect, and an offline only applies to its own epoch: a kicked session that disconnects
 * after its successor connected leaves the device online. Every change is stored and published on the bus.
 *
 * Debounce: with `offlineDebounceMs` > 0 a disconnect is held back that long. A device that reconnects within it
 * (a flaky link, a firmware reboot) never went offline: its new session takes a new epoch and nothing is stored or
 * published, so rules on `offline` and the online history do not flap. Otherwise the offline is stored and
 * published with the time of the disconnect, not of the end of the wait.
 */
export class DeviceStates {
  readonly #database: Database;
  readonly #onCommit?: () => void;
  readonly #debounceMs: number;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #epochs = new WeakMap<object, number>();
  readonly #pending = new Map<string, { timer: NodeJS.Timeout; fire: () => void }>();

  constructor(database: Database, onCommit?: () => void, offlineDebounceMs = 0) {
    this.#database = database;
    this.#onCommit = onCommit;
    this.#debounceMs = offlineDebounceMs;
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
    const held = this.#pending.get(d.id);
    if (held) {
      // Back within the debounce window: the held offline is dropped and the device stays online.
      clearTimeout(held.timer);
      this.#pending.delete(d.id);
      return this.#then(d.id, async () => {
        this.#epochs.set(session, await resumeOnline(this.#database.db, d.id, ip));
      });
    }
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
    const at = new Date();
    const apply = () =>
      this.#then(d.id, async () => {
        const epoch = this.#epochs.get(session);
        if (epoch === undefined) return;
        this.#epochs.delete(session);
        const changed = await this.#database.db.transaction(async (tx) => {
          if (!(await markOffline(tx, d.id, epoch, reason, at))) return false;
          await enqueue(tx, {
            subject: iotSubject(sender(d), 'state'),
            communityId: d.communityId,
            data: { ...names(d), state: 'offline', epoch, reason, time: at.getTime() },
          });
          return true;
        });
        if (changed) this.#onCommit?.();
      });
    if (this.#debounceMs <= 0 || !this.#epochs.has(session)) return apply();
    return new Promise<void>((resolve, reject) => {
      const fire = () => {
        this.#pending.delete(d.id);
        apply().then(resolve, reject);
      };
      const previous = this.#pending.get(d.id);
      if (previous) {
        clearTimeout(previous.timer);
        previous.fire();
      }
      const timer = setTimeout(fire, this.#debounceMs);
      timer.unref();
      this.#pending.set(d.id, { timer, fire });
    });
  }

  /** Applies held offlines now and waits for every pending change (on shutdown and in tests). */
  async settle(): Promise<void> {
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.fire();
    }
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
