'use client';

import { LeftOutlined } from '@ant-design/icons';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { EventDetail } from '@/components/events/event-detail';
import { WithCommunity } from '@/components/with-community';
import { useT } from '@/i18n/lang-provider';

/** One of the resident's events: progress, history, rating. */
export default function ResidentEventDetail() {
  const { id } = useParams<{ id: string }>();
  const t = useT();
  return (
    <WithCommunity>
      {(community) => (
        <div style={{ marginTop: 8 }}>
          <Link href="/app/me/events" style={{ display: 'inline-flex', gap: 6, padding: '8px 0' }}>
            <LeftOutlined />
            {t('events.back')}
          </Link>
          <EventDetail community={community} id={id} desk={false} />
        </div>
      )}
    </WithCommunity>
  );
}
