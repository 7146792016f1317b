/** Time as the payment service sees it: injectable so resend schedules and time windows are testable. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void | Promise<void>, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(() => void fn(), ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A clock that only moves when told to; timers due by the new time run in order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void | Promise<void> }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now() {
    return this.t;
  }

  setTimeout(fn: () => void | Promise<void>, ms: number) {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown) {
    this.timers.delete(handle as number);
  }

  /** Timers still waiting, soonest first (their due times). */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.at).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, running every timer that falls due (awaiting each, so async work settles). */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      await Promise.resolve(next[1].fn());
      // Let the delivery's promise chain (signing, the handler's transaction) finish before the next timer.
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
  }
}
