import {
  type CoapDevice,
  coapDevice,
  connectDevice,
  type DeviceClient,
  type HttpDevice,
  httpDevice,
  type PlatformReply,
} from '@shequ/device-sdk';
import type { Protocol, SimKind, SimMessage, SimState } from './catalog.ts';
import type { SimDevice } from './provision.ts';

/** Where the platform's device listeners are; a missing one makes its devices fall back to another protocol. */
export interface SimEndpoints {
  mqttUrl?: string;
  httpUrl?: string;
  coap?: { host: string; port: number };
}

export interface SimulatorOptions {
  kinds: SimKind[];
  devices: SimDevice[];
  /** Messages per second over all devices. */
  rate: number;
  endpoints: SimEndpoints;
  log?: { warn(o: object, msg: string): void };
  random?: () => number;
  /** Sends waiting for an answer beyond which a tick is skipped (a slow platform is not flooded). */
  maxInFlight?: number;
}

type Client =
  | { protocol: 'mqtt'; c: DeviceClient }
  | { protocol: 'http'; c: HttpDevice }
  | { protocol: 'coap'; c: CoapDevice };

export interface SimStats {
  sent: number;
  accepted: number;
  refused: number;
  failed: number;
  byProtocol: Record<Protocol, number>;
}

/**
 * Drives the simulated devices through the public protocols (MQTT, HTTP, CoAP via the device SDK), one message per
 * tick, round robin, at the configured rate.
 */
export class Simulator {
  readonly stats: SimStats = { sent: 0, accepted: 0, refused: 0, failed: 0, byProtocol: { mqtt: 0, http: 0, coap: 0 } };
  readonly #o: SimulatorOptions;
  readonly #kinds: Map<string, SimKind>;
  readonly #clients = new Map<string, Promise<Client>>();
  readonly #state = new Map<string, SimState>();
  #timer: NodeJS.Timeout | null = null;
  #next = 0;
  #inFlight = 0;
  #lastWarn = 0;

  constructor(o: SimulatorOptions) {
    this.#o = o;
    this.#kinds = new Map(o.kinds.map((k) => [k.model, k]));
  }

  start(): void {
    if (this.#timer || this.#o.devices.length === 0) return;
    this.#timer = setInterval(() => this.#tick(), Math.max(1, 1000 / this.#o.rate));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const clients = await Promise.allSettled(this.#clients.values());
    this.#clients.clear();
    for (const c of clients) {
      if (c.status !== 'fulfilled') continue;
      if (c.value.protocol === 'mqtt') await c.value.c.close().catch(() => {});
      if (c.value.protocol === 'coap') await c.value.c.close();
    }
  }

  /** The protocol a kind uses here: its own when that listener runs, else HTTP, else MQTT. */
  protocolOf(kind: SimKind): Protocol | null {
    const e = this.#o.endpoints;
    const has = (p: Protocol) => (p === 'mqtt' ? !!e.mqttUrl : p === 'http' ? !!e.httpUrl : !!e.coap);
    return [kind.protocol, 'http' as const, 'mqtt' as const].find(has) ?? null;
  }

  #tick() {
    if (this.#inFlight >= (this.#o.maxInFlight ?? 20)) return;
    const d = this.#o.devices[this.#next++ % this.#o.devices.length];
    const kind = this.#kinds.get(d.model);
    if (!kind) return;
    const key = `${d.productKey}/${d.deviceName}`;
    const state = this.#state.get(key) ?? {};
    this.#state.set(key, state);
    const msg = kind.next(state, this.#o.random ?? Math.random);
    this.#inFlight++;
    this.#send(kind, d, msg)
      .then((r) => {
        if (r.code === 200) this.stats.accepted++;
        else {
          this.stats.refused++;
          this.#warn({ device: key, code: r.code, message: r.message }, 'simulator: a message was refused');
        }
      })
      .catch((err: Error) => {
        this.stats.failed++;
        this.#clients.delete(key); // connect again on the next tick
        this.#warn({ device: key, err: err.message }, 'simulator: sending failed');
      })
      .finally(() => this.#inFlight--);
  }

  async #send(kind: SimKind, d: SimDevice, msg: SimMessage): Promise<PlatformReply> {
    const client = await this.#client(kind, d);
    this.stats.sent++;
    this.stats.byProtocol[client.protocol]++;
    return msg.kind === 'properties'
      ? client.c.postProperties(msg.params)
      : client.c.postEvent(msg.identifier, msg.value);
  }

  #client(kind: SimKind, d: SimDevice): Promise<Client> {
    const key = `${d.productKey}/${d.deviceName}`;
    let c = this.#clients.get(key);
    if (!c) {
      c = this.#open(kind, d);
      this.#clients.set(key, c);
    }
    return c;
  }

  async #open(kind: SimKind, d: SimDevice): Promise<Client> {
    const e = this.#o.endpoints;
    const protocol = this.protocolOf(kind);
    if (protocol === 'mqtt')
      return { protocol, c: await connectDevice({ url: e.mqttUrl!, device: d, timestamp: true }) };
    if (protocol === 'http') return { protocol, c: httpDevice({ url: e.httpUrl!, device: d }) };
    if (protocol === 'coap') return { protocol, c: coapDevice({ ...e.coap!, device: d }) };
    throw new Error('no device listener to talk to');
  }

  /** At most one warning every 30 s: a platform that is down must not flood the log. */
  #warn(o: object, msg: string) {
    if (Date.now() - this.#lastWarn < 30_000) return;
    this.#lastWarn = Date.now();
    this.#o.log?.warn(o, msg);
  }
}
