import type { FeeRule } from '@shequ/db';
import { DateTime } from 'luxon';
import { communityZone } from '../time.ts';

/** Parking days are local days in the community's zone. */
export const accessZone = communityZone;

export const defaultFeeRule: FeeRule = { freeMinutes: 30, perHourFen: 500, dailyCapFen: 5000 };

/**
 * The fee of a temporary vehicle's stay, in integer fen. A stay within the free minutes costs nothing; a longer one
 * is charged per started hour, split at local midnights (Asia/Shanghai) so each calendar day is capped on its own.
 */
export function parkingFee(rule: FeeRule, enteredAt: Date, exitedAt: Date): number {
  const total = exitedAt.getTime() - enteredAt.getTime();
  if (total <= rule.freeMinutes * 60_000) return 0;
  let fee = 0;
  let from = DateTime.fromJSDate(enteredAt, { zone: accessZone });
  const end = DateTime.fromJSDate(exitedAt, { zone: accessZone });
  while (from < end) {
    const midnight = from.startOf('day').plus({ days: 1 });
    const to = DateTime.min(midnight, end);
    const hours = Math.ceil(to.diff(from).as('milliseconds') / 3_600_000);
    fee += Math.min(rule.dailyCapFen, hours * rule.perHourFen);
    from = to;
  }
  return fee;
}
