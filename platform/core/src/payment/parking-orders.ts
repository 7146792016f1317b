import { orders, type ProviderId, parkingSessions, withScope } from '@shequ/db';
import { and, eq, ne } from 'drizzle-orm';
import { settleParkingPayment } from '../access/records.ts';
import { AppError, notFound } from '../errors.ts';
import { type PaymentDeps, scopeOf } from './deps.ts';
import { payOrder } from './intents.ts';
import { cancelOrder, type Payer } from './orders.ts';
import { parkingSource, raiseParkingOrder } from './parking-order-raise.ts';
import { orderView } from './views.ts';

/** The live payment order of a parking session, raised now for a pending fee that has none (sessions closed before). */
export async function parkingOrder(deps: PaymentDeps, communityId: string, sessionId: string) {
  return withScope(deps.db, scopeOf(communityId), async (tx) => {
    const [s] = await tx.select().from(parkingSessions).where(eq(parkingSessions.id, sessionId)).for('update');
    if (!s || s.communityId !== communityId) throw notFound('parking session', '停车记录');
    if (s.paymentStatus !== 'pending') {
      const [o] = await tx
        .select()
        .from(orders)
        .where(and(eq(orders.sourceType, parkingSource), eq(orders.sourceId, s.id), ne(orders.status, 'cancelled')));
      if (!o)
        throw new AppError('CONFLICT', { zh: '该停车记录无需付费', en: 'This parking session has no fee to pay' });
      return orderView(o);
    }
    const o = await raiseParkingOrder(tx, communityId, s);
    if (!o) throw new AppError('CONFLICT', { zh: '该停车记录无需付费', en: 'This parking session has no fee to pay' });
    return orderView(o);
  });
}

/**
 * The gate or console operator collects a parking fee: the session's order is paid with a provider (the payer scans
 * the provider's code). Its capture settles the session and, within ten minutes of the exit, opens the gate.
 */
export async function collectParkingFee(
  deps: PaymentDeps,
  communityId: string,
  sessionId: string,
  provider: ProviderId,
  staff: Payer,
  idempotencyKey?: string,
) {
  const o = await parkingOrder(deps, communityId, sessionId);
  if (o.status !== 'open') {
    throw new AppError('CONFLICT', { zh: '该停车费已支付', en: 'This parking fee is already paid' });
  }
  return payOrder(deps, communityId, o.id, { provider }, { ...staff, staff: true }, idempotencyKey);
}

/** Staff waive a pending parking fee: its unpaid order is cancelled first, so nobody can pay a waived fee. */
export async function waiveParkingFee(deps: PaymentDeps, communityId: string, sessionId: string, staff: Payer) {
  const [live] = await withScope(deps.db, scopeOf(communityId), (tx) =>
    tx
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.communityId, communityId),
          eq(orders.sourceType, parkingSource),
          eq(orders.sourceId, sessionId),
          ne(orders.status, 'cancelled'),
        ),
      ),
  );
  if (live) await cancelOrder(deps, communityId, live.id, { ...staff, staff: true });
  return settleParkingPayment(deps.db, communityId, sessionId, 'waived', staff);
}
