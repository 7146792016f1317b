// Points expiry (DB33 7.4.2): points earned before a cutoff and not spent by now lapse back to the community pool.
// Spending counts against the oldest points first, so what lapses is what was earned before the cutoff minus
// everything spent (and lapsed) since the account opened. Each lapse is an ordinary transfer with an idempotency
// key per account and cutoff day: a second run, or a second process, changes nothing.
import { type Executor, queryRows, withScope } from '@shequ/db';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import { communityZone } from '../time.ts';
import { transferPoints } from './ledger.ts';

const ZONE = communityZone;

/** The cutoff for `months` of validity at `now`: the start of that day, `months` ago, in Hangzhou. */
export function expiryCutoff(months: number, now = new Date()): Date {
  return DateTime.fromJSDate(now, { zone: ZONE }).minus({ months }).startOf('day').toJSDate();
}

/** Lapses the unspent points earned before `cutoff` in one community; answers how many accounts and points. */
export async function expirePoints(
  db: Executor,
  communityId: string,
  cutoff: Date,
): Promise<{ accounts: number; points: number }> {
  const rows = await withScope(db, { kind: 'communities', ids: [communityId] }, (tx) =>
    queryRows<{ owner_id: string; balance: number | string; early: number | string; spent: number | string }>(
      tx,
      sql`select a.owner_id, a.balance,
                 coalesce(sum(e.amount) filter (where e.amount > 0 and e.created_at < ${cutoff.toISOString()}::timestamptz), 0) as early,
                 coalesce(-sum(e.amount) filter (where e.amount < 0), 0) as spent
            from points.accounts a join points.entries e on e.account_id = a.id
           where a.community_id = ${communityId} and a.kind = 'points' and a.owner_type = 'user'
           group by a.id, a.owner_id, a.balance`,
    ),
  );
  const day = DateTime.fromJSDate(cutoff, { zone: ZONE }).toISODate();
  let accounts = 0;
  let points = 0;
  for (const r of rows) {
    const lapse = Math.min(Number(r.balance), Number(r.early) - Number(r.spent));
    if (lapse <= 0) continue;
    const t = await transferPoints(
      db,
      {
        communityId,
        kind: 'points',
        from: { type: 'user', id: r.owner_id },
        to: { type: 'pool', id: 'community' },
        amount: lapse,
        reason: `积分过期（${day} 前获得）`,
        idempotencyKey: `expire:${r.owner_id.slice(0, 80)}:${day}`,
      },
      'system:points-expiry',
    );
    if (!t.replayed) {
      accounts++;
      points += lapse;
    }
  }
  return { accounts, points };
}

/** Daily at 03:00 in Hangzhou: lapses points older than `months` in every community that has a points ledger. */
export function startPointsExpiry(db: Executor, months: number, log?: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    const cutoff = expiryCutoff(months);
    const communities = await queryRows<{ community_id: string }>(
      db,
      sql`select distinct community_id from points.accounts where kind = 'points'`,
    );
    for (const c of communities) {
      const r = await expirePoints(db, c.community_id, cutoff);
      if (r.points) log?.info({ community: c.community_id, ...r }, 'points expired');
    }
  };
  const tick = () => {
    if (stopped) return;
    const now = DateTime.now().setZone(ZONE);
    let next = now.set({ hour: 3, minute: 0, second: 0, millisecond: 0 });
    if (next <= now) next = next.plus({ days: 1 });
    timer = setTimeout(
      () => {
        void run()
          .catch((err) => log?.error({ err }, 'points expiry failed'))
          .finally(tick);
      },
      Math.max(1000, next.toMillis() - now.toMillis()),
    );
    timer.unref();
  };
  if (months > 0) tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
