'use client';

import { useQueryClient } from '@tanstack/react-query';
import { Typography } from 'antd';
import { useT } from '@/i18n/lang-provider';
import { useTRPC } from '@/lib/trpc';
import { BookSpace } from './book-space';
import { MyBookings } from './my-bookings';

/** The resident's booking page: book first, then her bookings below. */
export function BookingsPage({ community }: { community: string }) {
  const t = useT();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (
    <div style={{ marginTop: 16 }}>
      <Typography.Title level={4} data-testid="page-title">
        {t('booking.title')}
      </Typography.Title>
      <BookSpace
        community={community}
        onBooked={() => void queryClient.invalidateQueries({ queryKey: trpc.booking.mine.queryKey() })}
      />
      <MyBookings community={community} />
    </div>
  );
}
