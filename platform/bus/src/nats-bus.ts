import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Bus, EventEnvelope, Handler, SubscribeOptions, Subscription } from './types.ts';

export interface NatsBusOptions {
  /** JetStream stream holding all platform events. */
  stream?: string;
  /** Prepended to every subject on the wire; lets tests and several installations share one NATS. */
  prefix?: string;
  /**
   * How long the stream keeps an event (seconds, default 7 days): a consumer away for longer misses what expired.
   * 0 keeps events until the server's own limits.
   */
  maxAgeSeconds?: number;
}

/** Events stay in the platform stream a week unless configured otherwise. */
export const defaultStreamMaxAgeSeconds = 7 * 86_400;

/** NATS JetStream: durable consumers, explicit acks, server-side dedupe by event id within the duplicate window. */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #prefix: string;
  readonly #subs = new Set<Subscription>();

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, stream: string, prefix: string) {
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#prefix = prefix;
  }

  static async connect(url: string, opts: NatsBusOptions = {}): Promise<NatsBus> {
    const stream = opts.stream ?? 'SHEQU';
    const prefix = opts.prefix ?? '';
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, name: `shequ-${process.pid}`, timeout: 5000 });
    } catch (err) {
      throw new Error(`cannot connect to NATS_URL (${url}): ${(err as Error).message}`);
    }
    const jsm = await jetstreamManager(nc);
    const subjects = [`${prefix}shequ.>`];
    // Nanoseconds, as JetStream counts; the duplicate window (2 minutes) must not exceed the age.
    const maxAge = (opts.maxAgeSeconds ?? defaultStreamMaxAgeSeconds) * 1_000_000_000;
    const limits = { subjects, duplicate_window: 120_000_000_000, max_age: maxAge };
    try {
      await jsm.streams.info(stream);
      await jsm.streams.update(stream, limits);
    } catch {
      await jsm.streams.add({ name: stream, ...limits });
    }
    return new NatsBus(nc, jetstream(nc), jsm, stream, prefix);
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.#js.publish(`${this.#prefix}${event.subject}`, JSON.stringify(event), { msgID: event.id });
  }

  async subscribe(
    durable: string,
    subject: string,
    handler: Handler,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    const name = durable.replace(/[^A-Za-z0-9_-]/g, '_');
    try {
      await this.#jsm.consumers.info(this.#stream, name);
    } catch {
      await this.#jsm.consumers.add(this.#stream, {
        durable_name: name,
        filter_subject: `${this.#prefix}${subject}`,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: opts.from === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
        ack_wait: 30_000_000_000,
        ...(opts.idleSeconds ? { inactive_threshold: opts.idleSeconds * 1_000_000_000 } : {}),
      });
    }
    const consumer = await this.#js.consumers.get(this.#stream, name);
    const messages = await consumer.consume({ max_messages: 100 });
    const loop = (async () => {
      for await (const m of messages) {
        try {
          await handler(m.json<EventEnvelope>());
          m.ack();
        } catch {
          m.nak(1000);
        }
      }
    })();
    const sub: Subscription = {
      stop: async () => {
        this.#subs.delete(sub);
        await messages.close();
        await loop;
      },
    };
    this.#subs.add(sub);
    return sub;
  }

  /** Names of the stream's consumers (tests and diagnostics). */
  async consumerNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const c of this.#jsm.consumers.list(this.#stream)) names.push(c.name);
    return names;
  }

  /** How long the stream keeps events, in seconds (0: no age limit). */
  async maxAgeSeconds(): Promise<number> {
    const info = await this.#jsm.streams.info(this.#stream);
    return Number(info.config.max_age) / 1_000_000_000;
  }

  /** Removes the stream (tests only). */
  async destroy(): Promise<void> {
    await this.#jsm.streams.delete(this.#stream);
  }

  async close(): Promise<void> {
    for (const s of [...this.#subs]) await s.stop();
    await this.#nc.drain();
  }
}
