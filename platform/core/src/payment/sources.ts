import type { Tx } from '@shequ/db';
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
