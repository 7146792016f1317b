import { type AuditEntry, appendAudit, type FieldCrypto, type Logger } from '@shequ/core';
import { type Database, products } from '@shequ/db';
import type { ThingModel } from '@shequ/schemas';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { eq } from 'drizzle-orm';
import { type DeviceTopic, deviceMayUse, parseTopic } from '../alink/topics.ts';
import type { CodecRunner } from '../codec/codec.ts';
import { ProductCodecs } from '../codec/product-codecs.ts';
import type { ParseLimits } from '../ingest/parse-post.ts';
import type { TelemetryWriter } from '../ingest/writer.ts';
import { accountMayPublish, accountMaySubscribe, productAllowed } from './acl.ts';
import { type AccountSession, Authenticator, connack, type DeviceSession } from './authenticator.ts';
import { LiveSessions } from './live-sessions.ts';
import { ConnectLimiter, NegativeCache } from './rate-limit.ts';
import type { RegisterSession } from './registration.ts';
import { DeviceStates } from './states.ts';
import { jsonPacket, type ListenOptions, openListeners, sendTo, verifiedCertificate } from './transport.ts';

export type { ListenOptions };

import { Uplinks } from './uplinks.ts';

export interface GatewayOptions {
  database: Database;
  crypto: FieldCrypto;
  writer: TelemetryWriter;
  log?: Logger;
  /** Connects per address: burst and sustained rate. */
  connectLimit?: { burst: number; perSecond: number };
  globalConnectLimit?: { burst: number; perSecond: number };
  negativeCacheMs?: number;
  maxTimestampSkewMs?: number | null;
  limits?: Partial<ParseLimits>;
  /** Uplinks waiting for the writer beyond which new ones are answered 503 (flow control). */
  maxPendingWrites?: number;
  /** Called after a device came online (the downlink delivers desired state here). */
  onOnline?: (s: DeviceSession) => void;
  onReply?: (s: DeviceSession, topic: string, payload: Buffer) => void;
  onStateCommitted?: () => void;
  /** How long a disconnect is held back before the device counts as offline (0: at once). */
  offlineDebounceMs?: number;
  /** Product codecs (raw-data topics); made from `codecRunner` when not given. */
  codecs?: ProductCodecs;
  /** Runs codec scripts (the platform's sandbox); without one, raw posts are answered 503. */
  codecRunner?: CodecRunner;
}

interface ConnectMeta {
  clientId: string;
  clean: boolean;
  ip: string | null;
}

/**
 * The MQTT gateway (aedes, MQTT 3.1.1): Alink device credentials and application accounts, per-topic
 * authorisation, synchronous thing-model checks before anything is forwarded, and one live session per identity.
 */
export class MqttGateway {
  readonly #o: GatewayOptions;
  readonly #auth: Authenticator;
  readonly #limiter: ConnectLimiter;
  readonly #negative: NegativeCache;
  readonly #uplinks: Uplinks;
  readonly #meta = new WeakMap<Client, ConnectMeta>();
  readonly #live: LiveSessions;
  /** Payloads refused by the thing-model check: never forwarded to subscribers (matched by buffer identity). */
  readonly #rejected = new WeakSet<Buffer>();
  readonly #lastTopic = new WeakMap<DeviceSession, { name: string; parsed: DeviceTopic }>();
  readonly products = new Map<string, string>();
  readonly states: DeviceStates;
  readonly codecs: ProductCodecs;
  #broker: Aedes | null = null;
  #closeListeners: () => void = () => {};

  constructor(o: GatewayOptions) {
    this.#o = o;
    this.#negative = new NegativeCache(o.negativeCacheMs ?? 60_000);
    this.#auth = new Authenticator(o.database.db, o.crypto, this.#negative, {
      maxTimestampSkewMs: o.maxTimestampSkewMs,
    });
    this.#limiter = new ConnectLimiter(
      o.connectLimit ?? { burst: 200, perSecond: 100 },
      o.globalConnectLimit ?? { burst: 2000, perSecond: 1000 },
    );
    this.codecs = o.codecs ?? new ProductCodecs(o.database.db, o.codecRunner);
    this.#uplinks = new Uplinks({
      codecs: this.codecs,
      database: o.database,
      writer: o.writer,
      log: o.log,
      limits: o.limits,
      maxPendingWrites: o.maxPendingWrites,
      rejected: this.#rejected,
      reply: (client, topic, payload) => this.#replyTo(client, topic, payload),
    });
    this.states = new DeviceStates(o.database, o.onStateCommitted, o.offlineDebounceMs ?? 0);
    this.#live = new LiveSessions(this.states, o.log);
  }

  get broker(): Aedes {
    if (!this.#broker) throw new Error('gateway not started');
    return this.#broker;
  }

  /** Number of devices with a live session on this gateway. */
  get onlineDevices(): number {
    return this.#live.onlineDevices;
  }

  async listen(opts: ListenOptions): Promise<{ port: number; tlsPort?: number }> {
    const broker = await Aedes.createBroker({
      preConnect: (client, packet, cb) => {
        this.#meta.set(client, {
          clientId: packet.clientId,
          clean: packet.clean !== false,
          ip: (client.conn as { remoteAddress?: string }).remoteAddress ?? null,
        });
        cb(null, true);
      },
      authenticate: (client, username, password, done) => {
        this.#authenticate(client, username, password).then(
          (code) => {
            if (code === 0) done(null, true);
            else done(Object.assign(new Error('connection refused'), { returnCode: code }), null);
          },
          (err) => {
            this.#o.log?.error({ err }, 'mqtt authenticate failed');
            done(Object.assign(new Error('server unavailable'), { returnCode: connack.UNAVAILABLE }), null);
          },
        );
      },
      authorizePublish: (client, packet, cb) => {
        if (!client) return cb(null);
        this.#authorizePublish(client, packet).then(
          (err) => cb(err),
          (err) => cb(err as Error),
        );
      },
      authorizeSubscribe: (client, sub, cb) => {
        this.#authorizeSubscribe(client, sub.topic).then(
          (ok) => cb(null, ok ? sub : null),
          () => cb(null, null),
        );
      },
      authorizeForward: (client, packet) => {
        if (this.#rejected.has(packet.payload as Buffer)) return null;
        const s = this.#live.get(client);
        // Checked again at delivery: a filter such as /sys/+/… is fine, but only its own community's data passes.
        if (s?.kind === 'app' && !productAllowed(s, parseTopic(packet.topic), this.products)) return null;
        return packet;
      },
    });
    this.#broker = broker;
    broker.on('clientReady', (client) => this.#ready(client));
    const listeners = await openListeners(broker, opts);
    this.#closeListeners = listeners.close;
    return { port: listeners.port, tlsPort: listeners.tlsPort };
  }

  async close(): Promise<void> {
    this.#closeListeners();
    if (this.#broker) await new Promise<void>((resolve) => this.#broker!.close(() => resolve()));
    this.#broker = null;
    await this.states.settle();
  }

  /** The live session of a device on this gateway, if it has one. */
  deviceSession(deviceId: string): DeviceSession | undefined {
    return this.#live.deviceSession(deviceId);
  }

  /** Forgets cached auth failures (after a secret rotation or an enable). */
  forgetFailures(): void {
    this.#negative.clear();
  }

  /** Ends the live session of a device (disabled, deleted). */
  kickDevice(deviceId: string): boolean {
    return this.#live.kickDevice(deviceId);
  }

  /** Ends every session of an application account (disabled). */
  kickAccount(username: string): number {
    return this.#live.kickAccount(username);
  }

  /** Applies a product's new thing model to its live sessions. */
  updateModel(productKey: string, model: ThingModel): number {
    return this.#live.updateModel(productKey, model);
  }

  isOnline(deviceId: string): boolean {
    return this.#live.isOnline(deviceId);
  }

  /** Publishes a platform message to a topic (downlink or reply). */
  publish(topic: string, payload: unknown, qos: 0 | 1 = 0): Promise<void> {
    return new Promise((resolve, reject) =>
      this.broker.publish(jsonPacket(topic, payload, qos), (err) => (err ? reject(err) : resolve())),
    );
  }

  async #authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<number> {
    const meta = this.#meta.get(client) ?? { clientId: client.id, clean: true, ip: null };
    // MQTT-3.1.3-8: a client without an id must ask for a clean session.
    if (meta.clientId === '' && !meta.clean) return connack.IDENTIFIER_REJECTED;
    if (!this.#limiter.allow(meta.ip ?? 'unknown')) return connack.UNAVAILABLE;
    const r = await this.#auth.authenticate(meta.clientId, username, password, verifiedCertificate(client));
    if (!r.ok) {
      if (!r.cached)
        await this.#audit({
          subject: r.subject,
          action: 'iot.mqtt.connect',
          result: 'failure',
          sourceIp: meta.ip,
          detail: { reason: r.reason, code: r.code },
        });
      return r.code;
    }
    if (r.session.kind === 'device') this.products.set(r.session.identity.productKey, r.session.identity.communityId);
    this.#live.add(client, r.session, meta.ip);
    return 0;
  }

  /** Once the session is ready (subscriptions restored), the device gets what it missed while offline. */
  #ready(client: Client) {
    const s = this.#live.get(client);
    if (s?.kind === 'register') return this.#sendRegistration(client, s);
    void this.#live.whenOnline(client).then((s) => s && this.#o.onOnline?.(s));
  }

  /**
   * Replies go straight to the device's connection, not through the broker's routing: nobody else needs them, and
   * thousands of replies after one committed batch would otherwise queue up in the broker's emitter. The socket is
   * corked until the reply is written (aedes writes a QoS 0 message in a later turn of the event loop), so the PUBACK
   * of the post it answers, written meanwhile, leaves in the same write: half the system calls per post (on a
   * virtual machine, each costs tens of microseconds).
   */
  #replyTo(client: Client, topic: string, payload: unknown) {
    const conn = (client as unknown as { conn?: { cork?: () => void; uncork?: () => void } }).conn;
    conn?.cork?.();
    sendTo(client, topic, payload, true);
    setImmediate(() => conn?.uncork?.());
  }

  /** The new secret goes to this client only (never through the broker's routing), then the session ends. */
  #sendRegistration(client: Client, s: RegisterSession) {
    const { productKey, deviceName, deviceSecret } = s;
    sendTo(client, '/ext/register', { productKey, deviceName, deviceSecret }, false, () =>
      setTimeout(() => client.close(), 200),
    );
  }

  async #authorizePublish(client: Client, packet: PublishPacket): Promise<Error | null> {
    const s = this.#live.get(client);
    if (!s) return new Error('not authenticated');
    if (s.kind === 'app') return this.#appPublish(s, packet.topic);
    if (s.kind === 'register') return new Error('a registration session does not publish');
    const id = s.identity;
    // A device posts to the same few topics again and again: the last one it was allowed is remembered with its
    // parse, so a steady stream of posts skips both (a topic is a device's own or not for the whole session).
    const last = this.#lastTopic.get(s);
    const topic = last?.name === packet.topic ? last.parsed : this.#allowedTopic(s, packet.topic);
    if (!topic) {
      await this.#audit({
        subject: `device:${id.productKey}/${id.deviceName}`,
        action: 'iot.mqtt.publish',
        communityId: id.communityId,
        objectType: 'iot.topic',
        objectId: packet.topic.slice(0, 200),
        result: 'denied',
      });
      return new Error('topic not allowed for this device');
    }
    const payload = packet.payload as Buffer;
    if (topic.kind === 'property-post' || topic.kind === 'event-post')
      await this.#uplinks.post(client, s, packet.topic, topic, payload);
    else if (topic.kind === 'raw-up') await this.#uplinks.raw(client, s, packet.topic, payload);
    else if (topic.kind === 'shadow') this.#uplinks.shadow(client, s, payload);
    else if (topic.kind === 'reply') this.#o.onReply?.(s, packet.topic, payload);
    return null;
  }

  /** The parsed topic when the device may publish to it (remembered as its last topic), else null. */
  #allowedTopic(s: DeviceSession, name: string): DeviceTopic | null {
    if (!deviceMayUse(name, s.identity, 'publish')) return null;
    const parsed = parseTopic(name);
    if (parsed) this.#lastTopic.set(s, { name, parsed });
    return parsed;
  }

  async #appPublish(s: AccountSession, topic: string): Promise<Error | null> {
    const parsed = parseTopic(topic);
    if (parsed && !this.products.has(parsed.productKey)) await this.#learnProduct(parsed.productKey);
    if (accountMayPublish(s, topic, this.products)) return null;
    await this.#audit({
      subject: `mqtt-account:${s.username}`,
      action: 'iot.mqtt.publish',
      communityId: s.communityId,
      objectType: 'iot.topic',
      objectId: topic.slice(0, 200),
      result: 'denied',
    });
    return new Error('topic not allowed for this account');
  }

  async #authorizeSubscribe(client: Client, filter: string): Promise<boolean> {
    const s = this.#live.get(client);
    if (!s) return false;
    if (s.kind === 'register') return filter === '/ext/register';
    const ok = s.kind === 'device' ? deviceMayUse(filter, s.identity, 'subscribe') : accountMaySubscribe(s, filter);
    if (!ok) {
      await this.#audit({
        subject:
          s.kind === 'device'
            ? `device:${s.identity.productKey}/${s.identity.deviceName}`
            : `mqtt-account:${s.username}`,
        action: 'iot.mqtt.subscribe',
        communityId: s.kind === 'device' ? s.identity.communityId : s.communityId,
        objectType: 'iot.topic',
        objectId: filter.slice(0, 200),
        result: 'denied',
      });
    }
    return ok;
  }

  async #learnProduct(productKey: string) {
    const [p] = await this.#o.database.db
      .select({ communityId: products.communityId })
      .from(products)
      .where(eq(products.productKey, productKey));
    if (p) this.products.set(productKey, p.communityId);
  }

  async #audit(e: Omit<AuditEntry, 'result'> & { result: AuditEntry['result'] }) {
    try {
      await appendAudit(this.#o.database.db, e);
    } catch (err) {
      this.#o.log?.error({ err }, 'mqtt audit failed');
    }
  }
}
