/**
 * A short-lived, bounded map from session id to what it resolved to. It spares the database three queries per
 * request; the price is that a session revoked by another process is honoured here for at most `ttlMs`.
 */
export class SessionCache<V> {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(ttlMs: number, max = 10_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  get(key: string, now: number): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Keeps `value` until the TTL passes or `notAfter` (the session's own expiry), whichever is first. */
  set(key: string, value: V, now: number, notAfter: number): void {
    if (this.#ttlMs <= 0) return;
    if (this.#entries.size >= this.#max) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, until: Math.min(now + this.#ttlMs, notAfter) });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
