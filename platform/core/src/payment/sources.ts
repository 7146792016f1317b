import { parkingSessions, type Tx } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { settleParkingPayment } from '../access/records.ts';
import { settleBookingPayment } from '../booking/bookings.ts';
import type { Actor } from '../identity/user-service.ts';

/**
 * What an order pays for, told when its money moves: `paid` when captured, `refunded` when fully refunded. The hook
 * runs in the payment's transaction, so the owning service and the payment commit or fail together.
 */
export type SourceHook = (
  tx: Tx,
  communityId: string,
  sourceId: string,
  to: 'paid' | 'refunded',
  actor: Actor,
) => Promise<void>;

const hooks = new Map<string, SourceHook>([
  [
    'booking',
    async (tx, communityId, id, to, actor) => {
      await settleBookingPayment(tx, communityId, id, to, actor);
    },
  ],
  [
    'parking',
    async (tx, communityId, id, to, actor) => {
      // A captured parking fee settles its session; a refund later is a money matter and leaves the session paid.
      if (to !== 'paid') return;
      const [s] = await tx.select().from(parkingSessions).where(eq(parkingSessions.id, id));
      if (s?.paymentStatus === 'pending') await settleParkingPayment(tx, communityId, id, 'paid', actor);
    },
  ],
]);

export async function notifySource(
  tx: Tx,
  o: { communityId: string; sourceType: string | null; sourceId: string | null },
  to: 'paid' | 'refunded',
  actor: Actor,
) {
  if (!o.sourceType || !o.sourceId) return;
  await hooks.get(o.sourceType)?.(tx, o.communityId, o.sourceId, to, actor);
}
