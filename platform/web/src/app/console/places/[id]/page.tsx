'use client';

import { useParams } from 'next/navigation';
import { PageHeading } from '@/components/page-heading';
import { NamedRecordDetail } from '@/components/places/named-record-detail';
import { WithCommunity } from '@/components/with-community';

export default function SpacePage() {
  const { id } = useParams<{ id: string }>();
  return (
    <>
      <PageHeading titleKey="named.space.detail" />
      <WithCommunity>{(community) => <NamedRecordDetail community={community} kind="space" id={id} />}</WithCommunity>
    </>
  );
}
