import { bookings, spaces, withScope } from '@shequ/db';
import { eq } from 'drizzle-orm';
import { formatLocal } from '../booking/slots.ts';
import { AppError, notFound } from '../errors.ts';
import { type PaymentDeps, scopeOf } from './deps.ts';
import { createOrder, type Payer } from './orders.ts';

/**
 * The order that pays a booking's fee (the booking fee seam): created on first ask for a confirmed booking whose fee
 * is pending, answered again afterwards (one live order per booking, a unique index). Capturing it marks the booking
 * paid; a full refund marks it refunded (through `settleBookingPayment`, in the payment's transaction).
 */
export async function orderForBooking(deps: PaymentDeps, communityId: string, bookingId: string, payer: Payer) {
  const b = await withScope(deps.db, scopeOf(communityId), async (tx) => {
    const [row] = await tx
      .select({ b: bookings, name: spaces.name })
      .from(bookings)
      .innerJoin(spaces, eq(spaces.id, bookings.spaceId))
      .where(eq(bookings.id, bookingId));
    return row;
  });
  if (!b || (!payer.staff && b.b.userId !== payer.userId)) throw notFound('Booking', '预约');
  if (b.b.feeFen <= 0 || b.b.paymentStatus === 'not_required' || b.b.paymentStatus === 'waived') {
    throw new AppError('CONFLICT', { zh: '该预约无需付费', en: 'This booking has no fee to pay' });
  }
  if (b.b.status !== 'confirmed' && b.b.status !== 'checked_in' && b.b.paymentStatus === 'pending') {
    throw new AppError('CONFLICT', { zh: '只有已确认的预约可以付费', en: 'Only a confirmed booking can be paid' });
  }
  return createOrder(
    deps,
    communityId,
    {
      userId: b.b.userId,
      subject: `场地预约 ${b.name} ${formatLocal(b.b.startsAt, 'MM-dd HH:mm')}`,
      amountFen: b.b.feeFen,
      sourceType: 'booking',
      sourceId: b.b.id,
    },
    { ...payer, staff: true },
  );
}
