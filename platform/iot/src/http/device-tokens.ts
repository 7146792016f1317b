import { randomBytes } from 'node:crypto';
import type { DeviceIdentity } from '../registry/devices-repo.ts';

/** A device's session on a connectionless transport (HTTP, CoAP): who it is, until when, and CoAP's key. */
export interface TokenSession {
  token: string;
  identity: DeviceIdentity;
  expiresAt: number;
  /** When the identity was last read from the database (enable state, thing model). */
  checkedAt: number;
  /** CoAP only: the AES-128-GCM key derived from the device secret and the random sent with the token. */
  key?: Buffer;
  /** CoAP only: the sliding replay window over request sequence numbers. */
  replay?: ReplayWindow;
}

export type TokenCheck = { ok: true; session: TokenSession } | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

/**
 * Tokens handed out by `/auth`, kept in memory: random (nothing to forge), short-lived, bounded in number. A
 * platform restart forgets them and devices authenticate again, as Alink devices do when a token expires.
 */
export class DeviceTokens {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #sessions = new Map<string, TokenSession>();
  readonly #onEnd?: (s: TokenSession, reason: string) => void;

  /** @param onEnd called once when a token ends (expired, revoked, evicted): the device's online window closes */
  constructor(ttlMs: number, max = 100_000, onEnd?: (s: TokenSession, reason: string) => void) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#onEnd = onEnd;
  }

  #end(token: string, s: TokenSession, reason: string) {
    this.#sessions.delete(token);
    this.#onEnd?.(s, reason);
  }

  get size(): number {
    return this.#sessions.size;
  }

  issue(identity: DeviceIdentity, extra: Pick<TokenSession, 'key' | 'replay'> = {}, now = Date.now()): TokenSession {
    if (this.#sessions.size >= this.#max) this.sweep(now);
    if (this.#sessions.size >= this.#max) {
      // Still full of live tokens: the oldest goes (Map keeps insertion order); its device authenticates again.
      const first = this.#sessions.entries().next();
      if (!first.done) this.#end(first.value[0], first.value[1], 'token evicted');
    }
    const token = randomBytes(24).toString('base64url');
    const s: TokenSession = { token, identity, expiresAt: now + this.#ttlMs, checkedAt: now, ...extra };
    this.#sessions.set(token, s);
    return s;
  }

  check(token: string | undefined, now = Date.now()): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const s = this.#sessions.get(token);
    if (!s) return { ok: false, reason: 'unknown' };
    if (s.expiresAt <= now) {
      this.#end(token, s, 'token expired');
      return { ok: false, reason: 'expired' };
    }
    return { ok: true, session: s };
  }

  revoke(token: string, reason = 'token revoked'): void {
    const s = this.#sessions.get(token);
    if (s) this.#end(token, s, reason);
  }

  /** Ends every token of a device (disabled, deleted, secret rotated). */
  revokeDevice(deviceId: string, reason = 'device no longer allowed'): number {
    let n = 0;
    for (const [t, s] of this.#sessions)
      if (s.identity.id === deviceId) {
        this.#end(t, s, reason);
        n++;
      }
    return n;
  }

  /** Ends expired tokens (run periodically, so a device that went quiet goes offline when its token ends). */
  sweep(now = Date.now()): void {
    for (const [t, s] of this.#sessions) if (s.expiresAt <= now) this.#end(t, s, 'token expired');
  }

  /** Ends every token (the listener stops). */
  endAll(reason: string): void {
    for (const [t, s] of this.#sessions) this.#end(t, s, reason);
  }
}

/**
 * Accepts each sequence number once: anything above the highest seen, or within the last `size` below it and not
 * yet seen (UDP reorders). Older or repeated numbers are replays.
 */
export class ReplayWindow {
  readonly #size: number;
  readonly #start: number;
  #highest: number;
  readonly #seen = new Set<number>();

  /** @param start the offset handed out with the token: only numbers above it are valid */
  constructor(start: number, size = 64) {
    this.#start = start;
    this.#highest = start;
    this.#size = size;
  }

  accept(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq <= this.#start) return false;
    if (seq <= this.#highest - this.#size || this.#seen.has(seq)) return false;
    this.#seen.add(seq);
    if (seq > this.#highest) {
      this.#highest = seq;
      for (const s of this.#seen) if (s <= this.#highest - this.#size) this.#seen.delete(s);
    }
    return true;
  }
}
