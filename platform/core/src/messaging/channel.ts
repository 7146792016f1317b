import type { Logger } from 'pino';

/** A message to one person through some channel (SMS, app push, the provincial app). */
export interface OutboundMessage {
  userId: string;
  /** Plain recipient address for the channel (a phone number for SMS); never logged in full. */
  address?: string;
  template: string;
  vars: Record<string, string>;
  text: string;
}

export interface MessageChannel {
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
}

/** Development channel: writes messages to the application log and calls nobody. */
export class LogChannel implements MessageChannel {
  readonly name = 'dev-log';
  readonly #log: Logger;
  constructor(log: Logger) {
    this.#log = log;
  }
  async send(m: OutboundMessage): Promise<void> {
    this.#log.info({ channel: this.name, userId: m.userId, template: m.template, vars: m.vars }, `message: ${m.text}`);
  }
}

/** Keeps what was sent, for tests. */
export class MemoryChannel implements MessageChannel {
  readonly name = 'memory';
  readonly sent: OutboundMessage[] = [];
  async send(m: OutboundMessage): Promise<void> {
    this.sent.push(m);
  }
}

/** The channels a message goes out on; `in_app` is the inbox itself, the others go through adapters. */
export type ChannelKind = 'in_app' | 'sms' | 'app_push' | 'provincial_push';
export const outsideChannels = ['sms', 'app_push', 'provincial_push'] as const;

/** What an adapter answers for a sent message: its own reference, kept on the delivery. */
export interface DeliveryReceipt {
  providerRef: string;
}

/**
 * An adapter for one outside channel (an SMS gateway, the app push service, the provincial app's push). The
 * message service calls it from the delivery dispatcher; a thrown error marks the delivery failed (and retried).
 */
export interface ChannelAdapter {
  readonly kind: Exclude<ChannelKind, 'in_app'>;
  readonly name: string;
  deliver(message: OutboundMessage & { deliveryId: string }): Promise<DeliveryReceipt>;
}

/**
 * Development sink for any channel: records what would have been sent (in memory, the latest 1,000, and the
 * delivery row says `sent` with the sink's reference) and makes no outside call.
 */
export class DevSinkChannel implements ChannelAdapter {
  readonly kind: Exclude<ChannelKind, 'in_app'>;
  readonly name: string;
  readonly sent: Array<OutboundMessage & { deliveryId: string }> = [];
  #n = 0;
  constructor(kind: Exclude<ChannelKind, 'in_app'>) {
    this.kind = kind;
    this.name = `dev-sink:${kind}`;
  }
  async deliver(m: OutboundMessage & { deliveryId: string }): Promise<DeliveryReceipt> {
    this.sent.push(m);
    if (this.sent.length > 1000) this.sent.shift();
    return { providerRef: `${this.name}:${++this.#n}` };
  }
}

/** The development sinks for every outside channel: what a platform without configured providers uses. */
export const devSinks = (): Record<Exclude<ChannelKind, 'in_app'>, ChannelAdapter> => ({
  sms: new DevSinkChannel('sms'),
  app_push: new DevSinkChannel('app_push'),
  provincial_push: new DevSinkChannel('provincial_push'),
});
