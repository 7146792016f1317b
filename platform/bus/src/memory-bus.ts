import { type Bus, type EventEnvelope, type Handler, type Subscription, subjectMatches } from './types.ts';

interface Sub {
  durable: string;
  subject: string;
  handler: Handler;
}

/**
 * The embedded bus. `publish` resolves only after every matching subscriber handled the event, so the outbox
 * relay marks an event published only once it was consumed: a crash before that replays it from the outbox.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly #subs = new Set<Sub>();

  async publish(event: EventEnvelope): Promise<void> {
    const failures: unknown[] = [];
    for (const sub of this.#subs) {
      if (!subjectMatches(sub.subject, event.subject)) continue;
      try {
        await sub.handler(event);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length)
      throw new AggregateError(failures, `${failures.length} consumer(s) failed on ${event.subject} ${event.id}`);
  }

  /** The embedded bus keeps no history, so every subscription starts with new events (`opts.from` is moot). */
  async subscribe(durable: string, subject: string, handler: Handler): Promise<Subscription> {
    const sub = { durable, subject, handler };
    this.#subs.add(sub);
    return { stop: async () => void this.#subs.delete(sub) };
  }

  async close(): Promise<void> {
    this.#subs.clear();
  }
}
