import type { Executor } from '@shequ/db';
import { type AuditEntry, appendAudit } from './audit-service.ts';

export interface AuditBatcherOptions {
  /** Flush when this many entries wait (default 200). */
  maxBatch?: number;
  /** Flush at least this often while entries wait (default 250 ms). */
  intervalMs?: number;
  onError?: (err: unknown, lost: number) => void;
}

/**
 * Collects audit entries of high-frequency reads (plugin bridge calls, device refusals) and appends them in batches,
 * one chain lock per batch instead of one per entry. Entries of changes belong in the change's own transaction
 * instead; what waits here is written at the next flush or at close.
 */
export class AuditBatcher {
  readonly #db: Executor;
  readonly #max: number;
  readonly #interval: number;
  readonly #onError?: AuditBatcherOptions['onError'];
  #pending: AuditEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(db: Executor, opts: AuditBatcherOptions = {}) {
    this.#db = db;
    this.#max = opts.maxBatch ?? 200;
    this.#interval = opts.intervalMs ?? 250;
    this.#onError = opts.onError;
  }

  add(entry: AuditEntry): void {
    this.#pending.push(entry);
    if (this.#pending.length >= this.#max) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#interval);
  }

  /** Writes what waits; resolves when it is in the log. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await appendAudit(this.#db, batch);
      } catch (err) {
        this.#onError?.(err, batch.length);
      }
    });
    return this.#flushing;
  }

  close(): Promise<void> {
    return this.flush();
  }
}
