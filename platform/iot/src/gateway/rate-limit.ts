/** Token buckets per key (a client address), with a global bucket in front: bounds connect storms. */
export class ConnectLimiter {
  readonly #perKey: { burst: number; perSecond: number };
  readonly #global: { burst: number; perSecond: number };
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #globalBucket: { tokens: number; at: number };

  constructor(perKey: { burst: number; perSecond: number }, global: { burst: number; perSecond: number }) {
    this.#perKey = perKey;
    this.#global = global;
    this.#globalBucket = { tokens: global.burst, at: Date.now() };
  }

  #take(b: { tokens: number; at: number }, spec: { burst: number; perSecond: number }, now: number): boolean {
    b.tokens = Math.min(spec.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * spec.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** True when a connect from `key` may proceed now. */
  allow(key: string, now = Date.now()): boolean {
    let b = this.#buckets.get(key);
    if (!b) {
      // Forget idle addresses before the map grows without bound (an address scan must not exhaust memory).
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      b = { tokens: this.#perKey.burst, at: now };
      this.#buckets.set(key, b);
    }
    if (!this.#take(b, this.#perKey, now)) return false;
    return this.#take(this.#globalBucket, this.#global, now);
  }
}

/** Remembers credentials that failed, so an auth storm with the same bad password never reaches the database. */
export class NegativeCache {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, number>();

  constructor(ttlMs: number, max = 50_000) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  has(key: string, now = Date.now()): boolean {
    const until = this.#entries.get(key);
    if (until === undefined) return false;
    if (until < now) {
      this.#entries.delete(key);
      return false;
    }
    return true;
  }

  add(key: string, now = Date.now()): void {
    if (this.#entries.size >= this.#max) {
      // Drop the oldest entry (Map keeps insertion order).
      const first = this.#entries.keys().next();
      if (!first.done) this.#entries.delete(first.value);
    }
    this.#entries.set(key, now + this.#ttlMs);
  }

  /** Forget a device's failures at once when its secret or state changes. */
  clear(): void {
    this.#entries.clear();
  }
}
