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
