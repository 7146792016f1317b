// Raw telemetry is partitioned by community day (migration 0053): iot.telemetry_pYYYYMMDD holds [00:00, 24:00) of one
// day in Asia/Shanghai, iot.telemetry_default whatever falls on a day without a partition. Maintenance adds the days
// ahead before rows arrive and drops whole days past the retention, each only after its hours and day are rolled up.
import { communityDate, communityDayStart, type Logger } from '@shequ/core';
import { type Executor, queryRows } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { rollUpTelemetry } from './rollups.ts';

/** Shared with iot.telemetry_add_partition: one maintainer at a time adds or drops partitions. */
const PARTITION_LOCK = 7331053;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const hourFloor = (d: Date) => new Date(Math.floor(d.getTime() / HOUR) * HOUR);

/** The calendar day `n` days after `day` (both YYYY-MM-DD). */
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/**
 * Makes sure the partitions of yesterday, today and the next `ahead` community days exist; answers the days added.
 * Device times more than a few minutes ahead are refused at ingest (parsePost's maxFutureSkewMs), so a week ahead
 * leaves every accepted row a partition even if maintenance stops for days.
 */
export async function ensureTelemetryPartitions(db: Executor, now = new Date(), ahead = 7): Promise<string[]> {
  const today = communityDate(now);
  const rows = await queryRows<{ day: string; added: boolean }>(
    db,
    sql`select to_char(d, 'YYYY-MM-DD') as day, iot.telemetry_add_partition(d::date) as added
          from generate_series(${addDays(today, -1)}::date, ${addDays(today, ahead)}::date, interval '1 day') as d
         order by d`,
  );
  return rows.filter((r) => r.added).map((r) => r.day);
}

/** The days that have a partition, oldest first. */
export async function telemetryPartitionDays(db: Executor): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'iot.telemetry'::regclass and c.relname ~ '^telemetry_p[0-9]{8}$'
         order by c.relname`,
  );
  return rows.map((r) => `${r.name.slice(11, 15)}-${r.name.slice(15, 17)}-${r.name.slice(17, 19)}`);
}

const partitionName = (day: string) => `telemetry_p${day.replaceAll('-', '')}`;

/**
 * Retention: drops the partitions of the days that ended `days` or more days ago, and deletes the default
 * partition's rows older than that. Before a day is dropped its hours and the day itself are rolled up again from
 * its complete raw rows (so hours that the hourly run missed, late uplinks, a stopped process, are kept too), in the
 * same transaction as the drop and under the partition lock: a second maintainer can never roll up a day that is
 * already half gone. Rows in the default partition are deleted without a roll-up: their hour may belong to a day
 * already dropped, and recomputing it from what is left would shrink the kept roll-up.
 */
export async function pruneTelemetry(
  db: Executor,
  days: number,
  now = new Date(),
): Promise<{ partitions: string[]; rows: number }> {
  const cutoff = new Date(now.getTime() - days * DAY);
  const dropped: string[] = [];
  for (const day of await telemetryPartitionDays(db)) {
    const from = communityDayStart(day) as Date;
    const to = communityDayStart(addDays(day, 1)) as Date;
    if (to > cutoff) break;
    const gone = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK})`);
      const name = partitionName(day);
      const [{ present }] = await queryRows<{ present: boolean }>(
        tx,
        sql`select to_regclass(${`iot.${name}`}) is not null as present`,
      );
      if (!present) return false;
      await rollUpTelemetry(tx, from, to);
      await tx.execute(sql.raw(`drop table iot.${name}`));
      return true;
    });
    if (gone) dropped.push(day);
  }
  let rows = 0;
  for (let i = 0; i < 100; i++) {
    const [r] = await queryRows<{ n: number }>(
      db,
      sql`with gone as (
            delete from iot.telemetry_default where (time, seq) in (
              select time, seq from iot.telemetry_default where time < ${cutoff.toISOString()}::timestamptz limit 10000)
            returning 1)
          select count(*)::int as n from gone`,
    );
    rows += r.n;
    if (r.n < 10000) break;
  }
  return { partitions: dropped, rows };
}

/**
 * Partitions ahead at once, then every hour at :05: partitions ahead, roll-ups of the two hours before (late uplinks
 * land in their hour), retention. Safe in every process: partitions are added and dropped under one advisory lock,
 * the roll-ups are recomputed.
 */
export function startTelemetryMaintenance(db: Executor, opts: { retentionDays: number; log?: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    const now = new Date();
    const added = await ensureTelemetryPartitions(db, now);
    const r = await rollUpTelemetry(db, new Date(hourFloor(now).getTime() - 2 * HOUR), hourFloor(now));
    const pruned = await pruneTelemetry(db, opts.retentionDays, now);
    opts.log?.debug({ added, ...r, pruned }, 'telemetry partitioned, rolled up and pruned');
  };
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    const next = Math.floor(now / HOUR) * HOUR + 5 * 60_000;
    timer = setTimeout(
      () => {
        void run()
          .catch((err) => opts.log?.error({ err }, 'telemetry maintenance failed'))
          .finally(tick);
      },
      (next > now ? next : next + HOUR) - now,
    );
    timer.unref();
  };
  // A process started after a pause may find today without its partition: add it before the first uplinks come.
  const ready = ensureTelemetryPartitions(db)
    .catch((err) => opts.log?.error({ err }, 'telemetry partitions not added'))
    .then(() => undefined);
  tick();
  return {
    /** Settles when the start-up partitions are in place (or their failure is logged). */
    ready,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
