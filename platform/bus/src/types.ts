/** What travels on the bus: an immutable event with an id consumers dedupe by. */
export interface EventEnvelope<T = unknown> {
  id: string;
  subject: string;
  time: string;
  communityId: string | null;
  data: T;
}

export type Handler = (event: EventEnvelope) => Promise<void>;

export interface Subscription {
  stop(): Promise<void>;
}

/** One interface over NATS JetStream and the in-process bus. Producers never call `publish`: they enqueue to the outbox. */
export interface Bus {
  readonly kind: 'memory' | 'nats';
  /** Delivers at least once; resolves when the bus has taken responsibility for the event. */
  publish(event: EventEnvelope): Promise<void>;
  /** `durable` names the consumer: each durable gets every event once-or-more; NATS wildcards (`*`, `>`) allowed. */
  subscribe(durable: string, subject: string, handler: Handler): Promise<Subscription>;
  close(): Promise<void>;
}

/** NATS subject matching: `*` one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

const tokenRe = /^[a-z0-9_-]+$/;
/** Subjects are `shequ.<domain>.<event>…`, lowercase tokens; checked where events enter the outbox. */
export function assertSubject(subject: string): void {
  const t = subject.split('.');
  if (t[0] !== 'shequ' || t.length < 3 || !t.every((x) => tokenRe.test(x))) {
    throw new Error(`invalid event subject "${subject}": expected shequ.<domain>.<event> with lowercase tokens`);
  }
}
