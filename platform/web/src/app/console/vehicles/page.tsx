'use client';

import { PageHeading } from '@/components/page-heading';
import { VehiclesView } from '@/components/vehicles/vehicles-view';
import { WithCommunity } from '@/components/with-community';

export default function VehiclesPage() {
  return (
    <>
      <PageHeading titleKey="nav.vehicles" />
      <WithCommunity>{(community) => <VehiclesView community={community} />}</WithCommunity>
    </>
  );
}
