import type { Logger } from '@shequ/core';
import type { Database } from '@shequ/db';
import type { Client } from 'aedes';
import type { DeviceTopic } from '../alink/topics.ts';
import type { ProductCodecs } from '../codec/product-codecs.ts';
import { defaultLimits, type ParseLimits, parsePost } from '../ingest/parse-post.ts';
import { type ReplyPayload, replyCodes } from '../ingest/reply.ts';
import { parseShadowUpdate, shadowOk, shadowState } from '../ingest/shadow.ts';
import type { Sender, TelemetryWriter } from '../ingest/writer.ts';
import type { DeviceSession } from './authenticator.ts';
import { subscribed } from './transport.ts';

export interface UplinkOptions {
  database: Database;
  writer: TelemetryWriter;
  log?: Logger;
  limits?: Partial<ParseLimits>;
  maxPendingWrites?: number;
  /** Payloads the gateway must not forward to subscribers. */
  rejected: WeakSet<Buffer>;
  /** Product codecs for binary posts on `thing/model/up_raw`. */
  codecs: ProductCodecs;
  /** Sends an answer to the device that posted (only it, and only when it subscribed to the topic). */
  reply(client: Client, topic: string, payload: unknown): void;
}

const senders = new WeakMap<DeviceSession, Sender>();

/** Who sent an uplink, made once per session. */
function sender(s: DeviceSession): Sender {
  let known = senders.get(s);
  if (!known) {
    const { id, communityId, productKey, deviceName } = s.identity;
    known = { deviceId: id, communityId, productKey, deviceName };
    senders.set(s, known);
  }
  return known;
}

/**
 * Device uplinks the platform consumes: property and event posts (checked, stored, answered on `_reply`) and
 * shadow updates. The check runs synchronously inside authorizePublish, so a refused payload is marked before
 * aedes forwards anything. A post's promise settles once it is answered (stored, or refused): the gateway holds the
 * QoS 1 PUBACK until then, so the acknowledgement means stored and leaves with the `_reply` in one write.
 */
export class Uplinks {
  readonly #o: UplinkOptions;
  readonly #limits: ParseLimits;
  readonly #maxPending: number;

  constructor(o: UplinkOptions) {
    this.#o = o;
    this.#limits = { ...defaultLimits, ...o.limits };
    this.#maxPending = o.maxPendingWrites ?? 50_000;
  }

  post(
    client: Client,
    s: DeviceSession,
    topicName: string,
    topic: Extract<DeviceTopic, { kind: 'property-post' | 'event-post' }>,
    payload: Buffer,
    raw?: { bytes: Buffer; method: string },
  ): Promise<void> {
    const r = parsePost(topic, payload, s.identity.thingModel, Date.now(), this.#limits);
    const replyTopic = `${topicName}_reply`;
    // A raw post's payload as published is the bytes: those are what the broker must not forward when refused.
    const published = raw?.bytes ?? payload;
    const send = (body: ReplyPayload) =>
      raw ? void this.#rawReply(client, s, replyTopic, body, raw.method) : this.#o.reply(client, replyTopic, body);
    if (!r.ok) {
      this.#o.rejected.add(published);
      send(r.reply);
      return Promise.resolve();
    }
    const answer = (code: number, message: string) => send({ id: r.uplink.id, code, message, data: {} });
    // Flow control: QoS 0 has no acknowledgement to slow a device down, so a full queue answers 503 instead.
    if (this.#o.writer.pending >= this.#maxPending) {
      this.#o.rejected.add(published);
      answer(replyCodes.UNAVAILABLE, 'busy, retry later');
      return Promise.resolve();
    }
    return this.#o.writer.write(sender(s), r.uplink).then(
      () => answer(replyCodes.OK, 'success'),
      (err) => {
        this.#o.log?.error({ err }, 'telemetry write failed');
        answer(replyCodes.UNAVAILABLE, 'storage unavailable');
      },
    );
  }

  /**
   * `thing/model/up_raw`: the product's codec turns the bytes into an Alink post, which then takes the JSON path
   * (thing-model check, writer, bus). Awaited inside authorizePublish, so refused bytes are never forwarded.
   */
  async raw(client: Client, s: DeviceSession, topicName: string, bytes: Buffer): Promise<void> {
    const id = s.identity;
    const d = await this.#o.codecs.decodeUplink(id.productKey, id.deviceName, bytes, { transport: 'mqtt' });
    if (!d.ok) {
      this.#o.rejected.add(bytes);
      return this.#o.reply(client, `${topicName}_reply`, d.reply);
    }
    await this.post(client, s, topicName, d.topic, d.payload, { bytes, method: String(d.message.method) });
  }

  /** The reply to a raw post goes through `protocolToRawData` when the codec answers bytes for it; else as JSON. */
  async #rawReply(client: Client, s: DeviceSession, topic: string, body: ReplyPayload, method: string) {
    // Most low-power devices never listen for the reply: the codec is not run for nobody.
    if (!subscribed(client, topic)) return;
    const r = await this.#o.codecs.encode(s.identity.productKey, { ...body, method });
    if (!r.ok)
      this.#o.log?.warn({ error: r.error, productKey: s.identity.productKey }, 'codec could not encode a reply');
    this.#o.reply(client, topic, r.ok && r.value ? r.value : body);
  }

  /** `/shadow/update/{pk}/{dn}`: reported state is stored like a property post; the answer goes to /shadow/get. */
  shadow(client: Client, s: DeviceSession, payload: Buffer) {
    const id = s.identity;
    const replyTopic = `/shadow/get/${id.productKey}/${id.deviceName}`;
    const send = (body: unknown) => this.#o.reply(client, replyTopic, body);
    // A shadow update is device state, not data for subscribers: it is answered here and never forwarded.
    this.#o.rejected.add(payload);
    const r = parseShadowUpdate(payload, id.thingModel, Date.now());
    if (r.kind === 'error') return void send(r.reply);
    if (r.kind === 'get') return void shadowState(this.#o.database, id.id).then(send);
    this.#o.writer.write(sender(s), r.uplink).then(
      () => send(shadowOk(r.version)),
      () =>
        send({
          method: 'reply',
          payload: { status: 'error', content: { errorcode: '503', errormessage: 'storage unavailable' } },
        }),
    );
  }
}
