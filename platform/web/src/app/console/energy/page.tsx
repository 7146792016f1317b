'use client';

import { EnergyView } from '@/components/energy/energy-view';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function EnergyPage() {
  return (
    <>
      <PageHeading titleKey="nav.energy" />
      <WithCommunity>{(community) => <EnergyView community={community} />}</WithCommunity>
    </>
  );
}
