'use client';

import { useParams } from 'next/navigation';
import { PageHeading } from '@/components/page-heading';
import { NamedRecordDetail } from '@/components/places/named-record-detail';
import { WithCommunity } from '@/components/with-community';

export default function FacilityPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <>
      <PageHeading titleKey="named.facility.detail" />
      <WithCommunity>
        {(community) => <NamedRecordDetail community={community} kind="facility" id={id} />}
      </WithCommunity>
    </>
  );
}
