'use client';

import { MapConsole } from '@/components/map/map-console';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function MapPage() {
  return (
    <>
      <PageHeading titleKey="nav.map" />
      <WithCommunity>{(community) => <MapConsole community={community} />}</WithCommunity>
    </>
  );
}
