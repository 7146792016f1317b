import type { Logger } from '@shequ/core';
import type { Database } from '@shequ/db';
import { DeviceStates } from '../gateway/states.ts';
import type { DeviceIdentity } from '../registry/devices-repo.ts';
import { DEFAULT_OFFLINE_AFTER_SECONDS, type NetworkServers } from './network-servers.ts';

type Seen = Pick<DeviceIdentity, 'id' | 'communityId' | 'productKey' | 'deviceName'>;

/**
 * Online state of devices the platform only hears through a network server. There is no connection to watch, so
 * an accepted uplink is the sign of life: the first one opens a presence (the device goes online, a new session
 * epoch, a history row and a `state` event on the bus, exactly as an MQTT connect through `DeviceStates`), each
 * later one restarts its silence timer, and a device silent for the community's window (its network-server
 * connection's `offlineAfterSeconds`, 30 minutes without one: two uplinks missed at a typical 15-minute interval)
 * goes offline with reason `silence`.
 *
 * The presence lives in the process that receives the uplinks, like an HTTP device's token: stopping the listener
 * marks its devices offline, and a device whose uplinks alternate between two processes opens a presence in each.
 */
export class NetworkPresence {
  readonly #states: DeviceStates;
  readonly #servers: NetworkServers | undefined;
  readonly #offlineAfterMs: number | undefined;
  readonly #log: Logger | undefined;
  readonly #live = new Map<string, { device: Seen; session: object; timer: NodeJS.Timeout }>();

  constructor(o: {
    database: Database;
    servers?: NetworkServers;
    /** Overrides every community's window (tests). */
    offlineAfterMs?: number;
    onStateCommitted?: () => void;
    log?: Logger;
  }) {
    this.#states = new DeviceStates(o.database, o.onStateCommitted);
    this.#servers = o.servers;
    this.#offlineAfterMs = o.offlineAfterMs;
    this.#log = o.log;
  }

  async #windowMs(communityId: string): Promise<number> {
    if (this.#offlineAfterMs !== undefined) return this.#offlineAfterMs;
    const s = await this.#servers?.forCommunity(communityId).catch(() => null);
    return (s?.offlineAfterSeconds ?? DEFAULT_OFFLINE_AFTER_SECONDS) * 1000;
  }

  /** An uplink of the device was accepted: online now (if it was not), offline after the silence window. */
  async seen(d: Seen): Promise<void> {
    const ms = await this.#windowMs(d.communityId);
    let p = this.#live.get(d.id);
    if (p) clearTimeout(p.timer);
    else {
      const session = {};
      p = { device: d, session, timer: undefined as unknown as NodeJS.Timeout };
      this.#live.set(d.id, p);
      // DeviceStates reads only the id, community and names of the identity.
      await this.#states.online(d as DeviceIdentity, session, null).catch((err) => {
        this.#log?.warn({ err }, 'lorawan: marking a device online failed');
      });
    }
    const live = p;
    live.timer = setTimeout(() => {
      if (this.#live.get(d.id) !== live) return;
      this.#live.delete(d.id);
      void this.#states.offline(d as DeviceIdentity, live.session, 'silence').catch((err) => {
        this.#log?.warn({ err }, 'lorawan: marking a device offline failed');
      });
    }, ms);
    live.timer.unref();
  }

  /** Whether the device has a presence here (an uplink within its window). */
  has(deviceId: string): boolean {
    return this.#live.has(deviceId);
  }

  /** Ends a presence now (the device was disabled or deleted). */
  end(deviceId: string, reason: string): void {
    const p = this.#live.get(deviceId);
    if (!p) return;
    clearTimeout(p.timer);
    this.#live.delete(deviceId);
    void this.#states.offline(p.device as DeviceIdentity, p.session, reason).catch(() => {});
  }

  /** Every device held here goes offline (the listener stops); waits until that is stored. */
  async close(reason = 'lorawan listener stopped'): Promise<void> {
    for (const id of [...this.#live.keys()]) this.end(id, reason);
    await this.#states.settle();
  }
}
