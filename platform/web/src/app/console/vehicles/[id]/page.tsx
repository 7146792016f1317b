'use client';

import { useParams } from 'next/navigation';
import { PageHeading } from '@/components/page-heading';
import { VehicleDetail } from '@/components/vehicles/vehicle-detail';
import { WithCommunity } from '@/components/with-community';

export default function VehiclePage() {
  const { id } = useParams<{ id: string }>();
  return (
    <>
      <PageHeading titleKey="vehicles.detail" />
      <WithCommunity>{(community) => <VehicleDetail community={community} id={id} />}</WithCommunity>
    </>
  );
}
