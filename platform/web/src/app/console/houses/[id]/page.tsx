'use client';

import { useParams } from 'next/navigation';
import { HouseDetail } from '@/components/houses/house-detail';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function HousePage() {
  const { id } = useParams<{ id: string }>();
  return (
    <>
      <PageHeading titleKey="houses.detail" />
      <WithCommunity>{(community) => <HouseDetail community={community} id={id} />}</WithCommunity>
    </>
  );
}
