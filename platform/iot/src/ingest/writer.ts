import { type EventEnvelope, type NewEvent, outboxInsert } from '@shequ/bus';
import type { Database } from '@shequ/db';
import { type SQL, sql } from 'drizzle-orm';
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
  /** Called after each committed batch not handed to `publish` (the platform kicks its outbox relay here). */
  onCommit?: () => void;
  /**
   * Publishes a committed batch's events from memory (the platform's `OutboxRelay.publishCommitted`): the batch's
   * outbox row is then filed claimed, so the relay's scan neither reads it back nor publishes it twice, and takes
   * it over only if the claim runs out (this process stopped first). Without it, the relay's scan publishes them.
   */
  publish?: (rowId: string, events: EventEnvelope[]) => Promise<void>;
  /**
   * Batches written at once, each lane a device's own (by device id), so one device's uplinks stay in order.
   * Default 4 on PostgreSQL (several connections), 1 on PGlite (one connection).
   */
  lanes?: number;
}

/** One lane of the writer: its queue, its flush timer and its chain of batches. */
interface Lane {
  queue: Pending[];
  timer: NodeJS.Timeout | null;
  flushing: Promise<void>;
  /** The lane's hand-overs to `publish`, one after another so a device's events go out in order… */
  publishing: Promise<void>;
  /** …and how many wait in that chain. */
  handing: number;
}

/** A committed batch: telemetry rows written, and its packed outbox row with the events to publish. */
interface Stored {
  rows: number;
  handover?: { rowId: string; events: Omit<EventEnvelope, 'time'>[] };
}

/** How long a handed-over outbox row stays claimed before the relay's scan may publish it instead. */
const HANDOVER_CLAIM_SECONDS = 30;
/**
 * Batches a lane holds in memory for `publish` at most: a lane that has this many waiting stops writing until they
 * are out, so a slow bus slows ingest (posts wait for their answer, then the gateway answers 503) instead of filling
 * this process's memory, and a device's events keep their order.
 */
const HANDOVER_BACKLOG = 32;

/** FNV-1a over the device id: which lane a device's uplinks take. */
function laneOf(deviceId: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) h = Math.imul(h ^ deviceId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

/** The bus subject of an IoT fact: `shequ.iot.<community>.<productKey>.<deviceId>.<kind>` (all valid tokens). */
export const iotSubject = (s: Sender, kind: 'property' | 'event' | 'state') =>
  `shequ.iot.${s.communityId}.${s.productKey}.${s.deviceId}.${kind}`;

/**
 * Writes accepted uplinks in batches: telemetry rows, latest values (the shadow's `reported`), fulfilled desired
 * state and bus events, in one
 * statement per batch (jsonb_to_recordset carries the rows on both drivers).
 * Each uplink's callback runs after its batch committed, so a `_reply` 200 means stored.
 */
export class TelemetryWriter {
  readonly #database: Database;
  readonly #opts: Required<Omit<WriterOptions, 'onCommit' | 'lanes' | 'publish'>> &
    Pick<WriterOptions, 'onCommit' | 'publish'>;
  readonly #lanes: Lane[];
  #written = 0;

  constructor(database: Database, opts: WriterOptions = {}) {
    this.#database = database;
    const lanes = Math.max(1, Math.floor(opts.lanes ?? (database.kind === 'postgres' ? 4 : 1)));
    this.#opts = {
      maxBatch: opts.maxBatch ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 10,
      onCommit: opts.onCommit,
      publish: opts.publish,
    };
    this.#lanes = Array.from({ length: lanes }, () => ({
      queue: [],
      timer: null,
      flushing: Promise.resolve(),
      publishing: Promise.resolve(),
      handing: 0,
    }));
  }

  /** Rows written since start (telemetry rows, one per property value or event). */
  get written(): number {
    return this.#written;
  }

  get pending(): number {
    return this.#lanes.reduce((n, l) => n + l.queue.length, 0);
  }

  write(sender: Sender, uplink: Uplink): Promise<void> {
    const lane = this.#lanes.length === 1 ? this.#lanes[0] : this.#lanes[laneOf(sender.deviceId, this.#lanes.length)];
    return new Promise((resolve, reject) => {
      lane.queue.push({ sender, uplink, done: (err) => (err ? reject(err) : resolve()) });
      if (lane.queue.length >= this.#opts.maxBatch) this.#schedule(lane, 0);
      else if (!lane.timer) this.#schedule(lane, this.#opts.maxDelayMs);
    });
  }

  #schedule(lane: Lane, ms: number) {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = setTimeout(() => {
      lane.timer = null;
      // A lane's batches run one after another, so a device's uplinks are stored in the order they came.
      lane.flushing = lane.flushing.then(() => this.#flush(lane));
    }, ms);
  }

  /** Waits until everything queued so far is written (and handed-over events published). */
  async drain(): Promise<void> {
    await Promise.all(
      this.#lanes.map(async (lane) => {
        while (lane.queue.length || lane.timer) {
          if (lane.timer) {
            clearTimeout(lane.timer);
            lane.timer = null;
            lane.flushing = lane.flushing.then(() => this.#flush(lane));
          }
          await lane.flushing;
        }
        await lane.flushing;
        await lane.publishing;
      }),
    );
  }

  async #flush(lane: Lane): Promise<void> {
    const batch = lane.queue.splice(0, this.#opts.maxBatch);
    if (lane.queue.length) this.#schedule(lane, 0);
    if (batch.length === 0) return;
    if (lane.handing >= HANDOVER_BACKLOG) await lane.publishing;
    let stored: Stored;
    try {
      stored = await this.#store(batch);
      this.#written += stored.rows;
    } catch (err) {
      for (const p of batch) p.done(err as Error);
      return;
    }
    const { handover } = stored;
    const publish = this.#opts.publish;
    if (handover && publish) {
      const time = new Date().toISOString();
      const events = handover.events.map((e) => ({ ...e, time }));
      lane.handing++;
      // publishCommitted handles its own failures (the claim is released); the chain must not break on one.
      lane.publishing = lane.publishing
        .then(() => publish(handover.rowId, events))
        .catch(() => {})
        .finally(() => lane.handing--);
    } else this.#opts.onCommit?.();
    for (const p of batch) p.done(null);
  }

  /** Writes a batch; with `publish`, its outbox row is filed claimed and its events come back to be published. */
  async #store(batch: Pending[]): Promise<Stored> {
    const handOver = this.#opts.publish !== undefined;
    // The rows travel once, in short keys and with device times in epoch milliseconds; latest values are derived
    // from them by the database (the last of a key in the batch wins a tie).
    const rows: Array<{ c: string; d: string; k: 'property' | 'event'; i: string; v: unknown; t: number }> = [];
    const events: NewEvent[] = [];
    let properties = false;
    for (const { sender: s, uplink: u } of batch) {
      if (u.kind === 'property') {
        properties = true;
        const values: Record<string, { value: unknown; time: number }> = {};
        for (const v of u.values) {
          rows.push({ c: s.communityId, d: s.deviceId, k: 'property', i: v.identifier, v: v.value, t: v.time });
          values[v.identifier] = { value: v.value, time: v.time };
        }
        events.push({
          subject: iotSubject(s, 'property'),
          communityId: s.communityId,
          data: {
            productKey: s.productKey,
            deviceName: s.deviceName,
            deviceId: s.deviceId,
            messageId: u.id,
            properties: values,
          },
        });
      } else {
        rows.push({ c: s.communityId, d: s.deviceId, k: 'event', i: u.identifier, v: u.value, t: u.time });
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
    // One statement, so one round trip and atomic without a transaction: each write to the database costs a
    // wake-up of its backend, which on a virtual machine is dearer than the statements' work (a transaction of
    // begin, four statements and commit was six).
    const parts: SQL[] = [
      sql`batch as (
        select c, d, k, i, v, to_timestamp(t / 1000.0) as time, n
        from rows from (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as (c uuid, d uuid, k text, i text, v jsonb, t bigint)) with ordinality as x(c, d, k, i, v, t, n))`,
      sql`stored as (
        insert into iot.telemetry (community_id, device_id, kind, identifier, value, time)
        select c, d, k, i, v, time from batch)`,
    ];
    if (properties) {
      // The batch's last value of each device's property (by device time, arrival breaks a tie). Latest values are
      // also the shadow's `reported`, so each change counts once in `updates` (the shadow's version).
      parts.push(sql`newest as (
        select distinct on (d, i) d, c, i, v, time from batch where k = 'property' order by d, i, time desc, n desc)`);
      parts.push(sql`latest_values as (
        insert into iot.device_properties (device_id, community_id, identifier, value, time)
        select d, c, i, v, time from newest
        on conflict (device_id, identifier) do update set value = excluded.value, time = excluded.time,
          updates = iot.device_properties.updates + 1
        where iot.device_properties.time <= excluded.time)`);
      // Desired keys the device now reports at the wanted value are fulfilled and leave the shadow; only shadows
      // still waiting for something are looked at (a partial index holds them).
      parts.push(sql`fulfilled as (
        update iot.shadows s set
          desired = (select coalesce(jsonb_object_agg(w.key, w.value), '{}'::jsonb)
                     from jsonb_each(s.desired) w
                     where not exists (select 1 from newest r where r.d = s.device_id and r.i = w.key and r.v = w.value)),
          version = s.version + 1,
          updated_at = now()
        where s.desired <> '{}'::jsonb
          and exists (select 1 from newest r where r.d = s.device_id and s.desired -> r.i = r.v))`);
    }
    // One outbox row for the batch's events (published one by one, in order): a row per message cost the database
    // three writes per message (insert, lease, mark) at 10,000 messages/s.
    const outboxRow = outboxInsert(events, {
      packed: true,
      claimSeconds: handOver ? HANDOVER_CLAIM_SECONDS : undefined,
    });
    parts.push(sql`bus_events as (${outboxRow.statement})`);
    await this.#database.db.execute(sql`with ${sql.join(parts, sql`, `)} select 1`);
    return { rows: rows.length, handover: handOver ? outboxRow.packed : undefined };
  }
}
