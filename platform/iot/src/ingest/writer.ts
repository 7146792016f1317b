import { enqueue, type NewEvent } from '@shequ/bus';
import type { Database } from '@shequ/db';
import { sql } from 'drizzle-orm';
import type { Uplink } from './parse-post.ts';

/** Who sent an uplink, as the gateway knows it from the session. */
export interface Sender {
  deviceId: string;
  communityId: string;
  productKey: string;
  deviceName: string;
}

interface Pending {
  sender: Sender;
  uplink: Uplink;
  done: (err: Error | null) => void;
}

export interface WriterOptions {
  /** Flush when this many uplinks wait… */
  maxBatch?: number;
  /** …or this long after the first one arrived. */
  maxDelayMs?: number;
  /** Called after each committed batch (the platform kicks its outbox relay here). */
  onCommit?: () => void;
}

/** The bus subject of an IoT fact: `shequ.iot.<community>.<productKey>.<deviceId>.<kind>` (all valid tokens). */
export const iotSubject = (s: Sender, kind: 'property' | 'event' | 'state') =>
  `shequ.iot.${s.communityId}.${s.productKey}.${s.deviceId}.${kind}`;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Writes accepted uplinks in batches: telemetry rows, latest values, shadow `reported` and bus events, in one
 * transaction per batch, each statement one round trip (jsonb_to_recordset carries the rows on both drivers).
 * Each uplink's callback runs after its batch committed, so a `_reply` 200 means stored.
 */
export class TelemetryWriter {
  readonly #database: Database;
  readonly #opts: Required<Omit<WriterOptions, 'onCommit'>> & Pick<WriterOptions, 'onCommit'>;
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #written = 0;

  constructor(database: Database, opts: WriterOptions = {}) {
    this.#database = database;
    this.#opts = { maxBatch: opts.maxBatch ?? 500, maxDelayMs: opts.maxDelayMs ?? 10, onCommit: opts.onCommit };
  }

  /** Rows written since start (telemetry rows, one per property value or event). */
  get written(): number {
    return this.#written;
  }

  get pending(): number {
    return this.#queue.length;
  }

  write(sender: Sender, uplink: Uplink): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ sender, uplink, done: (err) => (err ? reject(err) : resolve()) });
      if (this.#queue.length >= this.#opts.maxBatch) this.#schedule(0);
      else if (!this.#timer) this.#schedule(this.#opts.maxDelayMs);
    });
  }

  #schedule(ms: number) {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      // Batches run one after another: PGlite has one connection, and ordering per device stays intact.
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, ms);
  }

  /** Waits until everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.#queue.length || this.#timer) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = null;
        this.#flushing = this.#flushing.then(() => this.#flush());
      }
      await this.#flushing;
    }
    await this.#flushing;
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.#opts.maxBatch);
    if (this.#queue.length) this.#schedule(0);
    if (batch.length === 0) return;
    try {
      const rows = await this.#store(batch);
      this.#written += rows;
    } catch (err) {
      for (const p of batch) p.done(err as Error);
      return;
    }
    this.#opts.onCommit?.();
    for (const p of batch) p.done(null);
  }

  async #store(batch: Pending[]): Promise<number> {
    const telemetry: Array<Record<string, unknown>> = [];
    const latest = new Map<string, Record<string, unknown>>();
    const reported = new Map<string, { device_id: string; community_id: string; reported: Record<string, unknown> }>();
    const events: NewEvent[] = [];
    for (const { sender: s, uplink: u } of batch) {
      if (u.kind === 'property') {
        for (const v of u.values) {
          const row = {
            community_id: s.communityId,
            device_id: s.deviceId,
            kind: 'property',
            identifier: v.identifier,
            value: v.value,
            time: iso(v.time),
          };
          telemetry.push(row);
          const key = `${s.deviceId}/${v.identifier}`;
          const prev = latest.get(key);
          if (!prev || String(prev.time) <= row.time) latest.set(key, row);
          const sh = reported.get(s.deviceId) ?? { device_id: s.deviceId, community_id: s.communityId, reported: {} };
          sh.reported[v.identifier] = v.value;
          reported.set(s.deviceId, sh);
        }
        events.push({
          subject: iotSubject(s, 'property'),
          communityId: s.communityId,
          data: {
            productKey: s.productKey,
            deviceName: s.deviceName,
            deviceId: s.deviceId,
            messageId: u.id,
            properties: Object.fromEntries(u.values.map((v) => [v.identifier, { value: v.value, time: v.time }])),
          },
        });
      } else {
        telemetry.push({
          community_id: s.communityId,
          device_id: s.deviceId,
          kind: 'event',
          identifier: u.identifier,
          value: u.value,
          time: iso(u.time),
        });
        events.push({
          subject: iotSubject(s, 'event'),
          communityId: s.communityId,
          data: {
            productKey: s.productKey,
            deviceName: s.deviceName,
            deviceId: s.deviceId,
            messageId: u.id,
            event: u.identifier,
            type: u.eventType,
            value: u.value,
            time: u.time,
          },
        });
      }
    }
    await this.#database.db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into iot.telemetry (community_id, device_id, kind, identifier, value, time)
        select community_id, device_id, kind, identifier, value, time
        from jsonb_to_recordset(${JSON.stringify(telemetry)}::jsonb)
          as x(community_id uuid, device_id uuid, kind text, identifier text, value jsonb, time timestamptz)`);
      if (latest.size) {
        await tx.execute(sql`
          insert into iot.device_properties (device_id, community_id, identifier, value, time)
          select device_id, community_id, identifier, value, time
          from jsonb_to_recordset(${JSON.stringify([...latest.values()])}::jsonb)
            as x(community_id uuid, device_id uuid, identifier text, value jsonb, time timestamptz)
          on conflict (device_id, identifier) do update set value = excluded.value, time = excluded.time
          where iot.device_properties.time <= excluded.time`);
      }
      if (reported.size) {
        // Desired keys the device now reports at the wanted value are fulfilled and leave the shadow.
        await tx.execute(sql`
          insert into iot.shadows (device_id, community_id, reported, version)
          select device_id, community_id, reported, 1
          from jsonb_to_recordset(${JSON.stringify([...reported.values()])}::jsonb)
            as x(device_id uuid, community_id uuid, reported jsonb)
          on conflict (device_id) do update set
            reported = iot.shadows.reported || excluded.reported,
            desired = (select coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb)
                       from jsonb_each(iot.shadows.desired) d
                       where not (excluded.reported ? d.key and excluded.reported -> d.key = d.value)),
            version = iot.shadows.version + 1,
            updated_at = now()`);
      }
      await enqueue(tx, events);
    });
    return telemetry.length;
  }
}
