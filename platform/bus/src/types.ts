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

/** How a consumer starts and how long the server keeps it; only matters the first time a durable name is used. */
export interface SubscribeOptions {
  /**
   * `all` (the default): a new consumer receives every event the bus still holds, for consumers that must apply
   * each event once (projections, rule evaluation). `new`: only events published after the consumer was created,
   * for listeners that keep a process's caches or sessions in step and read current state when they start.
   */
  from?: 'all' | 'new';
  /**
   * Seconds a consumer may go without a listener before the server removes it (per-process listeners, whose
   * names die with their process). Unset: kept until deleted.
   */
  idleSeconds?: number;
}

/**
 * For a listener whose durable name belongs to one process (a gateway's sessions, an API process's caches): it
 * starts with new events, as it reads current state when it starts, and the server forgets it ten minutes after
 * its process is gone. A restart within that time still receives what was published meanwhile.
 */
export const processListener: SubscribeOptions = { from: 'new', idleSeconds: 600 };

/** One interface over NATS JetStream and the in-process bus. Producers never call `publish`: they enqueue to the outbox. */
export interface Bus {
  readonly kind: 'memory' | 'nats';
  /** Delivers at least once; resolves when the bus has taken responsibility for the event. */
  publish(event: EventEnvelope): Promise<void>;
  /** `durable` names the consumer: each durable gets every event once-or-more; NATS wildcards (`*`, `>`) allowed. */
  subscribe(durable: string, subject: string, handler: Handler, opts?: SubscribeOptions): Promise<Subscription>;
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
