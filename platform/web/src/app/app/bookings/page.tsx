'use client';

import { BookingsPage } from '@/components/booking/bookings-page';
import { WithCommunity } from '@/components/with-community';

/** 预约: book a public space and see my bookings (with the check-in QR code). */
export default function ResidentBookings() {
  return <WithCommunity>{(community) => <BookingsPage community={community} />}</WithCommunity>;
}
