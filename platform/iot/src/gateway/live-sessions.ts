import type { Logger } from '@shequ/core';
import type { ThingModel } from '@shequ/schemas';
import type { Client } from 'aedes';
import type { DeviceSession, Session } from './authenticator.ts';
import type { DeviceStates } from './states.ts';

/**
 * The sessions live on this gateway, by device and by application account. A device session is registered when
 * authentication succeeds, before the CONNACK: from then on its uplinks may arrive, and an older session of the
 * same identity is closed at once (the newer connection wins, as in Alink). The socket's close, whatever caused
 * it, ends the session.
 */
export class LiveSessions {
  readonly #states: DeviceStates;
  readonly #log?: Logger;
  readonly #sessions = new WeakMap<Client, Session>();
  readonly #devices = new Map<string, Client>();
  readonly #apps = new Map<string, Set<Client>>();
  readonly #online = new WeakMap<Client, Promise<void>>();

  constructor(states: DeviceStates, log?: Logger) {
    this.#states = states;
    this.#log = log;
  }

  get(client: Client): Session | undefined {
    return this.#sessions.get(client);
  }

  get onlineDevices(): number {
    return this.#devices.size;
  }

  isOnline(deviceId: string): boolean {
    return this.#devices.has(deviceId);
  }

  add(client: Client, s: Session, ip: string | null): void {
    this.#sessions.set(client, s);
    if (s.kind === 'register') return;
    if (s.kind === 'app') {
      const set = this.#apps.get(s.username) ?? new Set();
      set.add(client);
      this.#apps.set(s.username, set);
      client.conn.once('close', () => {
        set.delete(client);
        if (set.size === 0 && this.#apps.get(s.username) === set) this.#apps.delete(s.username);
      });
      return;
    }
    const id = s.identity.id;
    const previous = this.#devices.get(id);
    this.#devices.set(id, client);
    if (previous && previous !== client) previous.close();
    this.#online.set(
      client,
      this.#states.online(s.identity, client, ip).catch((err) => {
        this.#log?.error({ err }, 'mqtt: marking a device online failed');
      }),
    );
    client.conn.once('close', () => this.#gone(client, s, 'connection closed'));
  }

  /** Resolves once the device's online state is stored (what desired-state delivery waits for). */
  whenOnline(client: Client): Promise<DeviceSession | undefined> {
    const s = this.#sessions.get(client);
    if (s?.kind !== 'device') return Promise.resolve(undefined);
    return (this.#online.get(client) ?? Promise.resolve()).then(() => s);
  }

  #gone(client: Client, s: DeviceSession, reason: string) {
    if (this.#devices.get(s.identity.id) === client) this.#devices.delete(s.identity.id);
    void this.#states.offline(s.identity, client, reason);
  }

  /** A new thing model applies to live sessions of the product at once (posts are checked against it). */
  updateModel(productKey: string, model: ThingModel): number {
    let n = 0;
    for (const c of this.#devices.values()) {
      const s = this.#sessions.get(c);
      if (s?.kind === 'device' && s.identity.productKey === productKey) {
        s.identity.thingModel = model;
        n++;
      }
    }
    return n;
  }

  deviceSession(deviceId: string): DeviceSession | undefined {
    const c = this.#devices.get(deviceId);
    const s = c && this.#sessions.get(c);
    return s?.kind === 'device' ? s : undefined;
  }

  kickDevice(deviceId: string): boolean {
    const c = this.#devices.get(deviceId);
    c?.close();
    return c !== undefined;
  }

  kickAccount(username: string): number {
    const set = this.#apps.get(username);
    for (const c of set ?? []) c.close();
    return set?.size ?? 0;
  }
}
