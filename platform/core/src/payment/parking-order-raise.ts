import { orders, queryRows, type Tx } from '@shequ/db';
import { and, eq, ne, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Actor } from '../identity/user-service.ts';
import { communityZone } from '../time.ts';
import { insertOrder } from './orders.ts';

export const parkingSource = 'parking';

/**
 * The resident a temporary vehicle belongs to, when the plate is in the base warehouse with an owner whose phone
 * matches a user account of the platform (the same link the household view uses); otherwise nobody.
 */
export async function linkedUserOfPlate(tx: Tx, communityId: string, plate: string) {
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`select u.id from base.vehicles v
        join base.people p on p.id = v.owner_person_id
        join identity.users u on u.phone_index = p.phone_index and u.status = 'active'
        where v.community_id = ${communityId} and v.plate = ${plate} and p.phone_index is not null
        limit 1`,
  );
  return row?.id ?? null;
}

/**
 * Raises the payment order of a closed parking session with a fee, in the gate's transaction: the fee is the one
 * `parkingFee` computed at exit (fees.ts stays the only place it is computed) and the order points back at the
 * session (`source_type` parking), so capturing it settles the session through `settleParkingPayment`. The payer is
 * the vehicle's linked resident (it then shows in 我的订单) or nobody (staff collect it at the gate or console).
 */
export async function raiseParkingOrder(
  tx: Tx,
  communityId: string,
  s: { id: string; plate: string; enteredAt: Date; exitedAt: Date | null; feeFen: number | null },
  actor: Actor = { subject: 'system:access', role: 'system' },
) {
  if (!s.feeFen || s.feeFen <= 0 || !s.exitedAt) return null;
  const [live] = await tx
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.communityId, communityId),
        eq(orders.sourceType, parkingSource),
        eq(orders.sourceId, s.id),
        ne(orders.status, 'cancelled'),
      ),
    );
  if (live) return live;
  const fmt = (d: Date) => DateTime.fromJSDate(d, { zone: communityZone }).toFormat('MM-dd HH:mm');
  return insertOrder(
    tx,
    communityId,
    {
      userId: await linkedUserOfPlate(tx, communityId, s.plate),
      subject: `停车费 ${s.plate} ${fmt(s.enteredAt)}–${fmt(s.exitedAt)}`,
      amountFen: s.feeFen,
      sourceType: parkingSource,
      sourceId: s.id,
    },
    actor,
  );
}
