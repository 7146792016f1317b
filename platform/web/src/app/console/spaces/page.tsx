'use client';

import { SpacesConsole } from '@/components/booking/spaces-console';
import { PageHeading } from '@/components/page-heading';
import { WithCommunity } from '@/components/with-community';

export default function SpacesPage() {
  return (
    <>
      <PageHeading titleKey="nav.spaces" />
      <WithCommunity>{(community) => <SpacesConsole community={community} />}</WithCommunity>
    </>
  );
}
