'use client';

import { HousesView } from '@/components/houses/houses-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function HousesPage() {
  return (
    <>
      <PageHeading titleKey="nav.houses" />
      <WithCommunity>{(community) => <HousesView community={community} />}</WithCommunity>
    </>
  );
}
